package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/parley-chat/parley/gateway"
	"github.com/parley-chat/parley/internal/heapfloor"
	"github.com/parley-chat/parley/widget"
)

// runServe runs the gateway until ctx ends, then shuts down gracefully.
func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("parley serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "", "listen address (default 127.0.0.1:8080; env PARLEY_ADDR)")
	cfgPath := fs.String("config", getenv("PARLEY_CONFIG"), "JSON configuration file (env PARLEY_CONFIG)")
	debugAddr := fs.String("debug-addr", getenv("PARLEY_DEBUG_ADDR"), "serve net/http/pprof here, for profiling (env PARLEY_DEBUG_ADDR; keep it on loopback)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	// The heap may grow to the floor before the collector runs, however
	// little of it is live: a small gateway collecting several times a
	// second pays a stop of the world each time, milliseconds of latency
	// on busy cores. GOGC, when set, replaces it.
	defer heapfloor.Keep(heapfloor.Default, getenv("GOGC"))()
	var fc fileConfig
	if *cfgPath != "" {
		if err := loadFile(*cfgPath, &fc); err != nil {
			fmt.Fprintln(stderr, "parley:", err)
			return 2
		}
	}
	if err := applyEnv(&fc, getenv); err != nil {
		fmt.Fprintln(stderr, "parley:", err)
		return 2
	}
	if *addr != "" {
		fc.Addr = *addr
	}
	if fc.Addr == "" {
		fc.Addr = "127.0.0.1:8080"
	}
	logger := newLogger(stderr, fc.LogLevel)
	if *debugAddr != "" {
		stop, err := serveDebug(*debugAddr, logger)
		if err != nil {
			fmt.Fprintln(stderr, "parley:", err)
			return 2
		}
		defer stop()
	}
	demo := len(fc.Sites) == 0
	if demo {
		fc.Sites = []gateway.Site{demoSite(fc.Addr)}
	}
	if err := serve(ctx, &fc, getenv, logger, stdout, demo); err != nil {
		logger.Error("parley stopped", "err", err)
		return 1
	}
	return 0
}

func serve(ctx context.Context, fc *fileConfig, getenv func(string) string, logger *slog.Logger, stdout io.Writer, demo bool) error {
	store, broker, closeStore, err := openStore(ctx, fc.RedisURL, fc.limits(), logger)
	if err != nil {
		return err
	}
	defer closeStore()
	cfg := fc.gatewayConfig()
	cfg.Logger = logger
	cfg.Registry = prometheus.NewRegistry()
	cfg.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	cfg.Assets = widget.Handler(widget.Config{DemoSiteKey: fc.Sites[0].Key})
	trNote, err := configureTranslation(&cfg, fc, store, getenv, logger)
	if err != nil {
		return err
	}
	stopWebhooks := startWebhooks(&cfg, store, logger)
	defer stopWebhooks()
	gw, err := gateway.New(cfg, store, broker)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", fc.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: gw, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	printBanner(stdout, ln.Addr().String(), fc, demo, trNote)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down: closing clients with 1012 so they reconnect")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err = srv.Shutdown(sctx) // stop accepting; WebSockets are the gateway's to close
	if gerr := gw.Shutdown(sctx); gerr != nil {
		err = errors.Join(err, gerr)
	}
	return err
}

func printBanner(w io.Writer, addr string, fc *fileConfig, demo bool, trNote string) {
	base := "http://" + addr
	fmt.Fprintf(w, "Parley is listening on %s (%s store)\n", base, storeName(fc.RedisURL))
	fmt.Fprintf(w, "  agent console:  %s/console\n", base)
	fmt.Fprintf(w, "  demo shop page: %s/demo\n", base)
	fmt.Fprintf(w, "  health:         %s/healthz  %s/readyz  metrics: %s/metrics\n", base, base, base)
	if demo {
		fmt.Fprintln(w, "  demo login:     site demo, agent demo (English) or maria (Spanish), secret demo; bot faqbot (cmd/parley-faqbot)")
	}
	fmt.Fprintf(w, "  translation:    %s\n", trNote)
}

func storeName(redisURL string) string {
	if redisURL == "" {
		return "in-memory"
	}
	return "Redis"
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	switch strings.ToLower(level) {
	case "debug":
		l = slog.LevelDebug
	case "warn":
		l = slog.LevelWarn
	case "error":
		l = slog.LevelError
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}
