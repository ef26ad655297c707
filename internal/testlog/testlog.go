// Package testlog sends a test's slog output to its test log.
package testlog

import (
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// New returns a logger that writes records at level or above to t's log
// until t ends. Lines logged later, by work the test left running (a
// request still in flight when its server closed, say), are dropped:
// testing does not allow logging after a test has completed, and the race
// detector reports it.
func New(t testing.TB, level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(Writer(t), &slog.HandlerOptions{Level: level}))
}

// Writer returns an io.Writer that logs each write to t's log, its
// trailing newline trimmed, until t ends; later writes are dropped.
func Writer(t testing.TB) io.Writer {
	w := &writer{t: t}
	t.Cleanup(w.close)
	return w
}

// writer adapts t.Log to io.Writer.
type writer struct {
	t    testing.TB
	mu   sync.Mutex
	done bool
}

// Write logs p unless the test has ended.
func (w *writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

// close stops the logging; it runs as the test's cleanup.
func (w *writer) close() {
	w.mu.Lock()
	w.done = true
	w.mu.Unlock()
}
