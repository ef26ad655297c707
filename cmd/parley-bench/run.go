package main

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// runOptions are the choices of the run subcommand.
type runOptions struct {
	URL             string
	AgentURL        string // another gateway node for the agents; "" uses URL
	Site            string
	AllowRemote     bool
	Pairs           int
	Rate            float64 // messages per second, both directions together
	Duration        time.Duration
	Warmup          time.Duration
	Drain           time.Duration
	Senders         int  // sender goroutines per direction
	PreciseTimer    bool // pace sends on a timerfd (microsecond precision)
	DialConcurrency int
	DialTimeout     time.Duration
	SetupTimeout    time.Duration
	MetricsURL      string // the gateway's metrics, for its CPU time; "" skips
}

// Bounds on run's flags, so that a typo cannot run forever or exhaust the
// machine.
const (
	maxPairs    = 30000
	maxRate     = 500000
	maxDuration = 10 * time.Minute
)

func runRun(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("run", "-url ws://127.0.0.1:8080 -site bench -pairs N -rate R -duration D -warmup W", e.stderr)
	var o runOptions
	fs.StringVar(&o.URL, "url", "ws://127.0.0.1:8080", "gateway base URL (ws, wss, http or https); loopback only unless -allow-remote")
	fs.StringVar(&o.AgentURL, "agent-url", "", "base URL of another gateway node sharing the same Redis, for the agents (default: -url), to measure delivery across nodes")
	fs.StringVar(&o.Site, "site", "bench", "site key; the gateway must know agents bench-agent-1..N (see the config subcommand)")
	fs.BoolVar(&o.AllowRemote, "allow-remote", false, "allow a gateway that is not on a loopback address")
	fs.IntVar(&o.Pairs, "pairs", 100, "customer/agent pairs, each an agent of capacity 1 with one customer (at most 30000)")
	fs.Float64Var(&o.Rate, "rate", 1000, "messages per second in total, half customer→agent and half agent→customer, sent open-loop on a fixed schedule")
	fs.DurationVar(&o.Duration, "duration", 10*time.Second, "measurement time (at most 10m)")
	fs.DurationVar(&o.Warmup, "warmup", 2*time.Second, "time sending at the full rate before measuring (at most 10m)")
	fs.DurationVar(&o.Drain, "drain", 3*time.Second, "longest wait after the last send for messages still in flight; those not delivered by then count as lost")
	fs.IntVar(&o.Senders, "senders", 2, "sender goroutines per direction; each owns a share of the connections")
	fs.BoolVar(&o.PreciseTimer, "precise-timer", true, "pace sends on a timerfd (microsecond precision) instead of Go timers (1 ms granularity when idle)")
	fs.IntVar(&o.DialConcurrency, "dial-concurrency", 32, "connections set up at once")
	fs.DurationVar(&o.DialTimeout, "dial-timeout", 10*time.Second, "bound on one connection's TCP connect and WebSocket handshake")
	fs.DurationVar(&o.SetupTimeout, "setup-timeout", 2*time.Minute, "bound on connecting every pair and waiting for the gateway to assign them")
	fs.StringVar(&o.MetricsURL, "metrics", "", "the gateway's Prometheus metrics URL, to report its CPU use (default: /metrics on the gateway's address; \"off\" skips)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := o.validate(); err != nil {
		return err
	}
	tg, err := parseTarget(o.URL, o.Site, o.AllowRemote)
	if err != nil {
		return err
	}
	if o.AgentURL != "" {
		if _, err := parseTarget(o.AgentURL, o.Site, o.AllowRemote); err != nil {
			return fmt.Errorf("-agent-url: %w", err)
		}
	}
	switch o.MetricsURL {
	case "":
		o.MetricsURL = tg.httpURL("/metrics")
	case "off":
		o.MetricsURL = ""
	}
	if err := ensureNoFile(2*o.Pairs+64, e.log); err != nil {
		return err
	}
	res, err := loadRun(ctx, tg, o, e)
	if res != nil {
		res.Print(e.stdout)
	}
	return err
}

func (o *runOptions) validate() error {
	switch {
	case o.Pairs < 1 || o.Pairs > maxPairs:
		return fmt.Errorf("-pairs %d: want 1 to %d", o.Pairs, maxPairs)
	case o.Rate <= 0 || o.Rate > maxRate:
		return fmt.Errorf("-rate %g: want more than 0 and at most %d", o.Rate, maxRate)
	case o.Duration <= 0 || o.Duration > maxDuration:
		return fmt.Errorf("-duration %v: want more than 0 and at most %v", o.Duration, maxDuration)
	case o.Warmup < 0 || o.Warmup > maxDuration:
		return fmt.Errorf("-warmup %v: want 0 to %v", o.Warmup, maxDuration)
	case o.Drain <= 0 || o.Drain > time.Minute:
		return fmt.Errorf("-drain %v: want more than 0 and at most 1m", o.Drain)
	case o.Senders < 1 || o.Senders > 64:
		return fmt.Errorf("-senders %d: want 1 to 64", o.Senders)
	case o.DialConcurrency < 1 || o.DialConcurrency > 1024:
		return fmt.Errorf("-dial-concurrency %d: want 1 to 1024", o.DialConcurrency)
	case o.DialTimeout <= 0 || o.DialTimeout > time.Minute:
		return fmt.Errorf("-dial-timeout %v: want more than 0 and at most 1m", o.DialTimeout)
	case o.SetupTimeout <= 0 || o.SetupTimeout > 10*time.Minute:
		return fmt.Errorf("-setup-timeout %v: want more than 0 and at most 10m", o.SetupTimeout)
	}
	return nil
}

// loadRun connects and pairs the peers, sends on schedule, drains and
// returns the measurements. It closes every connection before returning.
func loadRun(ctx context.Context, tg target, o runOptions, e env) (*runResult, error) {
	clk := newClock()
	st := newRunStats()
	pairs := newPairing(o.Pairs)
	all := &peerSet{}
	defer func() {
		closeConversations(pairs, o.DialConcurrency, e)
		all.CloseAll(o.DialConcurrency)
	}()

	e.log.Info("connecting", "agents", o.Pairs, "customers", o.Pairs, "url", tg.base.String(), "site", tg.site)
	setupStart := time.Now()
	agents, customers, err := connectPairs(ctx, tg, o, clk, st, pairs, all, e.log)
	if err != nil {
		return nil, err
	}
	e.log.Info("paired", "pairs", o.Pairs, "took", time.Since(setupStart).Round(time.Millisecond))

	// Sending starts a moment from now so that every sender begins on time.
	start := clk.Now() + int64(100*time.Millisecond)
	from := start + int64(o.Warmup)
	to := from + int64(o.Duration)
	st.SetWindow(from, to)

	senders := planSenders(o, customers, agents, start, to)
	var stop atomic.Bool
	var wg sync.WaitGroup
	for _, s := range senders {
		wg.Go(func() { s.Run(clk, st, o.PreciseTimer, &stop) })
	}
	sendersDone := make(chan struct{})
	go func() {
		wg.Wait()
		close(sendersDone)
	}()
	// A gateway that stops reading blocks the senders' writes; interrupt
	// or a deadline well past the schedule's end drops every connection,
	// which unblocks them.
	go func() {
		select {
		case <-sendersDone:
			return
		case <-ctx.Done():
		case <-time.After(time.Duration(to-clk.Now()) + 10*time.Second):
			e.log.Warn("senders stuck in writes 10 s past the end of the schedule; dropping the connections")
		}
		stop.Store(true)
		all.DropAll()
	}()
	progressDone := make(chan struct{})
	go func() {
		defer close(progressDone)
		progress(ctx, clk, st, to, e)
	}()
	var metrics *metricsClient
	if o.MetricsURL != "" {
		metrics = newMetricsClient(o.MetricsURL)
	}
	if d := time.Duration(from - clk.Now()); d > 0 {
		select {
		case <-ctx.Done():
		case <-time.After(d):
		}
	}
	cpuFrom := sampleCPU(ctx, metrics)
	<-sendersDone
	sendEnd := clk.Now()
	cpuTo := sampleCPU(ctx, metrics)
	<-progressDone

	// Wait for messages still in flight, up to the drain time.
	drainBy := time.Now().Add(o.Drain)
	for st.Delivered() < st.SentTotal() && time.Now().Before(drainBy) && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	res := &runResult{opts: o, stats: st, senders: len(senders), late: time.Duration(sendEnd - to), cpu: cpuBetween(cpuFrom, cpuTo), dropped: all.Ended()}
	if ctx.Err() != nil {
		return res, fmt.Errorf("interrupted: %w", ctx.Err())
	}
	return res, nil
}

// connectPairs signs in the agents, then greets the customers and opens a
// conversation for each, and waits until the gateway has assigned every
// customer to an agent.
func connectPairs(ctx context.Context, tg target, o runOptions, clk clock, st *runStats, pairs *pairing, all *peerSet, log *slog.Logger) (agents, customers []*peer, err error) {
	ctx, cancel := context.WithTimeout(ctx, o.SetupTimeout)
	defer cancel()
	d := newDialer(o.DialTimeout)
	agentTarget := tg
	if o.AgentURL != "" {
		if agentTarget, err = parseTarget(o.AgentURL, o.Site, o.AllowRemote); err != nil {
			return nil, nil, err
		}
	}

	agents = make([]*peer, o.Pairs)
	customers = make([]*peer, o.Pairs)
	connect := func(role string, i int) (*peer, error) {
		p := &peer{role: role, idx: i + 1, dir: dirCustomer}
		if role == roleAgent {
			p.dir = dirAgent
		}
		at := tg
		if role == roleAgent {
			at = agentTarget
		}
		ws, err := d.Dial(ctx, at.wsURL(role))
		if err != nil {
			return nil, fmt.Errorf("%s %d: %w", role, i+1, err)
		}
		h, onFrame := receiver(p, clk, st, pairs)
		p.c = startClient(ws, h, onFrame)
		all.Add(p)
		return p, nil
	}

	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(o.DialConcurrency)
	for i := range o.Pairs {
		g.Go(func() error {
			p, err := connect(roleAgent, i)
			if err != nil {
				return err
			}
			agents[i] = p
			return signInAgent(gctx, p, tg.site, 1)
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}

	g, gctx = errgroup.WithContext(ctx)
	g.SetLimit(o.DialConcurrency)
	for i := range o.Pairs {
		g.Go(func() error {
			p, err := connect(roleCustomer, i)
			if err != nil {
				return err
			}
			customers[i] = p
			if err := greetCustomer(gctx, p, tg.site); err != nil {
				return err
			}
			conv, err := openConversation(gctx, p)
			if err != nil {
				return err
			}
			pairs.AddCustomer(conv, p)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}

	closed, err := pairs.Wait(ctx)
	if closed > 0 {
		log.Warn("closed conversations an earlier run left queued", "conversations", closed)
	}
	if err != nil {
		paired, _ := pairs.Paired()
		return nil, nil, fmt.Errorf("only %d of %d customers were assigned an agent within -setup-timeout: %w", paired, o.Pairs, err)
	}
	return agents, customers, nil
}

// receiver returns the frame handlers of a peer: benchmark messages and
// acks on the fast path, the rest decoded.
func receiver(p *peer, clk clock, st *runStats, pairs *pairing) (handler, func(*frame)) {
	deliver := func(s stamp) {
		st.Deliver(p.dir, s, clk.Now())
	}
	h := func(data []byte) bool {
		if s, ok := fastMessageStamp(data); ok {
			deliver(s)
			return true
		}
		if s, ok := fastAckStamp(data); ok {
			st.Ack(s, clk.Now())
			return true
		}
		return false
	}
	onFrame := func(f *frame) {
		switch f.Type {
		case "conversation":
			if p.role == roleAgent && f.Conversation != nil && f.Conversation.State == "active" {
				pairs.AddAgent(f.Conversation.ID, p)
			}
		case "message":
			if f.Message == nil {
				return
			}
			if s, ok := parseBenchText([]byte(f.Message.Text)); ok && f.Message.Kind == "text" {
				deliver(s)
			}
		case "ack":
			if len(f.ID) == stampDigits+1 && f.ID[0] == 'b' {
				if s, ok := parseDigits([]byte(f.ID[1:]), stampDigits); ok {
					st.Ack(s, clk.Now())
				}
			}
		case "error":
			st.CountError(f.Code)
		}
	}
	return h, onFrame
}

// progress logs the counts every few seconds until the clock passes end.
func progress(ctx context.Context, clk clock, st *runStats, end int64, e env) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		left := time.Duration(end - clk.Now())
		if left <= 0 {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(left):
			return
		case <-t.C:
			_, _, errs := st.ErrorCodes()
			e.log.Info("progress", "left", left.Round(time.Second), "sent", st.SentTotal(), "delivered", st.Delivered(), "errors", errs)
		}
	}
}

// closeConversations has each paired customer close its conversation, so
// that the agents are free for the next run.
func closeConversations(pairs *pairing, limit int, e env) {
	pairs.mu.Lock()
	convs := make(map[string]*peer, len(pairs.customers))
	for conv, p := range pairs.customers {
		convs[conv] = p
	}
	pairs.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(limit, 1))
	var mu sync.Mutex
	failed := 0
	for conv, p := range convs {
		g.Go(func() error {
			id := "close-" + strconv.Itoa(p.idx)
			if _, err := p.c.Request(gctx, clientFrame{Type: "close", ID: id, Conv: conv}, "ack", id); err != nil {
				mu.Lock()
				failed++
				mu.Unlock()
			}
			return nil
		})
	}
	_ = g.Wait()
	if failed > 0 {
		e.log.Warn("some conversations were not closed; their agents stay busy until the gateway's agent grace period ends", "failed", failed)
	}
}
