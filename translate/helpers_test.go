package translate

import (
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/text/language"

	"github.com/parley-chat/parley/internal/testlog"
)

// mustTag parses a tag or fails the test.
func mustTag(t testing.TB, s string) language.Tag {
	t.Helper()
	tag, err := parseTag(s)
	require.NoError(t, err)
	return tag
}

// testLogger returns a slog logger writing to the test log.
func testLogger(t testing.TB) *slog.Logger { return testlog.New(t, slog.LevelDebug) }
