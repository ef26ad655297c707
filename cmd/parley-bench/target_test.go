package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseTargetLoopbackOnly(t *testing.T) {
	for _, raw := range []string{"ws://127.0.0.1:8080", "ws://[::1]:8080", "http://localhost:8080/ignored?x=1", "wss://127.0.0.2"} {
		_, err := parseTarget(raw, "bench", false)
		assert.NoError(t, err, raw)
	}
	for _, raw := range []string{"ws://10.0.0.1:8080", "ws://example.com", "ws://127.0.0.1.example.com"} {
		_, err := parseTarget(raw, "bench", false)
		require.ErrorIs(t, err, errRemote, raw)
		_, err = parseTarget(raw, "bench", true)
		assert.NoError(t, err, "%s with -allow-remote", raw)
	}
	for _, raw := range []string{"ftp://127.0.0.1", "ws://", "://x"} {
		_, err := parseTarget(raw, "bench", false)
		assert.Error(t, err, raw)
	}
	_, err := parseTarget("ws://127.0.0.1", "", false)
	assert.Error(t, err, "empty site")
}

func TestTargetURLs(t *testing.T) {
	tg, err := parseTarget("http://127.0.0.1:8080/x", "bench site", false)
	require.NoError(t, err)
	assert.Equal(t, "ws://127.0.0.1:8080/ws?role=agent&site=bench+site", tg.wsURL("agent"))
	assert.Equal(t, "http://127.0.0.1:8080/metrics", tg.httpURL("/metrics"))

	tg, err = parseTarget("wss://localhost", "bench", false)
	require.NoError(t, err)
	assert.Equal(t, "https://localhost/debug/pprof/heap", tg.httpURL("/debug/pprof/heap"))
}
