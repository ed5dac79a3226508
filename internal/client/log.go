package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

const (
	// logSubsystem is the tflog subsystem of every client log line.
	logSubsystem = "client"
	// logLevelEnv sets the subsystem's level; unset, it follows the
	// provider's (TF_LOG_PROVIDER / TF_LOG).
	logLevelEnv = "TF_LOG_PROVIDER_OPENCLAW_CLIENT"
	// maxLoggedBody bounds each logged request or response body.
	maxLoggedBody = 8 << 10
	redacted      = "***"
)

// sensitiveKeys are JSON object members whose values never reach a log.
var sensitiveKeys = map[string]bool{
	"secret":   true,
	"secrets":  true,
	"api_key":  true,
	"token":    true,
	"password": true,
	"value":    true,
}

// logContext returns ctx with the "client" subsystem logger, masking the API
// key anywhere it could appear (message or any field).
func (c *Client) logContext(ctx context.Context) context.Context {
	ctx = tflog.NewSubsystem(ctx, logSubsystem, tflog.WithLevelFromEnv(logLevelEnv))
	ctx = tflog.SubsystemMaskFieldValuesWithFieldKeys(ctx, logSubsystem, "authorization")
	if c.apiKey != "" { // masking "" would splice *** between every character
		ctx = tflog.SubsystemMaskLogStrings(ctx, logSubsystem, c.apiKey)
	}
	return ctx
}

// callState is shared by the attempts of one Do call.
type callState struct {
	body     []byte // request payload, for logging
	attempts atomic.Int32
}

type callStateKey struct{}

func withCallState(ctx context.Context, st *callState) context.Context {
	return context.WithValue(ctx, callStateKey{}, st)
}

// loggingTransport logs every attempt (retries included, which retryablehttp
// hides from its caller) at TRACE. It also reads the response body in full
// so a connection dropped mid-body is a transport error the retry policy
// sees, rather than a failure after retries are over.
type loggingTransport struct {
	next http.RoundTripper
}

func (t *loggingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	st, _ := ctx.Value(callStateKey{}).(*callState)
	if st == nil {
		st = &callState{}
	}
	attempt := st.attempts.Add(1)
	if !tflog.SubsystemIsTrace(ctx, logSubsystem) {
		return readWhole(t.next.RoundTrip(req))
	}

	fields := map[string]any{
		"http_method": req.Method,
		"url":         req.URL.String(),
		"attempt":     attempt,
	}
	if key := req.Header.Get(api.HeaderIdempotencyKey); key != "" {
		fields["idempotency_key"] = key
	}
	if etag := req.Header.Get("If-Match"); etag != "" {
		fields["if_match"] = etag
	}
	reqFields := copyFields(fields)
	if len(st.body) > 0 {
		reqFields["request_body"] = loggableBody(st.body)
	}
	tflog.SubsystemTrace(ctx, logSubsystem, "Sending HTTP request", reqFields)

	start := time.Now()
	resp, err := readWhole(t.next.RoundTrip(req))
	fields["duration"] = time.Since(start).String()
	if err != nil {
		fields["error"] = err.Error()
		tflog.SubsystemTrace(ctx, logSubsystem, "HTTP request failed", fields)
		return nil, err
	}
	fields["status"] = resp.StatusCode
	if id := resp.Header.Get(api.HeaderRequestID); id != "" {
		fields["request_id"] = id
	}
	if data := resp.Body.(*wholeBody).data; len(data) > 0 {
		fields["response_body"] = loggableBody(data)
	}
	tflog.SubsystemTrace(ctx, logSubsystem, "Received HTTP response", fields)
	return resp, nil
}

// wholeBody is a response body already read in full.
type wholeBody struct {
	*bytes.Reader
	data []byte
}

func (wholeBody) Close() error { return nil }

// readWhole reads the body of a successful round trip in full, so that a
// connection dropped mid-body is a transport error the retry policy sees.
func readWhole(resp *http.Response, err error) (*http.Response, error) {
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("reading response body: %w", err)
	}
	resp.Body = &wholeBody{Reader: bytes.NewReader(data), data: data}
	return resp, nil
}

func copyFields(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// loggableBody is a body safe to log: secrets redacted, then truncated.
// (Redacting first: a truncated document no longer parses.)
func loggableBody(data []byte) string {
	return truncate(redactJSON(data), maxLoggedBody)
}

// redactJSON replaces the values of sensitive members (see sensitiveKeys) at
// any depth. A body that is not JSON is returned unchanged; this client only
// sends JSON, so that is limited to error pages from proxies, and the API
// key is masked by the logger in any case.
func redactJSON(data []byte) string {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // keep numbers exactly as sent
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return string(data)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(redactValue(v)); err != nil {
		return string(data)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

func redactValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, child := range t {
			switch lk := strings.ToLower(k); {
			case lk == "secrets":
				t[k] = redactSecrets(child)
			case sensitiveKeys[lk]:
				t[k] = redacted
			default:
				t[k] = redactValue(child)
			}
		}
	case []any:
		for i := range t {
			t[i] = redactValue(t[i])
		}
	}
	return v
}

// redactSecrets handles a "secrets" member. As a map (name → value, the
// write shape) the names stay visible, which helps debugging, and every value
// is replaced. As a list (the read shape, [{name, version, fingerprint}]) the
// objects carry no values but are still walked; bare strings are masked.
func redactSecrets(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k := range t {
			t[k] = redacted
		}
		return t
	case []any:
		for i, e := range t {
			if _, ok := e.(map[string]any); ok {
				t[i] = redactValue(e)
			} else {
				t[i] = redacted
			}
		}
		return t
	case nil:
		return nil
	default:
		return redacted
	}
}

// truncate cuts s to at most n bytes on a rune boundary, saying so.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s…[truncated, %d bytes total]", s[:cut], len(s))
}
