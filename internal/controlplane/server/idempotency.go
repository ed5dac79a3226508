package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/store"
)

const (
	// idempotencyTTL is how long a key's first response is replayed.
	idempotencyTTL = 24 * time.Hour
	// idempotencyAbandoned: a record still pending after this long belongs to
	// a request whose process died; it no longer blocks its key.
	idempotencyAbandoned = time.Minute
	// idempotencyWait bounds how long a duplicate waits for the first request.
	idempotencyWait = 10 * time.Second
)

// idempotent makes a mutation (POST, PATCH, DELETE) replay its first
// response for a repeated Idempotency-Key, refuse a reused key with another
// request (422), and never run twice concurrently for one key. A PATCH or
// DELETE whose answer was lost is so answered again, rather than with a
// false 412 (its If-Match moved on) or 404 (the delete already ran).
func (s *Server) idempotent(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *principal) error {
		key := r.Header.Get(api.HeaderIdempotencyKey)
		if key == "" {
			return h(w, r, p)
		}
		if len(key) > 255 || !printableASCII(key) {
			return errorf(http.StatusBadRequest, api.CodeInvalidArgument, "the Idempotency-Key header must be 1 to 255 printable ASCII characters")
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return decodeError(err, nil)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		// The request is what it targets, its preconditions and its body.
		target := r.Method + " " + r.URL.Path
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		if m := r.Header.Get("If-Match"); m != "" {
			target += "\nIf-Match: " + m
		}
		sum := sha256.Sum256([]byte(target + "\n" + string(body)))
		rec := &store.IdempotencyRecord{
			Principal:   p.key.ID,
			Key:         key,
			Method:      r.Method,
			Path:        r.URL.Path,
			RequestHash: hex.EncodeToString(sum[:]),
			CreatedAt:   s.now(),
		}
		deadline := time.Now().Add(idempotencyWait)
		for {
			err := s.store.CreateIdempotency(r.Context(), rec)
			if err == nil {
				break
			}
			if !errors.Is(err, store.ErrConflict) {
				return err
			}
			prev, err := s.store.GetIdempotency(r.Context(), p.key.ID, key)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if prev.RequestHash != rec.RequestHash {
				return errorf(http.StatusUnprocessableEntity, api.CodeConflict,
					"Idempotency-Key %q was already used for a different request (%s %s with another body); send a new key for a new request", key, prev.Method, prev.Path)
			}
			if prev.StatusCode != 0 {
				if prev.ResponseBody, err = s.openReplay(p.key.ID, key, prev.ResponseBody); err != nil {
					return err
				}
				replay(w, prev)
				return nil
			}
			if s.now().Sub(prev.CreatedAt) > idempotencyAbandoned {
				if err := s.store.DeleteIdempotency(r.Context(), p.key.ID, key); err != nil && !errors.Is(err, store.ErrNotFound) {
					return err
				}
				continue
			}
			if time.Now().After(deadline) {
				e := errorf(http.StatusConflict, api.CodeConflict, "a request with Idempotency-Key %q is still being processed; retry shortly", key)
				e.retryAfter = 1
				return e
			}
			select {
			case <-r.Context().Done():
				return r.Context().Err()
			case <-time.After(50 * time.Millisecond):
			}
		}

		cw := &captureWriter{ResponseWriter: w}
		if err := h(cw, r, p); err != nil {
			s.writeProblem(cw, r, err)
		}
		if cw.status >= 500 || cw.status == 0 {
			// A failure of ours: let a retry with the same key run again.
			if err := s.store.DeleteIdempotency(r.Context(), p.key.ID, key); err != nil {
				s.logger.WarnContext(r.Context(), "release idempotency key", "err", err)
			}
			return nil
		}
		rec.StatusCode = cw.status
		rec.Location = cw.Header().Get("Location")
		sealed, err := s.sealReplay(p.key.ID, key, cw.body.Bytes())
		if err != nil {
			// Never store a response in plaintext; a retry runs again.
			s.logger.WarnContext(r.Context(), "encrypt idempotent response", "err", err)
			if err := s.store.DeleteIdempotency(r.Context(), p.key.ID, key); err != nil {
				s.logger.WarnContext(r.Context(), "release idempotency key", "err", err)
			}
			return nil
		}
		rec.ResponseBody = sealed
		if err := s.store.CompleteIdempotency(r.Context(), rec); err != nil {
			s.logger.WarnContext(r.Context(), "record idempotent response", "err", err)
		}
		return nil
	}
}

func replay(w http.ResponseWriter, rec *store.IdempotencyRecord) {
	ct := "application/json"
	if rec.StatusCode >= 400 {
		ct = api.ProblemContentType
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Idempotent-Replayed", "true")
	w.Header().Set("Cache-Control", "no-store")
	if rec.Location != "" {
		w.Header().Set("Location", rec.Location)
	}
	w.WriteHeader(rec.StatusCode)
	_, _ = w.Write(rec.ResponseBody)
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// captureWriter passes a response through and keeps a copy of it.
type captureWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (c *captureWriter) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *captureWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	c.body.Write(b)
	return c.ResponseWriter.Write(b)
}
