package translate

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/api/option"

	"github.com/parley-chat/parley/translate/translatetest"
)

// newTestGoogle returns a Google provider talking to a fresh fake.
func newTestGoogle(t *testing.T) (*Google, *translatetest.Server) {
	t.Helper()
	fake := translatetest.NewGoogle(t, "")
	g, err := NewGoogle(context.Background(), GoogleConfig{Endpoint: fake.URL + "/language/translate/"}, option.WithoutAuthentication())
	require.NoError(t, err)
	return g, fake
}

func TestGoogleTranslate(t *testing.T) {
	g, fake := newTestGoogle(t)
	out, err := g.Translate(context.Background(), "hello, my order is late", "en", "es")
	require.NoError(t, err)
	assert.Equal(t, "hola, mi pedido es tarde", out)

	reqs := fake.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, []string{"hello, my order is late"}, reqs[0].Texts)
	assert.Equal(t, "en", reqs[0].Source)
	assert.Equal(t, "es", reqs[0].Target)
	assert.Equal(t, "text", reqs[0].Format)
}

func TestGoogleAPIKey(t *testing.T) {
	fake := translatetest.NewGoogle(t, "k-123")
	g, err := NewGoogle(context.Background(), GoogleConfig{APIKey: "k-123", Endpoint: fake.URL + "/language/translate/"})
	require.NoError(t, err)
	out, err := g.Translate(context.Background(), "thanks", "en", "es")
	require.NoError(t, err)
	assert.Equal(t, "gracias", out)
	assert.Equal(t, "k-123", fake.Requests()[0].Key)
}

func TestGoogleBatchesOf128(t *testing.T) {
	g, fake := newTestGoogle(t)
	texts := make([]string, 300)
	for i := range texts {
		texts[i] = fmt.Sprintf("hello %d", i)
	}
	out, err := g.TranslateBatch(context.Background(), texts, "en", "es")
	require.NoError(t, err)
	require.Len(t, out, 300)
	assert.Equal(t, "hola 299", out[299])
	reqs := fake.Requests()
	require.Len(t, reqs, 3)
	assert.Len(t, reqs[0].Texts, 128)
	assert.Len(t, reqs[1].Texts, 128)
	assert.Len(t, reqs[2].Texts, 44)
}

func TestGoogleErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("quota", func(t *testing.T) {
		g, fake := newTestGoogle(t)
		fake.FailWith(http.StatusForbidden, translatetest.GoogleQuotaError)
		_, err := g.Translate(ctx, "hello", "en", "es")
		require.ErrorIs(t, err, ErrQuota)
	})
	t.Run("unsupported pair", func(t *testing.T) {
		g, fake := newTestGoogle(t)
		fake.Unsupported("eo")
		_, err := g.Translate(ctx, "hello", "en", "eo")
		require.ErrorIs(t, err, ErrUnsupportedPair)
	})
	t.Run("extra segment", func(t *testing.T) {
		g, fake := newTestGoogle(t)
		fake.ExtraSegment(true)
		_, err := g.Translate(ctx, "hello", "en", "es")
		require.ErrorIs(t, err, ErrBadResponse)
	})
	t.Run("html entities unescaped", func(t *testing.T) {
		g, fake := newTestGoogle(t)
		fake.SetTranslate(func(string, string, string) string { return "l&#39;ordine &quot;pronto&quot;" })
		out, err := g.Translate(ctx, "the order 'ready'", "en", "it")
		require.NoError(t, err)
		assert.Equal(t, `l'ordine "pronto"`, out)
	})
	t.Run("empty answer", func(t *testing.T) {
		g, fake := newTestGoogle(t)
		fake.SetTranslate(func(string, string, string) string { return "  " })
		_, err := g.Translate(ctx, "hello", "en", "es")
		require.ErrorIs(t, err, ErrBadResponse)
	})
	t.Run("server refuses more than 128", func(t *testing.T) {
		_, fake := newTestGoogle(t)
		// The raw client sends everything it is given; the fake answers
		// like the API does.
		g2, err := NewGoogle(ctx, GoogleConfig{Endpoint: fake.URL + "/language/translate/"}, option.WithoutAuthentication())
		require.NoError(t, err)
		_, err = g2.client.Translate(ctx, strings.Fields(strings.Repeat("a ", 129)), mustTag(t, "es"), nil)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "Too many text segments")
	})
	t.Run("invalid tag", func(t *testing.T) {
		g, _ := newTestGoogle(t)
		_, err := g.Translate(ctx, "hello", "en", "not a tag!")
		require.ErrorIs(t, err, ErrInvalidTag)
	})
}

func TestGoogleSplitsLongTexts(t *testing.T) {
	g, fake := newTestGoogle(t)
	ctx := context.Background()
	var b strings.Builder
	for i := 0; b.Len() < 16<<10; i++ {
		fmt.Fprintf(&b, "hello, my order ZXQ%dZ is late. ", i)
		if i%10 == 9 {
			b.WriteString("Ünïcödé ñ 😡 ümlauts\n")
		}
	}
	text := b.String()
	out, err := g.Translate(ctx, text, "en", "es")
	require.NoError(t, err)
	assert.Equal(t, translatetest.Translate(text, "en", "es"), out)
	reqs := fake.Requests()
	require.Greater(t, len(reqs), 1)
	for _, r := range reqs {
		size := 0
		for _, q := range r.Texts {
			size += encodedLen(q)
		}
		assert.LessOrEqual(t, size, googleMaxQueryBytes)
	}

	// Many short texts still share requests.
	texts := []string{"hello", "  ", "thanks\n", text}
	outs, err := g.TranslateBatch(ctx, texts, "en", "es")
	require.NoError(t, err)
	for i, s := range texts {
		assert.Equal(t, translatetest.Translate(s, "en", "es"), outs[i])
	}
}

func TestSplitEncoded(t *testing.T) {
	for _, text := range []string{
		"",
		"short",
		strings.Repeat("word ", 3000),
		strings.Repeat("line one\nline two. ", 500),
		strings.Repeat("ü", 5000),
		strings.Repeat("x", 9000),
	} {
		pieces := splitEncoded(text, 1000)
		assert.Equal(t, text, strings.Join(pieces, ""))
		for _, p := range pieces {
			assert.LessOrEqual(t, encodedLen(p), 1000)
		}
	}
}
