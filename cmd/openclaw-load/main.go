// Command openclaw-load puts load on a control plane and prints what it saw:
//
//	openclaw-load seed  -endpoint URL -key KEY [-seed 50]
//	openclaw-load get   -endpoint URL -key KEY [-c 32] [-d 10s]
//	openclaw-load list  -endpoint URL -key KEY [-c 4]  [-d 10s] [-page-size 500]
//	openclaw-load burst -endpoint URL -key KEY [-rate 200] [-d 30s]
//
// get and list run c workers in a closed loop for d and print requests per
// second with p50/p99 latency. burst creates environments at a fixed rate for
// d, waits for every operation and prints the create-to-complete latency
// (from the POST until the operation is done). Everything is bounded: the
// loops stop after d and the waits after d + 2 minutes. Point it only at a
// control plane you run yourself (tools/bench-load.sh starts one).
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/api"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: openclaw-load seed|get|list|burst -endpoint URL -key KEY [flags]")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2:]); err != nil {
		fmt.Fprintln(os.Stderr, "openclaw-load:", err)
		os.Exit(1)
	}
}

type loader struct {
	endpoint, key string
	http          *http.Client
}

func run(mode string, args []string) error {
	fs := flag.NewFlagSet(mode, flag.ContinueOnError)
	endpoint := fs.String("endpoint", os.Getenv("OPENCLAW_ENDPOINT"), "control plane URL")
	key := fs.String("key", os.Getenv("OPENCLAW_API_KEY"), "admin API key")
	conc := fs.Int("c", 32, "concurrent workers (get, list)")
	dur := fs.Duration("d", 10*time.Second, "how long to load")
	pageSize := fs.Int("page-size", 500, "list: page size")
	rate := fs.Float64("rate", 200, "burst: creates per second")
	seed := fs.Int("seed", 50, "get, seed: environments to create (get reads them)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *endpoint == "" || *key == "" {
		return errors.New("-endpoint and -key (or OPENCLAW_ENDPOINT and OPENCLAW_API_KEY) are required")
	}
	l := &loader{endpoint: *endpoint, key: *key, http: &http.Client{
		Timeout:   time.Minute,
		Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256},
	}}
	ctx := context.Background()
	switch mode {
	case "get":
		ids, err := l.seed(ctx, *seed)
		if err != nil {
			return err
		}
		var n atomic.Int64
		return l.closedLoop(ctx, "GET /v1/environments/{id}", *conc, *dur, func() error {
			id := ids[int(n.Add(1))%len(ids)]
			return l.do(ctx, http.MethodGet, "/v1/environments/"+id, nil, nil)
		})
	case "seed":
		ids, err := l.seed(ctx, *seed)
		fmt.Printf("seed: created %d environments\n", len(ids))
		return err
	case "list":
		return l.closedLoop(ctx, fmt.Sprintf("GET /v1/environments?page_size=%d", *pageSize), *conc, *dur, func() error {
			return l.do(ctx, http.MethodGet, fmt.Sprintf("/v1/environments?page_size=%d", *pageSize), nil, nil)
		})
	case "burst":
		return l.burst(ctx, *rate, *dur)
	}
	return fmt.Errorf("unknown mode %q (seed, get, list or burst)", mode)
}

func (l *loader) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, l.endpoint+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+l.key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := l.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, b)
	}
	if out == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// seed creates n environments (no simulator delay needed) and returns their IDs.
func (l *loader) seed(ctx context.Context, n int) ([]string, error) {
	prefix := fmt.Sprintf("load-%d", time.Now().UnixNano())
	ids := make([]string, 0, n)
	for i := range n {
		var op api.Operation
		if err := l.do(ctx, http.MethodPost, "/v1/environments", api.EnvironmentCreate{Name: fmt.Sprintf("%s-%d", prefix, i), Region: "us-east"}, &op); err != nil {
			return nil, err
		}
		ids = append(ids, op.TargetID)
	}
	return ids, nil
}

func (l *loader) closedLoop(ctx context.Context, what string, conc int, d time.Duration, call func() error) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var (
		mu        sync.Mutex
		latencies []time.Duration
		errs      atomic.Int64
		firstErr  atomic.Value
		wg        sync.WaitGroup
	)
	before := l.scrape(ctx)
	start := time.Now()
	for range conc {
		wg.Go(func() {
			var mine []time.Duration
			for ctx.Err() == nil {
				t := time.Now()
				if err := call(); err != nil {
					if ctx.Err() != nil {
						break
					}
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := l.scrape(context.Background()).sub(before)["process_cpu_seconds_total"]
	fmt.Printf("%s: %d workers for %s: %d requests, %.0f req/s, p50 %s, p99 %s, errors %d, server CPU %s per request\n",
		what, conc, d, len(latencies), float64(len(latencies))/elapsed.Seconds(),
		pct(latencies, 50), pct(latencies, 99), errs.Load(), perRequest(cpu, len(latencies)))
	if e := firstErr.Load(); e != nil {
		fmt.Printf("  first error: %s\n", e)
	}
	return nil
}

func (l *loader) burst(ctx context.Context, rate float64, d time.Duration) error {
	type created struct {
		op    string
		start time.Time
	}
	prefix := fmt.Sprintf("burst-%d", time.Now().UnixNano())
	interval := time.Duration(float64(time.Second) / rate)
	deadline := time.Now().Add(d)
	var (
		mu      sync.Mutex
		ops     []created
		errs    atomic.Int64
		wg      sync.WaitGroup
		latency []time.Duration
		// lastDone is when the last operation completed.
		lastDone time.Time
	)
	before := l.scrape(ctx)
	began := time.Now()
	peak := l.peakSteps(ctx)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	i := 0
	for time.Now().Before(deadline) {
		<-tick.C
		// Catch up on ticks a busy machine dropped: the rate is what is sent.
		for due := int(time.Since(began).Seconds() * rate); i < due; {
			i++
			l.create(ctx, &wg, fmt.Sprintf("%s-%d", prefix, i), func(op api.Operation, start time.Time, err error) {
				if err != nil {
					errs.Add(1)
					return
				}
				mu.Lock()
				ops = append(ops, created{op.ID, start})
				mu.Unlock()
			})
		}
	}
	wg.Wait()
	fmt.Printf("burst: %d creates sent at %.0f/s for %s, %d accepted, %d refused\n", i, rate, d, len(ops), errs.Load())
	if time.Since(began) > d+time.Second {
		fmt.Printf("  (sending took %s: the creates themselves were slow)\n", time.Since(began).Round(100*time.Millisecond))
	}
	waitCtx, cancel := context.WithTimeout(ctx, d+2*time.Minute)
	defer cancel()
	sem := make(chan struct{}, 64)
	failed := atomic.Int64{}
	for _, c := range ops {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			for waitCtx.Err() == nil {
				var op api.Operation
				if err := l.do(waitCtx, http.MethodGet, "/v1/operations/"+c.op+"?wait=30s", nil, &op); err != nil {
					failed.Add(1)
					return
				}
				if op.Done() {
					done := time.Now()
					if op.CompletedAt != nil {
						done = *op.CompletedAt
					}
					mu.Lock()
					latency = append(latency, done.Sub(c.start))
					if done.After(lastDone) {
						lastDone = done
					}
					mu.Unlock()
					if op.Status == api.OperationFailed {
						failed.Add(1)
					}
					return
				}
			}
		})
	}
	wg.Wait()
	busiest := peak()
	fmt.Printf("burst: create-to-complete of %d operations: p50 %s, p99 %s, max %s, failed or unfinished %d\n",
		len(latency), pct(latency, 50), pct(latency, 99), pct(latency, 100), failed.Load()+int64(len(ops)-len(latency)))
	if len(latency) > 0 {
		// Steps over the time from the first create to the last completion:
		// the rate the engine sustained while the burst was in flight.
		window := lastDone.Sub(began)
		m := l.scrape(context.Background()).sub(before)
		fmt.Printf("burst: engine ran %.0f steps in %s (%.0f steps/s on average, %.0f in the busiest second, %.1f per create), server CPU %.1f s\n",
			m["openclaw_operation_steps_total"], window.Round(100*time.Millisecond), m["openclaw_operation_steps_total"]/window.Seconds(),
			busiest, m["openclaw_operation_steps_total"]/float64(len(ops)), m["process_cpu_seconds_total"])
	}
	return nil
}

// create POSTs one environment on its own goroutine and reports the result.
func (l *loader) create(ctx context.Context, wg *sync.WaitGroup, name string, done func(api.Operation, time.Time, error)) {
	wg.Go(func() {
		start := time.Now()
		var op api.Operation
		err := l.do(ctx, http.MethodPost, "/v1/environments", api.EnvironmentCreate{Name: name, Region: "us-east"}, &op)
		done(op, start, err)
	})
}

// peakSteps samples the engine's step counter every second until the
// returned function is called, which answers the most steps seen in one.
func (l *loader) peakSteps(ctx context.Context) func() float64 {
	ctx, cancel := context.WithCancel(ctx)
	var (
		mu   sync.Mutex
		peak float64
		wg   sync.WaitGroup
	)
	wg.Go(func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		last, at := l.scrape(ctx)["openclaw_operation_steps_total"], time.Now()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			cur, now := l.scrape(ctx)["openclaw_operation_steps_total"], time.Now()
			if ctx.Err() != nil {
				return
			}
			mu.Lock()
			peak = max(peak, (cur-last)/now.Sub(at).Seconds())
			mu.Unlock()
			last, at = cur, now
		}
	})
	return func() float64 {
		cancel()
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}

// sample is a /metrics scrape: each metric's value summed over its labels.
type sample map[string]float64

func (a sample) sub(b sample) sample {
	out := sample{}
	for k, v := range a {
		out[k] = v - b[k]
	}
	return out
}

// scrape reads the control plane's /metrics (Prometheus text format). An
// unreadable scrape is empty: the figures it feeds print as zero.
func (l *loader) scrape(ctx context.Context) sample {
	out := sample{}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, l.endpoint+"/metrics", nil)
	if err != nil {
		return out
	}
	resp, err := l.http.Do(req)
	if err != nil {
		return out
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		name, rest, ok := strings.Cut(line, " ")
		if i := strings.IndexByte(name, '{'); i >= 0 {
			// Labels may hold spaces: the value follows the closing brace.
			name = line[:i]
			if j := strings.LastIndexByte(line, '}'); j > i {
				rest, ok = strings.TrimSpace(line[j+1:]), true
			}
		}
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(strings.Fields(rest)[0], 64)
		if err == nil {
			out[name] += v
		}
	}
	return out
}

func perRequest(cpuSeconds float64, n int) time.Duration {
	if n == 0 {
		return 0
	}
	return time.Duration(cpuSeconds / float64(n) * float64(time.Second)).Round(10 * time.Microsecond)
}

func pct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	if i > 0 {
		i--
	}
	return s[min(i, len(s)-1)].Round(100 * time.Microsecond)
}
