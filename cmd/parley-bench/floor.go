package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

// The floor subcommand measures what a machine allows before any gateway
// work: records relayed through a chain of processes that only forward
// bytes, over the same loopback TCP and at the same open-loop rate as a run.
// With four hops it is the path of a message across two gateway nodes
// (generator, node A, Redis, node B, generator), so its latency is the least
// a run on that machine can report, and its CPU what the transfers alone
// cost.

// floorOptions are the choices of the floor subcommand.
type floorOptions struct {
	Hops     int
	Rate     float64
	Size     int
	Duration time.Duration
	Warmup   time.Duration
	Drain    time.Duration
	Precise  bool
}

// floorRecordMin is the smallest record: a send stamp and a sequence number.
const floorRecordMin = 16

func runFloor(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("floor", "-hops N -rate R -duration D -warmup W", e.stderr)
	var o floorOptions
	fs.IntVar(&o.Hops, "hops", 4, "loopback TCP connections a record crosses, through hops-1 relay processes (1 to 16); 4 is a message's path across two gateway nodes and Redis")
	fs.Float64Var(&o.Rate, "rate", 2000, "records per second, sent open-loop on a fixed schedule (1 to 200000)")
	fs.IntVar(&o.Size, "size", 128, "bytes per record (16 to 65536)")
	fs.DurationVar(&o.Duration, "duration", 10*time.Second, "measurement time (at most 10m)")
	fs.DurationVar(&o.Warmup, "warmup", 3*time.Second, "time sending at the full rate before measuring (at most 10m)")
	fs.DurationVar(&o.Drain, "drain", 3*time.Second, "longest wait after the last send for records still in flight")
	fs.BoolVar(&o.Precise, "precise-timer", true, "pace sends on a timerfd (microsecond precision) instead of Go timers")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case o.Hops < 1 || o.Hops > 16:
		return fmt.Errorf("-hops %d: want 1 to 16", o.Hops)
	case o.Rate < 1 || o.Rate > 200000:
		return fmt.Errorf("-rate %v: want 1 to 200000", o.Rate)
	case o.Size < floorRecordMin || o.Size > 1<<16:
		return fmt.Errorf("-size %d: want %d to 65536", o.Size, floorRecordMin)
	case o.Duration <= 0 || o.Duration > 10*time.Minute:
		return fmt.Errorf("-duration %v: want above 0 and at most 10m", o.Duration)
	case o.Warmup < 0 || o.Warmup > 10*time.Minute:
		return fmt.Errorf("-warmup %v: want 0 to 10m", o.Warmup)
	case o.Drain < 0 || o.Drain > time.Minute:
		return fmt.Errorf("-drain %v: want 0 to 1m", o.Drain)
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find this program to start its relays: %w", err)
	}
	res, err := measureFloor(ctx, o, exe)
	if err != nil {
		return err
	}
	res.Print(e.stdout)
	return nil
}

// floorResult is the outcome of a floor measurement.
type floorResult struct {
	opts      floorOptions
	sent      uint64
	lat       histogram
	relayCPU  []float64 // share of a core over each relay's life
	senderCPU float64   // share of a core of this process while measuring
}

// Print writes the report.
func (r *floorResult) Print(out io.Writer) {
	o := r.opts
	fmt.Fprintf(out, "\nparley-bench floor: %d loopback hops through %d relay processes, %d-byte records, %.0f/s, %v measured after %v warm-up\n\n",
		o.Hops, o.Hops-1, o.Size, o.Rate, o.Duration, o.Warmup)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	latencyHeader(tw, "\tsent\tdelivered\tlost")
	lost := int64(r.sent) - int64(r.lat.Count())
	latencyRow(tw, fmt.Sprintf("from write\t%d\t%d\t%d", r.sent, r.lat.Count(), max(lost, 0)), &r.lat)
	tw.Flush()
	cpus := make([]string, len(r.relayCPU))
	for i, c := range r.relayCPU {
		cpus[i] = fmt.Sprintf("%.0f%%", 100*c)
	}
	fmt.Fprintf(out, "\nCPU: sender and receiver %.0f%% of a core while measuring", 100*r.senderCPU)
	if len(cpus) > 0 {
		fmt.Fprintf(out, "; relays %s of a core each over their lives", strings.Join(cpus, ", "))
	}
	fmt.Fprintln(out)
}

// measureFloor starts the chain of relays (exe relay ...), sends records
// through it at the rate and times their arrival at its end.
func measureFloor(ctx context.Context, o floorOptions, exe string) (*floorResult, error) {
	lifetime := o.Warmup + o.Duration + o.Drain + 30*time.Second
	ctx, cancel := context.WithTimeout(ctx, lifetime)
	defer cancel()

	end, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for the chain's end: %w", err)
	}
	defer end.Close()

	// Start the relays from the last, so that each can dial the next.
	relays := make([]*floorRelay, o.Hops-1)
	next := end.Addr().String()
	defer func() {
		for _, r := range relays {
			if r != nil {
				r.stop()
			}
		}
	}()
	for i := len(relays) - 1; i >= 0; i-- {
		r, err := startRelay(ctx, exe, next, lifetime)
		if err != nil {
			return nil, fmt.Errorf("relay %d of %d: %w", i+1, len(relays), err)
		}
		relays[i], next = r, r.addr
	}

	type accepted struct {
		c   net.Conn
		err error
	}
	acc := make(chan accepted, 1)
	go func() {
		c, err := end.Accept()
		acc <- accepted{c, err}
	}()
	var d net.Dialer
	out, err := d.DialContext(ctx, "tcp", next)
	if err != nil {
		return nil, fmt.Errorf("dial the chain: %w", err)
	}
	defer out.Close()
	var in net.Conn
	select {
	case a := <-acc:
		if a.err != nil {
			return nil, fmt.Errorf("accept the chain's end: %w", a.err)
		}
		in = a.c
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for the chain to connect: %w", ctx.Err())
	}
	defer in.Close()
	_ = in.SetDeadline(time.Now().Add(lifetime))
	_ = out.SetDeadline(time.Now().Add(lifetime))

	res := &floorResult{opts: o}
	clk := newClock()
	period := float64(time.Second) / o.Rate
	from, to := int64(o.Warmup), int64(o.Warmup+o.Duration)
	total := int64(float64(to) / period)

	var wg sync.WaitGroup
	recvErr := make(chan error, 1)
	wg.Go(func() {
		recvErr <- receiveFloor(in, clk, o.Size, from, to, &res.lat)
	})

	p := newPacer(clk, o.Precise)
	defer p.Stop()
	rec := make([]byte, o.Size)
	var cpu0 float64
	var t0 time.Time
	var sendErr error
	for i := int64(0); i < total && ctx.Err() == nil; i++ {
		at := int64(float64(i) * period)
		if at >= from && t0.IsZero() {
			cpu0, t0 = ownCPU(), time.Now()
		}
		p.SleepUntil(at)
		now := clk.Now()
		binary.LittleEndian.PutUint64(rec, uint64(now))
		binary.LittleEndian.PutUint64(rec[8:], uint64(i))
		if _, err := out.Write(rec); err != nil {
			sendErr = fmt.Errorf("send record %d: %w", i, err)
			break
		}
		if now >= from && now < to {
			res.sent++
		}
	}
	if secs := time.Since(t0).Seconds(); !t0.IsZero() && secs > 0 {
		res.senderCPU = (ownCPU() - cpu0) / secs
	}

	// Wait for the records in flight, then close the chain from its start:
	// each relay exits when its input ends.
	drainUntil := time.Now().Add(o.Drain)
	for res.lat.Count() < res.sent && time.Now().Before(drainUntil) && ctx.Err() == nil {
		time.Sleep(time.Millisecond)
	}
	_ = out.Close()
	_ = in.SetReadDeadline(time.Now().Add(o.Drain + time.Second))
	wg.Wait()
	if err := <-recvErr; err != nil && sendErr == nil {
		sendErr = err
	}
	for _, r := range relays {
		res.relayCPU = append(res.relayCPU, r.wait())
	}
	if sendErr != nil {
		return nil, sendErr
	}
	return res, nil
}

// receiveFloor reads records of size bytes until the chain closes, and
// records the latency of those sent in [from, to).
func receiveFloor(in net.Conn, clk clock, size int, from, to int64, lat *histogram) error {
	r := bufio.NewReaderSize(in, 64<<10)
	rec := make([]byte, size)
	for {
		if _, err := io.ReadFull(r, rec); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("receive: %w", err)
		}
		now := clk.Now()
		sent := int64(binary.LittleEndian.Uint64(rec))
		if sent >= from && sent < to {
			lat.Record(time.Duration(now - sent))
		}
	}
}
