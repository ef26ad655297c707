package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/coder/websocket"
)

// resumeOptions are the choices of the resume subcommand.
type resumeOptions struct {
	URL         string
	Site        string
	AllowRemote bool
	Agent       int
	Messages    int
	Reps        int
	SendRate    float64 // the agent's messages per second
	DialTimeout time.Duration
	Timeout     time.Duration
}

func runResume(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("resume", "-url ws://127.0.0.1:8080 -site bench -messages M -reps K", e.stderr)
	var o resumeOptions
	fs.StringVar(&o.URL, "url", "ws://127.0.0.1:8080", "gateway base URL; loopback only unless -allow-remote")
	fs.StringVar(&o.Site, "site", "bench", "site key")
	fs.BoolVar(&o.AllowRemote, "allow-remote", false, "allow a gateway that is not on a loopback address")
	fs.IntVar(&o.Agent, "agent", 1, "number of the benchmark agent to sign in as (bench-agent-<n>); it must be free")
	fs.IntVar(&o.Messages, "messages", 100, "messages the agent sends while the customer is away, each repetition (at most 10000)")
	fs.IntVar(&o.Reps, "reps", 20, "disconnect/reconnect repetitions (at most 1000)")
	fs.Float64Var(&o.SendRate, "send-rate", 500, "messages per second the agent sends while the customer is away; keep it under the gateway's per-connection rate limit")
	fs.DurationVar(&o.DialTimeout, "dial-timeout", 10*time.Second, "bound on one connection's TCP connect and WebSocket handshake")
	fs.DurationVar(&o.Timeout, "timeout", 30*time.Second, "bound on the setup and on each repetition")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case o.Agent < 1:
		return fmt.Errorf("-agent %d: want 1 or more", o.Agent)
	case o.Messages < 1 || o.Messages > 10000:
		return fmt.Errorf("-messages %d: want 1 to 10000", o.Messages)
	case o.Reps < 1 || o.Reps > 1000:
		return fmt.Errorf("-reps %d: want 1 to 1000", o.Reps)
	case o.SendRate <= 0 || o.SendRate > 100000:
		return fmt.Errorf("-send-rate %g: want more than 0 and at most 100000", o.SendRate)
	case o.DialTimeout <= 0 || o.DialTimeout > time.Minute:
		return fmt.Errorf("-dial-timeout %v: want more than 0 and at most 1m", o.DialTimeout)
	case o.Timeout <= 0 || o.Timeout > 10*time.Minute:
		return fmt.Errorf("-timeout %v: want more than 0 and at most 10m", o.Timeout)
	}
	tg, err := parseTarget(o.URL, o.Site, o.AllowRemote)
	if err != nil {
		return err
	}
	r := &resumer{tg: tg, o: o, d: newDialer(o.DialTimeout), log: e}
	res, err := r.Run(ctx)
	if res != nil {
		res.Print(e.stdout)
	}
	return err
}

// resumer runs the resume measurement: one agent, one customer who keeps
// leaving and coming back.
type resumer struct {
	tg  target
	o   resumeOptions
	d   *dialer
	log env

	agent *peer
	acks  chan frame // the agent's acks of the messages it sends
	conv  string
	token string
	held  int64 // the customer's newest seq

	retries int // rate-limited messages sent again
}

// resumeResult is the outcome of the resume measurement.
type resumeResult struct {
	o        resumeOptions
	took     histogram // dial start to the last missed message
	replayed int       // messages replayed in all
	gaps     int       // replays that missed a seq
	dups     int       // seqs delivered twice in a replay
	retries  int       // agent messages resent after rate_limited

	// The steps of a resume, each timed from the dial's start: the
	// WebSocket handshake done, the welcome and the first missed message
	// arrived.
	dialed, welcomed, first histogram
}

// Run sets up the pair, then disconnects and resumes the customer o.Reps
// times.
func (r *resumer) Run(ctx context.Context) (*resumeResult, error) {
	res := &resumeResult{o: r.o}
	defer func() { res.retries = r.retries }()
	all := &peerSet{}
	defer all.CloseAll(4)
	cust, err := r.setup(ctx, all)
	if err != nil {
		return nil, err
	}
	defer func() {
		// The agent, always connected, ends the conversation so that it
		// is free for the next run.
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, _ = r.agent.c.Request(cctx, clientFrame{Type: "close", ID: "close", Conv: r.conv}, "ack", "close")
		if cust != nil {
			cust.CloseNormal()
		}
	}()
	for rep := range r.o.Reps {
		cust.CloseNormal()
		cust = nil
		target, err := r.agentSends(ctx, rep)
		if err != nil {
			return res, err
		}
		var ph resumePhases
		var got, dups int
		cust, ph, got, dups, err = r.reconnect(ctx, target)
		if err != nil {
			return res, fmt.Errorf("repetition %d: %w", rep+1, err)
		}
		want := int(target - r.held)
		res.took.Record(ph.last)
		res.dialed.Record(ph.dialed)
		res.welcomed.Record(ph.welcomed)
		res.first.Record(ph.first)
		res.replayed += got
		res.dups += dups
		if got != want {
			res.gaps++
		}
		r.held = target
	}
	return res, nil
}

// setup signs in the agent and a customer, opens a conversation and waits
// for the agent to be assigned it.
func (r *resumer) setup(ctx context.Context, all *peerSet) (*client, error) {
	ctx, cancel := context.WithTimeout(ctx, r.o.Timeout)
	defer cancel()
	pairs := newPairing(1)
	r.acks = make(chan frame, r.o.Messages+16)

	ws, err := r.d.Dial(ctx, r.tg.wsURL(roleAgent))
	if err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	r.agent = &peer{role: roleAgent, idx: r.o.Agent}
	r.agent.c = startClient(ws, nil, func(f *frame) {
		switch {
		case f.Type == "conversation" && f.Conversation != nil && f.Conversation.State == "active":
			pairs.AddAgent(f.Conversation.ID, r.agent)
		case (f.Type == "ack" || f.Type == "error") && len(f.ID) > 0 && f.ID[0] == 'r':
			r.acks <- *f
		}
	})
	all.Add(r.agent)
	if err := signInAgent(ctx, r.agent, r.tg.site, 1); err != nil {
		return nil, err
	}

	var mu sync.Mutex
	cust, err := r.dialCustomer(ctx, nil, func(f *frame) {
		if s := frameSeq(f); s > 0 {
			mu.Lock()
			r.held = max(r.held, s)
			mu.Unlock()
		}
	})
	if err != nil {
		return nil, err
	}
	p := &peer{role: roleCustomer, idx: 1, c: cust}
	if err := greetCustomer(ctx, p, r.tg.site); err != nil {
		cust.Close()
		return nil, err
	}
	r.token = p.token
	if r.conv, err = openConversation(ctx, p); err != nil {
		cust.Close()
		return nil, err
	}
	pairs.AddCustomer(r.conv, p)
	if closed, err := pairs.Wait(ctx); err != nil {
		cust.Close()
		return nil, fmt.Errorf("the conversation was not assigned to %s (is the agent online elsewhere?): %w", agentID(r.o.Agent), err)
	} else if closed > 0 {
		r.log.log.Warn("closed conversations an earlier run left queued", "conversations", closed)
	}
	// Let the customer receive the assignment before it leaves, so that
	// what it holds is settled.
	if _, err := cust.Request(ctx, clientFrame{Type: "ping", ID: "settled"}, "pong", "settled"); err != nil {
		cust.Close()
		return nil, err
	}
	cust.CloseNormal() // its reader has stopped: held is final
	mu.Lock()
	defer mu.Unlock()
	// Reconnect once without measuring, so that every repetition starts the
	// same way, from a resumed connection.
	c, _, _, _, err := r.reconnect(ctx, r.held)
	return c, err
}

// dialCustomer opens a customer connection whose frames go to h, and
// those h does not handle to onFrame.
func (r *resumer) dialCustomer(ctx context.Context, h handler, onFrame func(*frame)) (*client, error) {
	ws, err := r.d.Dial(ctx, r.tg.wsURL(roleCustomer))
	if err != nil {
		return nil, fmt.Errorf("customer: %w", err)
	}
	return startClient(ws, h, onFrame), nil
}

// agentSends has the agent send o.Messages messages and returns the seq of
// the last one once all are acknowledged. Messages the gateway rate-limits
// are resent with the same id after a pause, as the protocol asks.
func (r *resumer) agentSends(ctx context.Context, rep int) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, r.o.Timeout)
	defer cancel()
	frames := make(map[string]clientFrame, r.o.Messages)
	every := time.Duration(float64(time.Second) / r.o.SendRate)
	start := time.Now()
	for j := range r.o.Messages {
		if d := time.Until(start.Add(time.Duration(j) * every)); d > 0 {
			time.Sleep(d)
		}
		id := "r" + strconv.Itoa(rep) + "-" + strconv.Itoa(j)
		text := "Message " + strconv.Itoa(j+1) + " of " + strconv.Itoa(r.o.Messages) + " while you were away."
		frames[id] = clientFrame{Type: "message", ID: id, Conv: r.conv, Text: text}
		if err := r.agent.c.Send(ctx, frames[id]); err != nil {
			return 0, fmt.Errorf("agent message: %w", err)
		}
	}
	var last int64
	for acked := 0; acked < r.o.Messages; {
		select {
		case f := <-r.acks:
			switch {
			case f.Type == "ack":
				last = max(last, f.Seq)
				acked++
			case f.Code == "rate_limited":
				r.retries++
				select {
				case <-time.After(50 * time.Millisecond):
				case <-ctx.Done():
					return 0, fmt.Errorf("resending a rate-limited message: %w", ctx.Err())
				}
				if err := r.agent.c.Send(ctx, frames[f.ID]); err != nil {
					return 0, fmt.Errorf("agent message: %w", err)
				}
			default:
				return 0, fmt.Errorf("agent message %s: %w", f.ID, &gatewayError{Code: f.Code, Msg: f.Error})
			}
		case <-r.agent.c.done:
			return 0, fmt.Errorf("the agent's connection ended (close status %d): %w", websocket.CloseStatus(r.agent.c.err), r.agent.c.err)
		case <-ctx.Done():
			return 0, fmt.Errorf("waiting for the agent's acks: %w", ctx.Err())
		}
	}
	return last, nil
}

// resumePhases are the times from a resume's dial to each of its steps.
type resumePhases struct {
	dialed   time.Duration // the WebSocket handshake is done
	welcomed time.Duration // the welcome frame has arrived
	first    time.Duration // the first missed message has arrived
	last     time.Duration // the last missed message has arrived
}

// reconnect dials as the returning customer, resumes after r.held and
// waits until seq target arrives. It returns the new connection, the times
// of the resume's steps, how many distinct seqs after r.held arrived and
// how many came twice.
func (r *resumer) reconnect(ctx context.Context, target int64) (c *client, ph resumePhases, got, dups int, err error) {
	ctx, cancel := context.WithTimeout(ctx, r.o.Timeout)
	defer cancel()
	var (
		mu      sync.Mutex // guards seen, twice and at, written by the reader
		seen    = map[int64]bool{}
		twice   int
		at      time.Time
		firstAt time.Time
		arrived = make(chan struct{})
	)
	held := r.held
	start := time.Now()
	record := func(s int64) {
		if s <= held {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if seen[s] {
			twice++
			return
		}
		seen[s] = true
		if firstAt.IsZero() {
			firstAt = time.Now()
		}
		if s == target {
			at = time.Now()
			close(arrived)
		}
	}
	// Replayed messages are read on the fast path, as run reads its own:
	// decoding each frame's JSON would time the generator, not the gateway.
	fast := func(data []byte) bool {
		s, ok := fastMessageSeq(data)
		if ok {
			record(s)
		}
		return ok
	}
	c, err = r.dialCustomer(ctx, fast, func(f *frame) { record(frameSeq(f)) })
	if err != nil {
		return nil, ph, 0, 0, err
	}
	ph.dialed = time.Since(start)
	hello := clientFrame{Type: "hello", Role: roleCustomer, Site: r.tg.site, Token: r.token, Resume: map[string]int64{r.conv: held}}
	if _, err := c.Request(ctx, hello, "welcome", ""); err != nil {
		c.Close()
		return nil, ph, 0, 0, fmt.Errorf("resume hello: %w", err)
	}
	ph.welcomed = time.Since(start)
	if target > held {
		select {
		case <-arrived:
		case <-ctx.Done():
			c.Close()
			mu.Lock()
			n := len(seen)
			mu.Unlock()
			return nil, ph, 0, 0, fmt.Errorf("%d of %d missed messages arrived: %w", n, target-held, ctx.Err())
		}
	}
	// Every seq up to target has been counted or is missing for good: the
	// gateway replays in order.
	mu.Lock()
	defer mu.Unlock()
	if target <= held {
		at = time.Now()
	}
	if firstAt.IsZero() {
		firstAt = at
	}
	ph.first, ph.last = firstAt.Sub(start), at.Sub(start)
	for s := range seen {
		if s <= target {
			got++
		}
	}
	return c, ph, got, twice, nil
}

// frameSeq is the seq of a message frame, 0 for other frames.
func frameSeq(f *frame) int64 {
	if f.Type != "message" {
		return 0
	}
	if f.Seq > 0 {
		return f.Seq
	}
	if f.Message != nil {
		return f.Message.Seq
	}
	return 0
}

// Print writes the resume table.
func (r *resumeResult) Print(out io.Writer) {
	n := r.took.Count()
	fmt.Fprintf(out, "\nparley-bench resume: %d repetitions of %d missed messages\n\n", n, r.o.Messages)
	if n == 0 {
		return
	}
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	latencyHeader(w, "from the dial's start\treps")
	latencyRow(w, fmt.Sprintf("last missed message (resume)\t%d", n), &r.took)
	latencyRow(w, fmt.Sprintf("WebSocket connected\t%d", n), &r.dialed)
	latencyRow(w, fmt.Sprintf("welcome\t%d", n), &r.welcomed)
	latencyRow(w, fmt.Sprintf("first missed message\t%d", n), &r.first)
	w.Flush()
	perMsg := r.took.Mean() / time.Duration(max(r.o.Messages, 1))
	fmt.Fprintf(out, "\nreplayed %d messages; mean %v per replayed message; %d repetitions with a gap; %d duplicates; %d agent messages resent after rate_limited\n",
		r.replayed, perMsg, r.gaps, r.dups, r.retries)
	if r.gaps > 0 || r.dups > 0 {
		fmt.Fprintln(out, "warning: the gateway's replay was not gap-free and duplicate-free")
	}
}
