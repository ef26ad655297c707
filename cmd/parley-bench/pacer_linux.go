//go:build linux

package main

import (
	"io"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// The Go scheduler wakes timers shorter than a millisecond with a
// millisecond's granularity when the process is otherwise idle, which would
// make an open-loop schedule up to 1 ms late and that lateness count as
// gateway latency. A precise pacer sleeps on a timerfd instead: the kernel
// fires it within microseconds and the goroutine waits in the network
// poller like any socket read, holding no thread. (Sleeping a locked thread
// in nanosleep, as this pacer once did, kept the runtime busy handing the
// thread's processor to others and back: a quarter of the generator's CPU at
// 10,000 msg/s.)

// pacer sleeps until points on a clock with microsecond precision. Use it
// from one goroutine; Stop releases its timer.
type pacer struct {
	clk clock
	fd  int
	tfd *os.File // nil: sleep with the Go timer
	buf [8]byte
}

// newPacer returns a pacer, precise when asked and the system allows it.
func newPacer(clk clock, precise bool) *pacer {
	p := &pacer{clk: clk}
	if !precise {
		return p
	}
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return p
	}
	p.fd, p.tfd = fd, os.NewFile(uintptr(fd), "pacer")
	return p
}

// SleepUntil returns when the clock reads t, at once if it has passed.
func (p *pacer) SleepUntil(t int64) {
	d := t - p.clk.Now()
	if d <= 0 {
		return
	}
	if p.tfd != nil {
		spec := unix.ItimerSpec{Value: unix.NsecToTimespec(d)}
		if unix.TimerfdSettime(p.fd, 0, &spec, nil) == nil {
			if _, err := io.ReadFull(p.tfd, p.buf[:]); err == nil {
				return
			}
		}
		p.Stop() // the timer failed: carry on with the Go timer
	}
	time.Sleep(time.Duration(t - p.clk.Now()))
}

// Stop releases the timer.
func (p *pacer) Stop() {
	if p.tfd != nil {
		p.tfd.Close()
		p.tfd = nil
	}
}
