package translate

import (
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/text/language"
)

// mustTag parses a tag or fails the test.
func mustTag(t testing.TB, s string) language.Tag {
	t.Helper()
	tag, err := parseTag(s)
	require.NoError(t, err)
	return tag
}

// testLogger returns a slog logger writing through t.Logf.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// tWriter adapts t.Logf to io.Writer.
type tWriter struct{ t testing.TB }

// Write implements io.Writer.
func (w tWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Logf("%s", p)
	return len(p), nil
}
