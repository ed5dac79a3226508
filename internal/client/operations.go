package client

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

const (
	operationsPath = "/v1/operations"

	// maxPollWait is the longest long-poll asked for. The server allows 60s;
	// 30s keeps each request well inside proxies' idle timeouts.
	maxPollWait = 30 * time.Second
	// Pause between polls when the server answers early without news
	// (it ignores ?wait, or less than a second of ctx is left).
	pollBackoffMin = 250 * time.Millisecond
	pollBackoffMax = 5 * time.Second
	// maxPollFailures is how many consecutive polls may fail transiently,
	// each after the HTTP layer's own retries, before waiting gives up. This
	// rides out a control plane restart during a long create without looping
	// forever against a dead endpoint when ctx has no deadline.
	maxPollFailures = 3
)

// GetOperation reads an operation. A positive wait asks the server to hold
// the answer until the operation changes or wait elapses (long-poll).
func (c *Client) GetOperation(ctx context.Context, id string, wait time.Duration) (*api.Operation, error) {
	path, err := resourcePath(operationsPath, id)
	if err != nil {
		return nil, err
	}
	var q url.Values
	if wait > 0 {
		q = url.Values{"wait": {formatWait(wait)}}
	}
	op, _, err := get[api.Operation](ctx, c, path, q)
	return op, err
}

// formatWait renders d in the form the API accepts: ^[0-9]+(ms|s|m)$.
func formatWait(d time.Duration) string {
	if d%time.Second == 0 {
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return fmt.Sprintf("%dms", d.Milliseconds())
}

// WaitForOperation waits until op is done. It long-polls (?wait=), falls
// back to capped exponential backoff between polls when the server answers
// early without a change, retries transient poll failures, and returns
// immediately when ctx ends.
//
// Success: the final *api.Operation, nil. Failed operation: the final
// operation and an *OperationError. ctx ended: the last operation seen and a
// *WaitError wrapping ctx.Err(). A poll that fails permanently (e.g. 404 or
// 403) or keeps failing also yields a *WaitError, wrapping that error.
func (c *Client) WaitForOperation(ctx context.Context, op *api.Operation) (*api.Operation, error) {
	if op == nil || op.ID == "" {
		return op, errors.New("wait for operation: operation has no ID")
	}
	last := op
	delay := pollBackoffMin
	failures := 0
	for !last.Done() {
		if err := ctx.Err(); err != nil {
			return last, &WaitError{Operation: last, Err: err}
		}
		wait := c.pollWait(ctx)
		start := time.Now()
		next, err := c.GetOperation(ctx, last.ID, wait)
		switch {
		case err != nil:
			if ctxErr := ctx.Err(); ctxErr != nil {
				return last, &WaitError{Operation: last, Err: ctxErr}
			}
			failures++
			if !isTransientError(err) || failures > maxPollFailures {
				return last, &WaitError{Operation: last, Err: err}
			}
		case next.Status != last.Status || next.Message != last.Message:
			// The long-poll ended because something happened; more may follow
			// soon, so ask again at once.
			last, failures, delay = next, 0, pollBackoffMin
			continue
		default:
			last, failures = next, 0
			// The server held the request for a good part of the wait: it
			// long-polls, so the next long-poll is all the pacing needed.
			if wait > 0 && time.Since(start) >= wait/2 {
				delay = pollBackoffMin
				continue
			}
		}
		// An early answer without news, or a failed poll: back off so a
		// server that ignores ?wait is not hammered.
		if err := sleepCtx(ctx, jitter(delay)); err != nil {
			return last, &WaitError{Operation: last, Err: err}
		}
		delay = min(delay*2, pollBackoffMax)
	}
	if last.Status == api.OperationFailed {
		return last, newOperationError(last)
	}
	return last, nil
}

// pollWait is the long-poll duration for the next poll: at most maxPollWait,
// half the per-attempt timeout (so the answer always beats it) and the time
// ctx has left, in whole seconds. 0 means "do not long-poll".
func (c *Client) pollWait(ctx context.Context) time.Duration {
	w := min(maxPollWait, c.requestTimeout/2)
	if dl, ok := ctx.Deadline(); ok {
		w = min(w, time.Until(dl))
	}
	w = w.Truncate(time.Second)
	if w < time.Second {
		return 0
	}
	return w
}

func newOperationError(op *api.Operation) *OperationError {
	p := api.Problem{Title: "operation failed", Detail: op.Message}
	if op.Error != nil {
		p = *op.Error
	}
	return &OperationError{Operation: op, Problem: p}
}

// isTransientError reports whether a failed call is worth repeating later.
func isTransientError(err error) bool {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		switch apiErr.StatusCode {
		case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true
		}
		return false
	}
	var reqErr *requestError
	if errors.As(err, &reqErr) {
		return isTransientNetErr(reqErr.Err)
	}
	return false
}

// jitter returns a duration in [d/2, d], so pauses never collapse to ~0.
func jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2+1)
}

// sleepCtx sleeps for d or until ctx ends, whichever is first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
