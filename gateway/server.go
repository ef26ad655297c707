// Package gateway serves Parley's HTTP and WebSocket endpoints: the parley.v1
// protocol for customers, agents and bots, routing of customers to agents,
// health and metrics.
package gateway

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/parley-chat/parley/session"
)

// Server is a gateway node. It is an http.Handler; several nodes sharing one
// Store and Broker act as one.
type Server struct {
	cfg     Config
	store   session.Store
	broker  session.Broker
	log     *slog.Logger
	tokens  tokens
	metrics *metrics
	mux     *http.ServeMux
	sites   map[string]*site
	flight  *inFlight
	keys    map[string]*apiKey // REST API keys by secret hash

	ctx    context.Context // canceled by Shutdown
	cancel context.CancelFunc
	wg     sync.WaitGroup // site loops

	mu      sync.Mutex
	conns   map[*conn]struct{}
	closing bool
	connWG  sync.WaitGroup
}

// New returns a gateway serving cfg.Sites from store, fanning events out
// through broker. It starts each site's routing loop; call Shutdown to stop.
func New(cfg Config, store session.Store, broker session.Broker) (*Server, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	key := []byte(cfg.TokenKey)
	if len(key) == 0 {
		key = make([]byte, 32)
		_, _ = rand.Read(key)
	}
	reg := cfg.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		cfg.Registry = reg
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		cfg:     cfg,
		store:   store,
		broker:  broker,
		log:     cfg.Logger,
		tokens:  tokens{key: key, ttl: cfg.TokenTTL},
		metrics: newMetrics(reg),
		sites:   map[string]*site{},
		conns:   map[*conn]struct{}{},
		ctx:     ctx,
		cancel:  cancel,
	}
	s.flight = newInFlight(s)
	for i := range cfg.Sites {
		st := newSite(s, &cfg.Sites[i])
		s.sites[st.cfg.Key] = st
	}
	for _, st := range s.sites {
		if err := st.start(ctx); err != nil {
			s.cancel()
			s.wg.Wait()
			return nil, fmt.Errorf("gateway: site %s: %w", st.cfg.Key, err)
		}
	}
	s.routes()
	return s, nil
}

func (s *Server) routes() {
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("GET /ws", s.serveWS)
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	s.mux.HandleFunc("GET /readyz", s.serveReady)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.cfg.Registry, promhttp.HandlerOpts{}))
	s.apiRoutes()
	if s.cfg.Assets != nil {
		s.mux.Handle("/", s.cfg.Assets)
	}
}

// ServeHTTP serves the gateway's endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Server) serveReady(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	s.mu.Lock()
	closing := s.closing
	s.mu.Unlock()
	if closing {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	if err := s.store.Ping(ctx); err != nil {
		http.Error(w, "store unavailable: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ready")
}

// track registers a live connection; it reports false when the server is
// shutting down and the connection must be refused.
func (s *Server) track(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.conns[c] = struct{}{}
	s.connWG.Add(1)
	return true
}

func (s *Server) untrack(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.connWG.Done()
}

// Shutdown closes every client connection with 1012 (service restart) after
// flushing what is queued for it, stops the routing loops, and waits for
// all of it until ctx ends. The caller stops the http.Server from accepting
// first; http.Server.Shutdown does not touch WebSocket connections.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.restart()
	}
	done := make(chan struct{})
	go func() {
		s.connWG.Wait()
		s.cancel()
		s.wg.Wait()
		s.flight.wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.cancel()
		return fmt.Errorf("gateway: shutdown: %w", ctx.Err())
	}
}

// storeCode maps a Store error to the protocol's error code.
func storeCode(err error) string {
	switch {
	case errors.Is(err, session.ErrNotFound):
		return CodeNotFound
	case errors.Is(err, session.ErrConflict):
		return CodeConflict
	case errors.Is(err, session.ErrClosed):
		return CodeClosed
	case errors.Is(err, session.ErrCapacity):
		return CodeCapacity
	case errors.Is(err, session.ErrForbidden):
		return CodeForbidden
	case errors.Is(err, session.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		return CodeUnavailable
	}
	return CodeInternal
}
