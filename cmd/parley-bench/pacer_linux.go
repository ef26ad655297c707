//go:build linux

package main

import (
	"runtime"
	"syscall"
	"time"
)

// The Go scheduler wakes timers shorter than a millisecond with a
// millisecond's granularity when the process is otherwise idle, which would
// make an open-loop schedule up to 1 ms late and that lateness count as
// gateway latency. A pacer instead sleeps its own OS thread with nanosleep
// and a timer slack of 1 ns, which wakes within microseconds.

// pacer sleeps until points on a clock with microsecond precision. Use it
// from one goroutine; Stop releases the thread.
type pacer struct {
	clk     clock
	precise bool
}

// newPacer locks the calling goroutine to its thread and, when precise,
// sets the thread's timer slack to 1 ns.
func newPacer(clk clock, precise bool) *pacer {
	p := &pacer{clk: clk, precise: precise}
	if precise {
		runtime.LockOSThread()
		const prSetTimerSlack = 29
		if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetTimerSlack, 1, 0); errno != 0 {
			runtime.UnlockOSThread()
			p.precise = false
		}
	}
	return p
}

// SleepUntil returns when the clock reads t, at once if it has passed.
func (p *pacer) SleepUntil(t int64) {
	d := t - p.clk.Now()
	if d <= 0 {
		return
	}
	if !p.precise {
		time.Sleep(time.Duration(d))
		return
	}
	ts := syscall.NsecToTimespec(d)
	for syscall.Nanosleep(&ts, &ts) == syscall.EINTR {
	}
}

// Stop unlocks the goroutine from its thread.
func (p *pacer) Stop() {
	if p.precise {
		runtime.UnlockOSThread()
	}
}
