// Package demo is the loopback demo service that `bcdr demo` recovers: a primary and a
// standby backend behind a router, all on 127.0.0.1. The router sends traffic to the
// active backend; an admin endpoint switches it. It needs no cloud account, so the whole
// failover (health check, approval, switch, verification) runs on one machine.
package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/bcdr/bcdr/internal/httpserver"
)

// Service is a running demo service.
type Service struct {
	Primary, Standby, Router string // base URLs

	mu       sync.Mutex
	markers  map[string]Marker // newest canary marker each backend's store holds
	stop     chan struct{}
	active   string // "primary" or "standby"
	down     map[string]bool
	switches []Switch
	drills   int
	servers  []*http.Server
}

// Switch records a change of the active backend.
type Switch struct {
	To string    `json:"to"`
	At time.Time `json:"at"`
}

// The addresses runbooks/library/demo-failover.yaml defaults to, where `bcdr dev --demo`
// serves the demo.
const (
	DefaultRouter  = "127.0.0.1:18080"
	DefaultPrimary = "127.0.0.1:18081"
	DefaultStandby = "127.0.0.1:18082"
)

// Start starts the three servers on free loopback ports.
func Start() (*Service, error) { return StartOn("127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0") }

// StartOn starts the three servers on the given addresses (host:port; port 0 for a free
// one).
func StartOn(router, primary, standby string) (*Service, error) {
	s := &Service{active: "primary", down: map[string]bool{}, markers: map[string]Marker{}, stop: make(chan struct{})}
	var err error
	if s.Primary, err = s.serve(primary, s.backend("primary")); err != nil {
		return nil, err
	}
	if s.Standby, err = s.serve(standby, s.backend("standby")); err != nil {
		s.Close()
		return nil, err
	}
	if s.Router, err = s.serve(router, s.router()); err != nil {
		s.Close()
		return nil, err
	}
	go s.writeMarkers(WriteEvery, ReplicateEvery)
	return s, nil
}

// Marker is a canary record: what the application wrote, and when.
type Marker struct {
	Seq       int64     `json:"seq"`
	WrittenAt time.Time `json:"written_at"`
}

// The demo's data: the application writes a marker to the primary every WriteEvery;
// asynchronous replication copies the newest to the standby every ReplicateEvery. When
// the primary fails, the standby holds what was replicated last: the data-loss window
// that RPO measures.
const (
	WriteEvery     = 50 * time.Millisecond
	ReplicateEvery = 250 * time.Millisecond
)

func (s *Service) writeMarkers(write, replicate time.Duration) {
	wt, rt := time.NewTicker(write), time.NewTicker(replicate)
	defer wt.Stop()
	defer rt.Stop()
	var seq int64
	for {
		select {
		case <-s.stop:
			return
		case now := <-wt.C:
			s.mu.Lock()
			if !s.down["primary"] {
				seq++
				s.markers["primary"] = Marker{Seq: seq, WrittenAt: now.UTC()}
			}
			s.mu.Unlock()
		case <-rt.C:
			s.mu.Lock()
			if !s.down["primary"] {
				s.markers["standby"] = s.markers["primary"]
			}
			s.mu.Unlock()
		}
	}
}

// WaitReplicated waits until the standby holds a replicated marker (the service has
// been running for a moment), or the timeout passes.
func (s *Service) WaitReplicated(timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if s.NewestMarker("standby").Seq > 0 {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

// NewestMarker returns the newest marker a backend's store holds.
func (s *Service) NewestMarker(name string) Marker {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.markers[name]
}

func (s *Service) serve(addr string, h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("demo service: listen on %s: %w", addr, err)
	}
	srv := httpserver.New(h, httpserver.Default)
	s.servers = append(s.servers, srv)
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), nil
}

// backend answers /healthz with 200 and its name, or 503 while it is down, and /marker
// with the newest canary marker its store holds.
func (s *Service) backend(name string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if s.isDown(name) {
			http.Error(w, name+" is down", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintf(w, "ok %s\n", name)
	})
	mux.HandleFunc("GET /marker", func(w http.ResponseWriter, r *http.Request) {
		if s.isDown(name) {
			http.Error(w, name+" is down", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(s.NewestMarker(name))
	})
	return mux
}

// router forwards /healthz to the active backend, takes POST /admin/active
// {"target": "standby"|"primary"}, and answers POST /admin/drill without moving traffic.
func (s *Service) router() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		active := s.Active()
		target := s.Primary
		if active == "standby" {
			target = s.Standby
		}
		req, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, target+"/healthz", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, "router: "+active+" unreachable", http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		w.Header().Set("X-Active", active)
		w.WriteHeader(resp.StatusCode)
		var buf [256]byte
		n, _ := resp.Body.Read(buf[:])
		_, _ = w.Write(buf[:n])
	})
	mux.HandleFunc("POST /admin/active", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Target string `json:"target"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<10)).Decode(&body); err != nil {
			http.Error(w, "bad body: "+err.Error(), http.StatusBadRequest)
			return
		}
		if body.Target != "primary" && body.Target != "standby" {
			http.Error(w, `target must be "primary" or "standby"`, http.StatusBadRequest)
			return
		}
		s.setActive(body.Target)
		_ = json.NewEncoder(w).Encode(map[string]string{"active": body.Target})
	})
	mux.HandleFunc("POST /admin/drill", func(w http.ResponseWriter, r *http.Request) {
		// A drill proves the switch path answers without moving traffic.
		s.mu.Lock()
		s.drills++
		s.mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{"active": s.Active(), "drill": true})
	})
	mux.HandleFunc("GET /admin/active", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]string{"active": s.Active()})
	})
	return mux
}

// Fail takes a backend down ("primary" or "standby"): its health check answers 503.
func (s *Service) Fail(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down[name] = true
}

// Active returns the backend the router sends traffic to.
func (s *Service) Active() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.active
}

// Switches returns every change of the active backend.
func (s *Service) Switches() []Switch {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Switch(nil), s.switches...)
}

// Drills returns how many drill switches the router answered.
func (s *Service) Drills() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.drills
}

func (s *Service) setActive(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.active != name {
		s.switches = append(s.switches, Switch{To: name, At: time.Now()})
	}
	s.active = name
}

func (s *Service) isDown(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.down[name]
}

// Close stops the servers.
func (s *Service) Close() error {
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var errs []error
	for _, srv := range s.servers {
		errs = append(errs, srv.Shutdown(ctx))
	}
	return errors.Join(errs...)
}
