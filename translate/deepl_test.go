package translate

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/translate/translatetest"
)

// newTestDeepL returns a DeepL provider talking to a fresh fake.
func newTestDeepL(t *testing.T) (*DeepL, *translatetest.Server) {
	t.Helper()
	fake := translatetest.NewDeepL(t, "key-1:fx")
	d, err := NewDeepL(DeepLConfig{Key: "key-1:fx", URL: fake.URL})
	require.NoError(t, err)
	return d, fake
}

func TestDeepLTranslate(t *testing.T) {
	d, fake := newTestDeepL(t)
	out, err := d.Translate(context.Background(), "hola, gracias", "es", "en")
	require.NoError(t, err)
	assert.Equal(t, "hello, thanks", out)
	req := fake.Requests()[0]
	assert.Equal(t, "ES", req.Source)
	assert.Equal(t, "EN-US", req.Target, "English needs a variant as a target")
	assert.Equal(t, "key-1:fx", req.Key)

	_, err = d.Translate(context.Background(), "hello", "en", "pt-BR")
	require.NoError(t, err)
	assert.Equal(t, "PT-BR", fake.Requests()[1].Target)
}

func TestDeepLBaseURL(t *testing.T) {
	free, err := NewDeepL(DeepLConfig{Key: "abc:fx"})
	require.NoError(t, err)
	assert.Equal(t, DeepLFreeURL, free.cfg.URL)
	pro, err := NewDeepL(DeepLConfig{Key: "abc"})
	require.NoError(t, err)
	assert.Equal(t, DeepLProURL, pro.cfg.URL)
	_, err = NewDeepL(DeepLConfig{})
	require.Error(t, err)
}

func TestDeepLErrors(t *testing.T) {
	ctx := context.Background()
	for _, status := range []int{http.StatusTooManyRequests, 456} {
		d, fake := newTestDeepL(t)
		fake.FailWith(status, `{"message":"Quota exceeded"}`)
		_, err := d.Translate(ctx, "hello", "en", "de")
		require.ErrorIs(t, err, ErrQuota, "status %d", status)
	}

	d, fake := newTestDeepL(t)
	_, err := d.Translate(ctx, "hello", "en", "hr")
	require.ErrorIs(t, err, ErrUnsupportedPair, "Croatian is not a DeepL language")
	assert.Empty(t, fake.Requests(), "known unsupported pairs are not sent")

	fake.Unsupported("DE")
	_, err = d.Translate(ctx, "hello", "en", "de")
	require.ErrorIs(t, err, ErrUnsupportedPair)

	bad, err := NewDeepL(DeepLConfig{Key: "wrong", URL: fake.URL})
	require.NoError(t, err)
	_, err = bad.Translate(ctx, "hello", "en", "es")
	var se *statusError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, http.StatusForbidden, se.Status)

	d, fake = newTestDeepL(t)
	fake.ExtraSegment(true)
	_, err = d.Translate(ctx, "hello", "en", "es")
	require.ErrorIs(t, err, ErrBadResponse)

	d, fake = newTestDeepL(t)
	fake.Hang(true)
	hctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	_, err = d.Translate(hctx, "hello", "en", "es")
	require.ErrorIs(t, err, context.DeadlineExceeded)
}
