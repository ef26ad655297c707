package testlog

import (
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
)

// recorder is a testing.TB that keeps what is logged and runs cleanups on
// demand.
type recorder struct {
	testing.TB
	lines    []string
	cleanups []func()
}

func (r *recorder) Log(args ...any)  { r.lines = append(r.lines, args[0].(string)) }
func (r *recorder) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }

func TestNewLogsUntilTheTestEnds(t *testing.T) {
	r := &recorder{TB: t}
	log := New(r, slog.LevelInfo)
	log.Debug("below the level")
	log.Info("during the test", "k", "v")
	for _, f := range r.cleanups {
		f()
	}
	log.Warn("after the test")
	if assert.Len(t, r.lines, 1) {
		assert.Contains(t, r.lines[0], `msg="during the test" k=v`)
		assert.NotContains(t, r.lines[0], "\n")
	}
}
