package process

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/driver"
	"github.com/openclaw/terraform-provider-openclaw/internal/controlplane/simulator"
	"github.com/openclaw/terraform-provider-openclaw/internal/gpucatalog"
)

// Nodes are the process driver's GPU nodes: still simulated (no GPUs
// here; capacity as the simulator's), but each pool is served by a local
// OpenAI-compatible stub, a "simulated GPU node", on a loopback port, so
// the models.providers.<id>.baseUrl the real gateway reads answers.
type Nodes struct {
	d   *Driver
	sim simulator.Nodes

	mu      sync.Mutex
	servers map[string]*stubServer
}

var _ driver.GPUNodes = (*Nodes)(nil)

// nodeFile is gpu-nodes/<pool>.json.
type nodeFile struct {
	Port    int            `json:"port"`
	Name    string         `json:"name"`
	Backend string         `json:"backend"`
	Nodes   int64          `json:"nodes"`
	Models  []driver.Model `json:"models"`
}

type stubServer struct {
	mu   sync.Mutex
	file nodeFile
	srv  *http.Server
}

// Allocate places the pool in the simulated capacity.
func (n *Nodes) Allocate(req driver.Placement) (driver.Choice, []driver.Attempt, error) {
	return n.sim.Allocate(req)
}

// Free is the simulated free capacity.
func (n *Nodes) Free(cat gpucatalog.Catalog, used driver.Usage, k driver.UsageKey) int64 {
	return n.sim.Free(cat, used, k)
}

func (n *Nodes) path(id string) string {
	return filepath.Join(n.d.cfg.DataDir, "gpu-nodes", id+".json")
}

// BaseURL is the stub's address (its port is reserved on first use).
func (n *Nodes) BaseURL(p driver.Pool) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	s, err := n.serverLocked(p)
	if err != nil {
		return ""
	}
	return stubURL(s.file.Port, p.Backend)
}

func stubURL(port int, backend string) string {
	u := fmt.Sprintf("http://127.0.0.1:%d", port)
	if backend != "ollama" { // Ollama's native API has no /v1
		u += "/v1"
	}
	return u
}

// serverLocked returns the pool's stub record, reserving a port.
func (n *Nodes) serverLocked(p driver.Pool) (*stubServer, error) {
	if s := n.servers[p.ID]; s != nil {
		return s, nil
	}
	n.d.mu.Lock()
	port, err := n.d.allocPortLocked("pool:" + p.ID)
	n.d.mu.Unlock()
	if err != nil {
		return nil, err
	}
	s := &stubServer{file: nodeFile{Port: port, Name: p.Name, Backend: p.Backend}}
	n.servers[p.ID] = s
	return s, n.save(p.ID, s)
}

func (n *Nodes) save(id string, s *stubServer) error {
	b, _ := json.MarshalIndent(s.file, "", "  ")
	return driver.WriteFileAtomic(n.path(id), append(b, '\n'))
}

// Scale serves the pool's models on its stub (started the first time).
func (n *Nodes) Scale(_ context.Context, p driver.Pool) (string, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	s, err := n.serverLocked(p)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	s.file.Name, s.file.Backend, s.file.Nodes, s.file.Models = p.Name, p.Backend, p.Nodes, p.Models
	s.mu.Unlock()
	if err := n.save(p.ID, s); err != nil {
		return "", err
	}
	if err := n.serve(s); err != nil {
		return "", err
	}
	return stubURL(s.file.Port, p.Backend), nil
}

// Release stops the pool's stub and frees its port.
func (n *Nodes) Release(ctx context.Context, poolID string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	s := n.servers[poolID]
	if s == nil {
		return nil
	}
	delete(n.servers, poolID)
	if s.srv != nil {
		_ = s.srv.Shutdown(ctx)
	}
	n.d.mu.Lock()
	delete(n.d.ports, s.file.Port)
	n.d.mu.Unlock()
	if err := os.Remove(n.path(poolID)); err != nil && !os.IsNotExist(err) {
		return err
	}
	return nil
}

// load serves every pool recorded by an earlier control plane, on its port.
func (n *Nodes) load() error {
	files, _ := filepath.Glob(filepath.Join(n.d.cfg.DataDir, "gpu-nodes", "*.json"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		s := &stubServer{}
		if err := json.Unmarshal(b, &s.file); err != nil || s.file.Port == 0 {
			continue
		}
		id := filepath.Base(f[:len(f)-len(".json")])
		n.servers[id] = s
		n.d.ports[s.file.Port] = "pool:" + id
		if s.file.Nodes > 0 || len(s.file.Models) > 0 {
			if err := n.serve(s); err != nil {
				n.d.logger.Error("serve simulated GPU node", "pool_id", id, "err", err)
			}
		}
	}
	return nil
}

func (n *Nodes) serve(s *stubServer) error {
	if s.srv != nil {
		return nil
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(s.file.Port)))
	if err != nil {
		return fmt.Errorf("simulated GPU node %s: listen on %d: %w", s.file.Name, s.file.Port, err)
	}
	s.srv = &http.Server{Handler: s.handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return nil
}

func (n *Nodes) close() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, s := range n.servers {
		if s.srv != nil {
			_ = s.srv.Close()
			s.srv = nil
		}
	}
}

// handler answers like an OpenAI-compatible model server (vLLM, SGLang,
// llama.cpp under /v1) and Ollama's native API, with canned replies: it is
// a simulated GPU node, and says so in every answer.
func (s *stubServer) handler() http.Handler {
	mux := http.NewServeMux()
	ident := func(w http.ResponseWriter) nodeFile {
		s.mu.Lock()
		f := s.file
		s.mu.Unlock()
		w.Header().Set("X-OpenClaw-Simulated-GPU-Node", f.Name)
		return f
	}
	reply := func(f nodeFile) string {
		return fmt.Sprintf("This is a simulated GPU node of pool %q (%d nodes): no model runs here.", f.Name, f.Nodes)
	}
	writeJSON := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) {
		f := ident(w)
		writeJSON(w, map[string]any{"status": "ok", "simulated": true, "nodes": f.Nodes})
	})
	mux.HandleFunc("GET /v1/models", func(w http.ResponseWriter, _ *http.Request) {
		f := ident(w)
		data := make([]map[string]any, 0, len(f.Models))
		for _, m := range f.Models {
			data = append(data, map[string]any{"id": m.ID, "object": "model", "owned_by": "simulated-gpu-node", "max_model_len": m.ContextWindow})
		}
		writeJSON(w, map[string]any{"object": "list", "data": data})
	})
	mux.HandleFunc("POST /v1/chat/completions", func(w http.ResponseWriter, r *http.Request) {
		f := ident(w)
		var req struct {
			Model  string `json:"model"`
			Stream bool   `json:"stream"`
		}
		_ = json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req)
		id := fmt.Sprintf("chatcmpl-sim-%d", time.Now().UnixNano())
		if req.Stream {
			w.Header().Set("Content-Type", "text/event-stream")
			chunk, _ := json.Marshal(map[string]any{"id": id, "object": "chat.completion.chunk", "model": req.Model,
				"choices": []any{map[string]any{"index": 0, "delta": map[string]any{"role": "assistant", "content": reply(f)}, "finish_reason": "stop"}}})
			_, _ = fmt.Fprintf(w, "data: %s\n\ndata: [DONE]\n\n", chunk)
			return
		}
		writeJSON(w, map[string]any{"id": id, "object": "chat.completion", "created": time.Now().Unix(), "model": req.Model,
			"choices": []any{map[string]any{"index": 0, "message": map[string]any{"role": "assistant", "content": reply(f)}, "finish_reason": "stop"}},
			"usage":   map[string]any{"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}})
	})
	mux.HandleFunc("GET /api/tags", func(w http.ResponseWriter, _ *http.Request) {
		f := ident(w)
		models := make([]map[string]any, 0, len(f.Models))
		for _, m := range f.Models {
			models = append(models, map[string]any{"name": m.ID, "model": m.ID})
		}
		writeJSON(w, map[string]any{"models": models})
	})
	mux.HandleFunc("POST /api/chat", func(w http.ResponseWriter, r *http.Request) {
		f := ident(w)
		var req struct {
			Model string `json:"model"`
		}
		_ = json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req)
		writeJSON(w, map[string]any{"model": req.Model, "message": map[string]any{"role": "assistant", "content": reply(f)}, "done": true})
	})
	return mux
}
