package kubetest

import (
	"io"
	"net"
	"strings"
	"sync"
	"testing"

	"k8s.io/client-go/rest"
)

// Proxy forwards TCP connections to the test cluster's API server, and can
// cut the path and restore it: an API server that becomes unreachable, and
// reachable again, without stopping the cluster other tests share.
type Proxy struct {
	target string
	addr   string

	mu    sync.Mutex
	ln    net.Listener
	conns []net.Conn
}

// NewProxy starts a proxy on a loopback port, stopped when the test ends.
func NewProxy(t testing.TB) *Proxy {
	t.Helper()
	cfg := Config(t)
	p := &Proxy{target: strings.TrimPrefix(cfg.Host, "https://")}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.Cut)
	return p
}

// Config is the test cluster's client configuration through the proxy (the
// API server's certificate names 127.0.0.1, so TLS holds).
func (p *Proxy) Config(t testing.TB) *rest.Config {
	t.Helper()
	cfg := Config(t)
	cfg.Host = "https://" + p.addr
	return cfg
}

func (p *Proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", p.target)
			if err != nil {
				_ = in.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, in, out)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(out, in); _ = out.Close() }()
			go func() { _, _ = io.Copy(in, out); _ = in.Close() }()
		}
	}()
}

// Cut refuses new connections and closes the open ones.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}

// Restore listens again on the same address.
func (p *Proxy) Restore(t testing.TB) {
	t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatalf("restore the proxy on %s: %v", p.addr, err)
	}
	p.serve(ln)
}
