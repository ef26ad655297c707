//go:build unix

package main

import (
	"fmt"
	"log/slog"
	"syscall"
)

// ensureNoFile raises the process's open-file limit to at least need if it
// can (the hard limit too when privileged), and fails when it stays lower.
func ensureNoFile(need int, log *slog.Logger) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("read open-file limit: %w", err)
	}
	want := uint64(need)
	if lim.Cur >= want {
		return nil
	}
	next := lim
	next.Cur = want
	if next.Cur > lim.Max {
		next.Max = next.Cur
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &next); err != nil {
		return fmt.Errorf("raise open-file limit from %d (hard %d) to %d: %w (run `ulimit -n %d` first)", lim.Cur, lim.Max, want, err, want)
	}
	log.Info("raised open-file limit", "from", lim.Cur, "to", next.Cur)
	return nil
}

// ownCPU returns the user and system CPU seconds this process has used.
func ownCPU() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}
