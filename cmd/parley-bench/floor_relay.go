package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// runRelay is one link of the floor subcommand's chain, in a process of its
// own: it listens on loopback, prints its address, dials the next link and
// forwards every byte it receives until its input ends.
func runRelay(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("relay", "-next HOST:PORT (started by floor)", e.stderr)
	next := fs.String("next", "", "loopback address of the next link")
	lifetime := fs.Duration("lifetime", time.Minute, "longest the relay runs (at most 1h)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	host, _, err := net.SplitHostPort(*next)
	if err != nil || !isLoopback(host) {
		return fmt.Errorf("-next %q: want a loopback host:port", *next)
	}
	if *lifetime <= 0 || *lifetime > time.Hour {
		return fmt.Errorf("-lifetime %v: want above 0 and at most 1h", *lifetime)
	}
	ctx, cancel := context.WithTimeout(ctx, *lifetime)
	defer cancel()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer ln.Close()
	var d net.Dialer
	out, err := d.DialContext(ctx, "tcp", *next)
	if err != nil {
		return fmt.Errorf("dial the next link: %w", err)
	}
	defer out.Close()
	if _, err := fmt.Fprintln(e.stdout, ln.Addr().String()); err != nil {
		return fmt.Errorf("report the address: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { ln.Close(); out.Close() })
	defer stop()
	in, err := ln.Accept()
	if err != nil {
		return fmt.Errorf("accept: %w", err)
	}
	defer in.Close()
	deadline, _ := ctx.Deadline()
	_ = in.SetDeadline(deadline)
	_ = out.SetDeadline(deadline)

	// A read and a write per arrival, as a gateway does: no splice.
	buf := make([]byte, 32<<10)
	for {
		n, err := in.Read(buf)
		if n > 0 {
			if _, werr := out.Write(buf[:n]); werr != nil {
				return fmt.Errorf("forward: %w", werr)
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("receive: %w", err)
		}
	}
}

// floorRelay is a running relay process.
type floorRelay struct {
	cmd    *exec.Cmd
	addr   string
	start  time.Time
	stderr bytes.Buffer
	once   sync.Once
	cpu    float64
}

// startRelay starts exe's relay subcommand forwarding to next and returns
// once it listens.
func startRelay(ctx context.Context, exe, next string, lifetime time.Duration) (*floorRelay, error) {
	r := &floorRelay{start: time.Now()}
	r.cmd = exec.CommandContext(ctx, exe, "relay", "-next", next, "-lifetime", lifetime.String())
	r.cmd.Stderr = &r.stderr
	stdout, err := r.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := r.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s relay: %w", exe, err)
	}
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(stdout).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case r.addr = <-line:
	case <-time.After(10 * time.Second):
	}
	if r.addr == "" {
		r.stop()
		return nil, fmt.Errorf("relay did not report its address: %s", strings.TrimSpace(r.stderr.String()))
	}
	return r, nil
}

// wait waits for the relay to exit and returns the share of a core it used
// over its life.
func (r *floorRelay) wait() float64 {
	r.once.Do(func() {
		_ = r.cmd.Wait()
		st := r.cmd.ProcessState
		if secs := time.Since(r.start).Seconds(); st != nil && secs > 0 {
			r.cpu = (st.UserTime() + st.SystemTime()).Seconds() / secs
		}
	})
	return r.cpu
}

// stop kills the relay if it still runs and reaps it.
func (r *floorRelay) stop() {
	if r.cmd.ProcessState == nil && r.cmd.Process != nil {
		_ = r.cmd.Process.Kill()
	}
	r.wait()
}
