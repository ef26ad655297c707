package main

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"golang.org/x/sync/errgroup"
)

// idleOptions are the choices of the idle subcommand.
type idleOptions struct {
	URL             string
	Site            string
	AllowRemote     bool
	Conns           int
	PID             int
	MetricsURL      string
	GCURL           string
	Settle          time.Duration
	GCWait          time.Duration // longest wait for the gateway's own GC when it cannot be forced
	Hold            time.Duration // keep the connections open this long after the report
	DialConcurrency int
	DialTimeout     time.Duration
	SetupTimeout    time.Duration
}

const maxIdleConns = 60000

func runIdle(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("idle", "-url ws://127.0.0.1:8080 -site bench -conns N -pid PID", e.stderr)
	var o idleOptions
	fs.StringVar(&o.URL, "url", "ws://127.0.0.1:8080", "gateway base URL; loopback only unless -allow-remote")
	fs.StringVar(&o.Site, "site", "bench", "site key")
	fs.BoolVar(&o.AllowRemote, "allow-remote", false, "allow a gateway that is not on a loopback address")
	fs.IntVar(&o.Conns, "conns", 1000, "idle customer connections to open (at most 60000; each takes a file descriptor here and one in the gateway)")
	fs.IntVar(&o.PID, "pid", 0, "the gateway's process id, to read its resident memory (VmRSS) from /proc; 0 skips it")
	fs.StringVar(&o.MetricsURL, "metrics", "", "the gateway's Prometheus metrics URL (default: /metrics on the gateway's address)")
	fs.StringVar(&o.GCURL, "gc", "", "URL that makes the gateway collect garbage before each sample (default: /debug/pprof/heap?gc=1 on the gateway's address; \"off\" disables)")
	fs.DurationVar(&o.Settle, "settle", 5*time.Second, "wait before each sample, for the gateway to finish the work of the connections")
	fs.DurationVar(&o.GCWait, "gc-wait", 150*time.Second, "when no GC endpoint answers, wait up to this long before each sample for the gateway's own next GC (Go collects an idle process every 2 minutes); 0 samples at once")
	fs.DurationVar(&o.Hold, "hold", 0, "keep the connections open this long after the report, to inspect the gateway (at most 10m)")
	fs.IntVar(&o.DialConcurrency, "dial-concurrency", 64, "connections opened at once")
	fs.DurationVar(&o.DialTimeout, "dial-timeout", 10*time.Second, "bound on one connection's TCP connect and WebSocket handshake")
	fs.DurationVar(&o.SetupTimeout, "setup-timeout", 5*time.Minute, "bound on opening every connection")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case o.Conns < 1 || o.Conns > maxIdleConns:
		return fmt.Errorf("-conns %d: want 1 to %d", o.Conns, maxIdleConns)
	case o.Settle < 0 || o.Settle > 5*time.Minute:
		return fmt.Errorf("-settle %v: want 0 to 5m", o.Settle)
	case o.Hold < 0 || o.Hold > 10*time.Minute:
		return fmt.Errorf("-hold %v: want 0 to 10m", o.Hold)
	case o.GCWait < 0 || o.GCWait > 10*time.Minute:
		return fmt.Errorf("-gc-wait %v: want 0 to 10m", o.GCWait)
	case o.DialConcurrency < 1 || o.DialConcurrency > 1024:
		return fmt.Errorf("-dial-concurrency %d: want 1 to 1024", o.DialConcurrency)
	case o.DialTimeout <= 0 || o.DialTimeout > time.Minute:
		return fmt.Errorf("-dial-timeout %v: want more than 0 and at most 1m", o.DialTimeout)
	case o.SetupTimeout <= 0 || o.SetupTimeout > 30*time.Minute:
		return fmt.Errorf("-setup-timeout %v: want more than 0 and at most 30m", o.SetupTimeout)
	}
	tg, err := parseTarget(o.URL, o.Site, o.AllowRemote)
	if err != nil {
		return err
	}
	if o.MetricsURL == "" {
		o.MetricsURL = tg.httpURL("/metrics")
	}
	switch o.GCURL {
	case "":
		o.GCURL = tg.httpURL("/debug/pprof/heap") + "?gc=1"
	case "off":
		o.GCURL = ""
	}
	if err := ensureNoFile(o.Conns+64, e.log); err != nil {
		return err
	}
	return idle(ctx, tg, o, e)
}

// gcState says how a sample relates to the gateway's garbage collection.
type gcState int

const (
	gcNone    gcState = iota // sampled with whatever garbage the heap held
	gcForced                 // right after a GC the generator forced
	gcAwaited                // after the gateway's own next GC
)

// idleResult holds the gateway's memory before and after the connections.
type idleResult struct {
	conns         int
	before, after memSample
	gc            [2]gcState // of before and after
}

func idle(ctx context.Context, tg target, o idleOptions, e env) error {
	m := newMetricsClient(o.MetricsURL)
	sample := func() (memSample, gcState, error) {
		if ctx.Err() != nil {
			return memSample{}, gcNone, ctx.Err()
		}
		time.Sleep(o.Settle)
		gc := gcNone
		switch {
		case o.GCURL != "" && m.forceGC(ctx, o.GCURL):
			gc = gcForced
		case o.GCWait > 0:
			e.log.Info("waiting for the gateway's next garbage collection", "at_most", o.GCWait)
			if m.awaitGC(ctx, time.Now(), o.GCWait) {
				gc = gcAwaited
			}
		}
		s, err := m.Sample(ctx)
		if err != nil {
			return s, gc, err
		}
		if o.PID > 0 {
			if s.RSS, err = readRSS(o.PID); err != nil {
				return s, gc, err
			}
		}
		return s, gc, nil
	}
	res := idleResult{conns: o.Conns}
	var err error
	if res.before, res.gc[0], err = sample(); err != nil {
		return err
	}

	all := &peerSet{}
	defer all.CloseAll(o.DialConcurrency)
	d := newDialer(o.DialTimeout)
	sctx, cancel := context.WithTimeout(ctx, o.SetupTimeout)
	defer cancel()
	g, gctx := errgroup.WithContext(sctx)
	g.SetLimit(o.DialConcurrency)
	var opened atomic.Int64
	start := time.Now()
	for i := range o.Conns {
		g.Go(func() error {
			ws, err := d.Dial(gctx, tg.wsURL(roleCustomer))
			if err != nil {
				return fmt.Errorf("customer %d: %w", i+1, err)
			}
			p := &peer{role: roleCustomer, idx: i + 1, c: startClient(ws, nil, nil)}
			all.Add(p)
			if err := greetCustomer(gctx, p, tg.site); err != nil {
				return err
			}
			if n := opened.Add(1); n%1000 == 0 {
				e.log.Info("connected", "conns", n)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return fmt.Errorf("after %d connections: %w", opened.Load(), err)
	}
	e.log.Info("all connected", "conns", o.Conns, "took", time.Since(start).Round(time.Millisecond))

	if res.after, res.gc[1], err = sample(); err != nil {
		return err
	}
	res.Print(e.stdout, o)
	if o.Hold > 0 {
		e.log.Info("holding the connections open", "for", o.Hold)
		select {
		case <-ctx.Done():
		case <-time.After(o.Hold):
		}
	}
	return nil
}

// Print writes the memory table.
func (r *idleResult) Print(out io.Writer, o idleOptions) {
	var when string
	switch {
	case r.gc[0] == gcNone || r.gc[1] == gcNone:
		when = fmt.Sprintf("after a %v settle delay (no GC before a sample: heap figures include garbage)", o.Settle)
	case r.gc[1] == gcForced:
		when = fmt.Sprintf("after a %v settle delay and a forced GC", o.Settle)
	default:
		when = fmt.Sprintf("after a %v settle delay and the gateway's next own GC (no GC endpoint)", o.Settle)
	}
	fmt.Fprintf(out, "\nparley-bench idle: %d idle customer connections, sampled %s\n\n", r.conns, when)
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(w, "gateway\tbefore\tafter\tdelta\tper connection\t\n")
	row := func(name string, before, after int64, bytes bool) {
		delta := after - before
		per := float64(delta) / float64(r.conns)
		if bytes {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%.2f KiB\t\n", name, mib(before), mib(after), mib(delta), per/1024)
			return
		}
		fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%.2f\t\n", name, before, after, delta, per)
	}
	if r.before.RSS > 0 || r.after.RSS > 0 {
		row("RSS (VmRSS)", r.before.RSS, r.after.RSS, true)
	}
	row("Go heap in use", r.before.HeapInuse, r.after.HeapInuse, true)
	row("Go stacks in use", r.before.StackInuse, r.after.StackInuse, true)
	row("heap + stacks", r.before.HeapInuse+r.before.StackInuse, r.after.HeapInuse+r.after.StackInuse, true)
	row("goroutines", r.before.Goroutines, r.after.Goroutines, false)
	w.Flush()
}

// mib formats a byte count in MiB.
func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
