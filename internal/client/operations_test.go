package client

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

// opServer serves GET /v1/operations/op-1 from respond, recording each
// request's wait parameter.
type opServer struct {
	mu    sync.Mutex
	waits []string
	n     atomic.Int32
}

func (s *opServer) handler(t *testing.T, respond func(n int, w http.ResponseWriter, r *http.Request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/v1/operations/op-1" {
			t.Errorf("unexpected request %s %s", r.Method, r.URL)
			http.Error(w, "unexpected", 400)
			return
		}
		s.mu.Lock()
		s.waits = append(s.waits, r.URL.Query().Get("wait"))
		s.mu.Unlock()
		respond(int(s.n.Add(1)), w, r)
	})
}

func (s *opServer) waitParams() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.waits...)
}

func opWith(status, message string) api.Operation {
	op := testOperation("op-1", status)
	op.Message = message
	return op
}

func TestGetOperation_WaitParam(t *testing.T) {
	var s opServer
	c := newTestClient(t, s.handler(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 200, opWith(api.OperationRunning, ""))
	}))
	ctx := context.Background()
	for _, wait := range []time.Duration{30 * time.Second, 1500 * time.Millisecond, 0} {
		if _, err := c.GetOperation(ctx, "op-1", wait); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := s.waitParams(), []string{"30s", "1500ms", ""}; !equalStrings(got, want) {
		t.Errorf("wait params = %q, want %q", got, want)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestWaitForOperation_SucceedsAfterPolls(t *testing.T) {
	var s opServer
	c := newTestClient(t, s.handler(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		// A long-polling server answers as soon as something changes.
		switch n {
		case 1:
			writeJSON(w, 200, opWith(api.OperationRunning, "allocating"))
		case 2:
			writeJSON(w, 200, opWith(api.OperationRunning, "booting"))
		default:
			writeJSON(w, 200, opWith(api.OperationSucceeded, "done"))
		}
	}))
	op, err := c.WaitForOperation(context.Background(), &api.Operation{ID: "op-1", Status: api.OperationPending})
	if err != nil {
		t.Fatal(err)
	}
	if op.Status != api.OperationSucceeded || op.Message != "done" {
		t.Errorf("final op = %+v", op)
	}
	// wait = min(30s, RequestTimeout/2 = 30s by default); no ctx deadline.
	if got, want := s.waitParams(), []string{"30s", "30s", "30s"}; !equalStrings(got, want) {
		t.Errorf("wait params = %q, want %q", got, want)
	}
}

func TestWaitForOperation_FailedOperation(t *testing.T) {
	var s opServer
	c := newTestClient(t, s.handler(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		op := opWith(api.OperationFailed, "provisioning failed")
		op.Error = &api.Problem{Title: "No capacity", Status: 503, Code: api.CodeNoCapacity, Detail: "region eu-1 is full"}
		writeJSON(w, 200, op)
	}))
	op, err := c.WaitForOperation(context.Background(), &api.Operation{ID: "op-1", Status: api.OperationRunning})
	if op == nil || op.Status != api.OperationFailed {
		t.Fatalf("final op = %+v", op)
	}
	var opErr *OperationError
	if !errors.As(err, &opErr) {
		t.Fatalf("err = %T %v, want *OperationError", err, err)
	}
	if opErr.Operation != op || opErr.Problem.Code != api.CodeNoCapacity {
		t.Errorf("OperationError = %+v", opErr)
	}
	if !errors.Is(err, ErrNoCapacity) || errors.Is(err, ErrInternal) {
		t.Errorf("errors.Is mapping wrong for %v", err)
	}
}

func TestWaitForOperation_DeadlineCancelsInFlightLongPoll(t *testing.T) {
	var s opServer
	release := make(chan struct{})
	cancelled := make(chan struct{}, 8)
	c := newTestClient(t, s.handler(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			writeJSON(w, 200, opWith(api.OperationRunning, "booting"))
			return
		}
		// Long-poll that never sees a change within the client's deadline:
		// it ends only when the client cancels it.
		select {
		case <-r.Context().Done():
			cancelled <- struct{}{}
		case <-release:
		}
	}))
	t.Cleanup(func() { close(release) }) // runs before the server closes

	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	deadline, _ := ctx.Deadline()
	op, err := c.WaitForOperation(ctx, &api.Operation{ID: "op-1", Status: api.OperationPending})
	late := time.Since(deadline)
	t.Logf("returned %s after the deadline", late)

	// The in-flight long-poll is cancelled with ctx, not waited out: the
	// server saw its request cancelled (it would otherwise never answer).
	// Typically a few ms late; the bound only catches a hang.
	select {
	case <-cancelled:
	case <-time.After(10 * time.Second):
		t.Fatal("the in-flight long-poll was not cancelled")
	}
	if late > 10*time.Second {
		t.Errorf("returned %s after the deadline", late)
	}
	var waitErr *WaitError
	if !errors.As(err, &waitErr) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %T %v, want *WaitError wrapping DeadlineExceeded", err, err)
	}
	if op == nil || op.Message != "booting" || waitErr.Operation != op {
		t.Errorf("last op = %+v, WaitError op = %+v", op, waitErr.Operation)
	}
	// 1.5s left → 1s (whole seconds) on the first poll.
	if waits := s.waitParams(); len(waits) < 2 || waits[0] != "1s" {
		t.Errorf("wait params = %q", waits)
	}
}

func TestWaitForOperation_ServerIgnoringWaitIsNotHammered(t *testing.T) {
	var s opServer
	c := newTestClient(t, s.handler(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 200, opWith(api.OperationRunning, "same")) // immediately, never changes
	}))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := c.WaitForOperation(ctx, &api.Operation{ID: "op-1", Status: api.OperationRunning, Message: "same"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	// Backoff of 250ms doubling, jittered to [d/2, d], allows at most 5 polls
	// in 2s (at 0, ≥125ms, ≥375ms, ≥875ms, ≥1875ms); a tight loop would make
	// thousands.
	if got := s.n.Load(); got < 2 || got > 6 {
		t.Errorf("polls in 2s = %d, want 2..6", got)
	}
}

func TestWaitForOperation_RetriesTransient503(t *testing.T) {
	var s opServer
	c := newTestClient(t, s.handler(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n == 1 {
			w.Header().Set("Retry-After", "0")
			writeProblem(w, 503, "", "restarting")
			return
		}
		writeJSON(w, 200, opWith(api.OperationSucceeded, ""))
	}))
	op, err := c.WaitForOperation(context.Background(), &api.Operation{ID: "op-1", Status: api.OperationRunning})
	if err != nil || op.Status != api.OperationSucceeded {
		t.Fatalf("op %+v err %v", op, err)
	}
	if got := s.n.Load(); got != 2 {
		t.Errorf("requests = %d, want 2", got)
	}
}

func TestWaitForOperation_OutlastsExhaustedHTTPRetries(t *testing.T) {
	var s opServer
	c := newTestClient(t, s.handler(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n <= 2 { // both attempts of the first poll
			writeProblem(w, 502, "", "bad gateway")
			return
		}
		writeJSON(w, 200, opWith(api.OperationSucceeded, ""))
	}), func(cfg *Config) { cfg.MaxRetries = 1 })
	op, err := c.WaitForOperation(context.Background(), &api.Operation{ID: "op-1", Status: api.OperationRunning})
	if err != nil || op.Status != api.OperationSucceeded {
		t.Fatalf("op %+v err %v", op, err)
	}
	if got := s.n.Load(); got != 3 {
		t.Errorf("requests = %d, want 3", got)
	}
}

func TestWaitForOperation_GivesUpAfterRepeatedPollFailures(t *testing.T) {
	var s opServer
	c := newTestClient(t, s.handler(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeProblem(w, 503, "", "down")
	}), func(cfg *Config) { cfg.MaxRetries = 1 })
	start := &api.Operation{ID: "op-1", Status: api.OperationRunning}
	op, err := c.WaitForOperation(context.Background(), start)
	var waitErr *WaitError
	var apiErr *APIError
	if !errors.As(err, &waitErr) || !errors.As(err, &apiErr) || apiErr.StatusCode != 503 {
		t.Fatalf("err = %T %v", err, err)
	}
	if op != start {
		t.Errorf("op = %+v, want the last one seen", op)
	}
	// (maxPollFailures + 1) polls of (1 + MaxRetries) attempts.
	if got, want := s.n.Load(), int32((maxPollFailures+1)*2); got != want {
		t.Errorf("requests = %d, want %d", got, want)
	}
}

func TestWaitForOperation_PermanentPollError(t *testing.T) {
	var s opServer
	c := newTestClient(t, s.handler(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeProblem(w, 404, api.CodeNotFound, "operation not found")
	}))
	_, err := c.WaitForOperation(context.Background(), &api.Operation{ID: "op-1", Status: api.OperationRunning})
	var waitErr *WaitError
	if !errors.As(err, &waitErr) || !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %T %v", err, err)
	}
	if got := s.n.Load(); got != 1 {
		t.Errorf("requests = %d, want 1", got)
	}
}

func TestWaitForOperation_AlreadyDone(t *testing.T) {
	var s opServer
	c := newTestClient(t, s.handler(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 200, opWith(api.OperationRunning, ""))
	}))
	ctx := context.Background()
	done := opWith(api.OperationSucceeded, "")
	if op, err := c.WaitForOperation(ctx, &done); err != nil || op != &done {
		t.Errorf("succeeded op: %v %v", op, err)
	}
	failed := opWith(api.OperationFailed, "vm crashed")
	if _, err := c.WaitForOperation(ctx, &failed); !errors.As(err, new(*OperationError)) {
		t.Errorf("failed op without error problem: err = %v", err)
	}
	if _, err := c.WaitForOperation(ctx, nil); err == nil {
		t.Error("nil op accepted")
	}
	if got := s.n.Load(); got != 0 {
		t.Errorf("requests = %d, want 0", got)
	}
}

func TestPollWait(t *testing.T) {
	withTimeout := func(rt time.Duration) *Client { return &Client{requestTimeout: rt} }
	bg := context.Background()
	ctxLeft := func(d time.Duration) context.Context {
		ctx, cancel := context.WithTimeout(bg, d)
		t.Cleanup(cancel)
		return ctx
	}
	cases := []struct {
		name string
		c    *Client
		ctx  context.Context
		want time.Duration
	}{
		{"default timeout", withTimeout(DefaultRequestTimeout), bg, 30 * time.Second},
		{"30s timeout", withTimeout(30 * time.Second), bg, 15 * time.Second},
		{"long timeout caps at 30s", withTimeout(5 * time.Minute), bg, 30 * time.Second},
		{"odd timeout rounds down", withTimeout(9 * time.Second), bg, 4 * time.Second},
		{"ctx shorter", withTimeout(30 * time.Second), ctxLeft(2700 * time.Millisecond), 2 * time.Second},
		{"under a second omitted", withTimeout(30 * time.Second), ctxLeft(900 * time.Millisecond), 0},
		{"tiny timeout omitted", withTimeout(time.Second), bg, 0},
	}
	for _, tc := range cases {
		if got := tc.c.pollWait(tc.ctx); got != tc.want {
			t.Errorf("%s: pollWait = %s, want %s", tc.name, got, tc.want)
		}
	}
}
