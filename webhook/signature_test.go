package webhook_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/webhook"
)

func signed(secret string, ts time.Time, body []byte) http.Header {
	h := http.Header{}
	h.Set(webhook.HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(webhook.HeaderSignature, webhook.Sign(secret, ts.Unix(), body))
	return h
}

func TestVerify(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	body := []byte(`{"id":"e1","type":"message.created"}`)

	require.NoError(t, webhook.Verify("k", signed("k", now, body), body, time.Minute, now))
	require.NoError(t, webhook.Verify("k", signed("k", now.Add(-4*time.Minute), body), body, 0, now),
		"the default tolerance is 5 minutes")

	assert.ErrorIs(t, webhook.Verify("other", signed("k", now, body), body, time.Minute, now),
		webhook.ErrBadSignature, "wrong secret")
	assert.ErrorIs(t, webhook.Verify("k", signed("k", now, body), append(body, ' '), time.Minute, now),
		webhook.ErrBadSignature, "tampered body")

	h := signed("k", now, body)
	h.Set(webhook.HeaderTimestamp, strconv.FormatInt(now.Unix()+1, 10))
	assert.ErrorIs(t, webhook.Verify("k", h, body, time.Minute, now), webhook.ErrBadSignature,
		"the timestamp is signed too")

	assert.ErrorIs(t, webhook.Verify("k", signed("k", now.Add(-2*time.Minute), body), body, time.Minute, now),
		webhook.ErrStale, "a replayed old request")
	assert.ErrorIs(t, webhook.Verify("k", signed("k", now.Add(2*time.Minute), body), body, time.Minute, now),
		webhook.ErrStale, "a request from the future")

	assert.ErrorIs(t, webhook.Verify("k", http.Header{}, body, time.Minute, now), webhook.ErrNoSignature)
	h = signed("k", now, body)
	h.Set(webhook.HeaderTimestamp, "yesterday")
	assert.ErrorIs(t, webhook.Verify("k", h, body, time.Minute, now), webhook.ErrNoSignature)
	h = signed("k", now, body)
	h.Set(webhook.HeaderSignature, "v0=abcd")
	assert.ErrorIs(t, webhook.Verify("k", h, body, time.Minute, now), webhook.ErrNoSignature,
		"only v1 signatures count")
	h.Set(webhook.HeaderSignature, "v1=not-hex")
	assert.ErrorIs(t, webhook.Verify("k", h, body, time.Minute, now), webhook.ErrBadSignature)

	h = signed("k", now, body)
	h.Set(webhook.HeaderSignature, "v1=00ff, "+webhook.Sign("k", now.Unix(), body))
	assert.NoError(t, webhook.Verify("k", h, body, time.Minute, now), "one matching signature of several suffices")
}

func FuzzVerify(f *testing.F) {
	f.Add("1700000000", "v1=00", []byte("{}"))
	f.Add("", "", []byte(nil))
	f.Fuzz(func(t *testing.T, ts, sig string, body []byte) {
		h := http.Header{}
		h.Set(webhook.HeaderTimestamp, ts)
		h.Set(webhook.HeaderSignature, sig)
		// Must never panic, and never accept a signature made without the secret.
		if err := webhook.Verify("secret", h, body, time.Minute, time.Unix(1_700_000_000, 0)); err == nil {
			n, _ := strconv.ParseInt(ts, 10, 64)
			assert.Contains(t, sig, webhook.Sign("secret", n, body))
		}
	})
}
