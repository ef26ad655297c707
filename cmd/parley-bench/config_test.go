package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriteConfig(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, writeConfig(&buf, configOptions{Addr: "127.0.0.1:9000", Site: "bench", Agents: 3, Capacity: 1, Rate: 500, RateBurst: 1000}))

	var got struct {
		Addr          string  `json:"addr"`
		RatePerSecond float64 `json:"rate_per_second"`
		RateBurst     int     `json:"rate_burst"`
		Sites         []struct {
			Key     string   `json:"key"`
			Origins []string `json:"origins"`
			Agents  []struct {
				ID         string   `json:"id"`
				SecretHash string   `json:"secret_hash"`
				Languages  []string `json:"languages"`
				Capacity   int      `json:"capacity"`
			} `json:"agents"`
		} `json:"sites"`
	}
	require.NoError(t, json.Unmarshal(buf.Bytes(), &got), buf.String())
	assert.Equal(t, "127.0.0.1:9000", got.Addr)
	assert.Equal(t, 500.0, got.RatePerSecond)
	assert.Equal(t, 1000, got.RateBurst)
	require.Len(t, got.Sites, 1)
	site := got.Sites[0]
	assert.Equal(t, "bench", site.Key)
	assert.Equal(t, []string{"*"}, site.Origins)
	require.Len(t, site.Agents, 3)
	for i, a := range site.Agents {
		n := i + 1
		assert.Equal(t, agentID(n), a.ID)
		sum := sha256.Sum256([]byte(agentSecret(n)))
		assert.Equal(t, "sha256:"+hex.EncodeToString(sum[:]), a.SecretHash, "agent %d signs in with its derived secret", n)
		assert.Equal(t, []string{"en"}, a.Languages)
		assert.Equal(t, 1, a.Capacity)
	}
	assert.Equal(t, "bench-agent-2", agentID(2))
	assert.Equal(t, "secret-2", agentSecret(2))
}

func TestConfigSubcommandWritesFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "bench.json")
	var stdout, stderr bytes.Buffer
	code := realMain(context.Background(), []string{"config", "-agents", "2", "-site", "load", "-out", out}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	var cfg gatewayConfig
	require.NoError(t, json.Unmarshal(b, &cfg))
	require.Len(t, cfg.Sites, 1)
	assert.Equal(t, "load", cfg.Sites[0].Key)
	assert.Len(t, cfg.Sites[0].Agents, 2)

	code = realMain(context.Background(), []string{"config", "-agents", "0"}, io.Discard, &stderr)
	assert.Equal(t, 1, code, "zero agents is refused")
}

func TestSubcommandsRefuseRemoteGateways(t *testing.T) {
	for _, sub := range []string{"run", "idle", "resume"} {
		var stderr bytes.Buffer
		code := realMain(context.Background(), []string{sub, "-url", "ws://192.0.2.1:8080"}, io.Discard, &stderr)
		assert.Equal(t, 1, code, sub)
		assert.Contains(t, stderr.String(), "allow-remote", sub)
	}
	var stderr bytes.Buffer
	assert.Equal(t, 2, realMain(context.Background(), []string{"run", "-no-such-flag"}, io.Discard, &stderr))
	assert.Equal(t, 0, realMain(context.Background(), []string{"idle", "-h"}, io.Discard, &stderr))
	assert.Contains(t, stderr.String(), "-conns")
}
