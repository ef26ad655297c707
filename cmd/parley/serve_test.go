package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/session"
)

func TestServeStartsOnDefaultsAndShutsDown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	env := map[string]string{"PARLEY_ADDR": "127.0.0.1:0"}
	go func() { done <- run(ctx, nil, func(k string) string { return env[k] }, pw, io.Discard); pw.Close() }()

	lines := bufio.NewScanner(pr)
	require.True(t, lines.Scan())
	first := lines.Text()
	require.Contains(t, first, "Parley is listening on http://127.0.0.1:")
	base := strings.Fields(strings.TrimPrefix(first, "Parley is listening on "))[0]
	var banner []string
	for lines.Scan() {
		banner = append(banner, lines.Text())
		if strings.Contains(lines.Text(), "translation:") {
			break
		}
	}
	go io.Copy(io.Discard, pr)
	assert.Contains(t, strings.Join(banner, "\n"), "demo login:     site demo, agent demo")

	client := &http.Client{Timeout: 5 * time.Second}
	for _, path := range []string{"/healthz", "/readyz", "/console", "/demo", "/widget.js", "/metrics"} {
		resp, err := client.Get(base + path)
		require.NoError(t, err, path)
		resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode, path)
	}
	cancel()
	select {
	case code := <-done:
		assert.Equal(t, 0, code)
	case <-time.After(20 * time.Second):
		t.Fatal("parley did not shut down")
	}
}

func TestConfigFileEnvAndFlags(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "parley.json")
	require.NoError(t, os.WriteFile(path, []byte(`{
		"addr": "127.0.0.1:9999", "agent_grace": "45s", "max_frame_bytes": 8192,
		"sites": [{"key": "shop", "name": "Shop", "origins": ["https://shop.example"],
			"agents": [{"id": "ann", "name": "Ann", "secret_hash": "sha256:00", "languages": ["de"]}]}]
	}`), 0o600))
	var fc fileConfig
	require.NoError(t, loadFile(path, &fc))
	require.NoError(t, applyEnv(&fc, func(k string) string {
		return map[string]string{"PARLEY_ADDR": "127.0.0.1:7000", "PARLEY_AGENT_GRACE": "10s"}[k]
	}))
	assert.Equal(t, "127.0.0.1:7000", fc.Addr, "environment overrides the file")
	assert.Equal(t, 10*time.Second, time.Duration(fc.AgentGrace))
	assert.Equal(t, 8192, fc.MaxFrameBytes)
	require.Len(t, fc.Sites, 1)
	assert.Equal(t, "de", fc.Sites[0].Agents[0].Languages[0])

	require.NoError(t, os.WriteFile(path, []byte(`{"adr": "typo"}`), 0o600))
	err := loadFile(path, &fileConfig{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "adr")

	require.Error(t, applyEnv(&fileConfig{}, func(k string) string {
		return map[string]string{"PARLEY_AGENT_GRACE": "soon"}[k]
	}))
	code := run(context.Background(), []string{"serve", "--config", filepath.Join(dir, "missing.json")}, func(string) string { return "" }, io.Discard, io.Discard)
	assert.Equal(t, 2, code)
}

func TestStoreLimitsFromConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "parley.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"history_max_len": 20, "retention": "72h"}`), 0o600))
	var fc fileConfig
	require.NoError(t, loadFile(path, &fc))
	require.NoError(t, applyEnv(&fc, func(k string) string {
		return map[string]string{"PARLEY_IDEMPOTENCY_TTL": "1h", "PARLEY_RETENTION": "96h"}[k]
	}))
	assert.Equal(t, session.Limits{MaxLen: 20, Retention: 96 * time.Hour, IdempotencyTTL: time.Hour}, fc.limits())
	require.Error(t, applyEnv(&fileConfig{}, func(k string) string {
		return map[string]string{"PARLEY_HISTORY_MAX_LEN": "many"}[k]
	}))

	// The store keeps to them: a long conversation's oldest messages go.
	ctx := t.Context()
	store, _, release, err := openStore(ctx, "", fc.limits(), slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer release()
	conv, _, err := store.OpenConversation(ctx, session.Conversation{SiteID: "shop", VisitorID: "v"})
	require.NoError(t, err)
	for i := range 200 {
		_, _, err := store.Append(ctx, session.Message{ConversationID: conv.ID, Kind: session.KindText, Role: session.RoleCustomer, SenderID: "v", Text: fmt.Sprint(i)})
		require.NoError(t, err)
	}
	msgs, err := store.History(ctx, conv.ID, 0, 1000)
	require.NoError(t, err)
	require.NotEmpty(t, msgs)
	assert.Less(t, len(msgs), 100, "history trimmed to about history_max_len")
	assert.Equal(t, "199", msgs[len(msgs)-1].Text, "the newest message is kept")
}

func TestHashSecret(t *testing.T) {
	var out strings.Builder
	require.Equal(t, 0, run(context.Background(), []string{"hash-secret", "s3cret"}, func(string) string { return "" }, &out, io.Discard))
	assert.Regexp(t, `^sha256:[0-9a-f]{64}\n$`, out.String())
}
