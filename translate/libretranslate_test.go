package translate

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/translate/translatetest"
)

func TestLibreTranslate(t *testing.T) {
	ctx := context.Background()
	fake := translatetest.NewLibreTranslate(t, "lt-key")
	l, err := NewLibreTranslate(LibreTranslateConfig{URL: fake.URL, Key: "lt-key"})
	require.NoError(t, err)

	out, err := l.Translate(ctx, "hello, my order", "en", "es")
	require.NoError(t, err)
	assert.Equal(t, "hola, mi pedido", out)
	req := fake.Requests()[0]
	assert.Equal(t, Request{Texts: []string{"hello, my order"}, Source: "en", Target: "es", Format: "text", Key: "lt-key"}, Request(req))

	batch, err := l.TranslateBatch(ctx, []string{"hello", "thanks"}, "en", "es")
	require.NoError(t, err)
	assert.Equal(t, []string{"hola", "gracias"}, batch)

	fake.ExtraSegment(true)
	_, err = l.TranslateBatch(ctx, []string{"hello"}, "en", "es")
	require.ErrorIs(t, err, ErrBadResponse)
	fake.ExtraSegment(false)

	fake.Unsupported("sl")
	_, err = l.Translate(ctx, "hello", "en", "sl")
	require.ErrorIs(t, err, ErrUnsupportedPair)

	fake.FailWith(http.StatusTooManyRequests, `{"error":"Slowdown: 30 per 1 minute"}`)
	_, err = l.Translate(ctx, "hello", "en", "es")
	require.ErrorIs(t, err, ErrQuota)

	fake.FailWith(http.StatusOK, `<!DOCTYPE html><html>maintenance</html>`)
	_, err = l.Translate(ctx, "hello", "en", "es")
	require.ErrorIs(t, err, ErrBadResponse)
}

// Request mirrors translatetest.Request for comparisons.
type Request = translatetest.Request
