package translate

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/translate/translatetest"
)

func TestApertiumCodes(t *testing.T) {
	assert.Equal(t, []string{"eng_US", "eng"}, apertiumCandidates(mustTag(t, "en-US")))
	assert.Equal(t, []string{"spa"}, apertiumCandidates(mustTag(t, "es")))
	assert.Equal(t, []string{"cat"}, apertiumCandidates(mustTag(t, "ca")))
	assert.Equal(t, []string{"por_BR", "por"}, apertiumCandidates(mustTag(t, "pt-BR")))
}

// TestApertiumReal runs the provider and the whole pipeline against a real
// APY with Debian's English-Spanish pair.
func TestApertiumReal(t *testing.T) {
	url := translatetest.StartAPY(t)
	a, err := NewApertium(ApertiumConfig{URL: url})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	t.Run("pairs", func(t *testing.T) {
		pairs, err := a.Pairs(ctx)
		require.NoError(t, err)
		assert.True(t, pairs["eng|spa"])
		assert.True(t, pairs["spa|eng"])
	})
	t.Run("translate", func(t *testing.T) {
		out, err := a.Translate(ctx, "The house is big", "en", "es")
		require.NoError(t, err)
		assert.Equal(t, "La casa es grande", out)
		out, err = a.Translate(ctx, "Hola, muchas gracias", "es", "en-US")
		require.NoError(t, err)
		assert.Contains(t, strings.ToLower(out), "thank")
	})
	t.Run("unsupported", func(t *testing.T) {
		_, err := a.Translate(ctx, "hello", "en", "de")
		require.ErrorIs(t, err, ErrUnsupportedPair)
	})
	t.Run("long text goes by POST", func(t *testing.T) {
		text := strings.Repeat("The house is big. ", 1000) // 18 KB
		out, err := a.Translate(ctx, text, "en", "es")
		require.NoError(t, err)
		assert.Equal(t, 1000, strings.Count(out, "La casa es grande"))
	})
	t.Run("placeholders survive through the pipeline", func(t *testing.T) {
		tr, err := New(Config{Provider: ProviderApertium, Apertium: ApertiumConfig{URL: url}}, nil, testLogger(t), nil)
		require.NoError(t, err)
		gctx := WithGlossary(ctx, "Parley Pro")
		for _, in := range []string{
			"My order #A-12345 is late, see https://shop.example.com/o/12345.",
			"Write to help@example.com or @maria about ORD-99812 👍",
			"Run `make install` at 10:30 with Parley Pro's help",
			"The big 🏠 house for 3 people",
		} {
			out, err := tr.Translate(gctx, in, "en", "es")
			require.NoError(t, err, in)
			t.Logf("%q -> %q", in, out)
			for _, s := range protectedSpans(in, []string{"Parley Pro"}) {
				assert.Contains(t, out, in[s.start:s.end], "%q", in)
			}
		}
		out, err := tr.Translate(gctx, "the house", "en", "de")
		require.ErrorIs(t, err, ErrUnsupportedPair)
		assert.Empty(t, out)
	})
}

// TestApertiumPairsRefresh uses a scripted APY to check that /listPairs is
// cached, refreshed after PairsTTL, and that a dead server is an error,
// not an unsupported pair.
func TestApertiumPairsRefresh(t *testing.T) {
	var listCalls atomic.Int64
	var pairs atomic.Value
	pairs.Store(`[{"sourceLanguage":"eng","targetLanguage":"spa"}]`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/listPairs":
			listCalls.Add(1)
			fmt.Fprintf(w, `{"responseData": %s, "responseDetails": null, "responseStatus": 200}`, pairs.Load())
		case "/translate":
			fmt.Fprintf(w, `{"responseData": {"translatedText": "[%s] %s"}, "responseDetails": null, "responseStatus": 200}`, r.URL.Query().Get("langpair"), r.URL.Query().Get("q"))
		}
	}))
	defer srv.Close()
	a, err := NewApertium(ApertiumConfig{URL: srv.URL, PairsTTL: 50 * time.Millisecond})
	require.NoError(t, err)
	ctx := context.Background()

	out, err := a.Translate(ctx, "hi", "en", "es")
	require.NoError(t, err)
	assert.Equal(t, "[eng|spa] hi", out)
	_, err = a.Translate(ctx, "hi", "en", "ca")
	require.ErrorIs(t, err, ErrUnsupportedPair)
	assert.Equal(t, int64(1), listCalls.Load(), "pairs are cached")

	pairs.Store(`[{"sourceLanguage":"eng","targetLanguage":"spa"},{"sourceLanguage":"eng","targetLanguage":"cat"}]`)
	waitFor(t, func() bool {
		out, err = a.Translate(ctx, "hi", "en", "ca")
		return err == nil
	})
	assert.Equal(t, "[eng|cat] hi", out)

	srv.Close()
	dead, err := NewApertium(ApertiumConfig{URL: srv.URL})
	require.NoError(t, err)
	_, err = dead.Translate(ctx, "hi", "en", "es")
	require.Error(t, err)
	assert.NotErrorIs(t, err, ErrUnsupportedPair)
}
