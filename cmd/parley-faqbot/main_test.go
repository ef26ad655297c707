package main

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseFlagsDefaultsAndEnvironment(t *testing.T) {
	cfg, verbose, err := parseFlags(nil, func(string) string { return "" }, io.Discard)
	require.NoError(t, err)
	assert.False(t, verbose)
	assert.Equal(t, Config{URL: "ws://127.0.0.1:8080", Site: "demo", Bot: "faqbot", Secret: "demo"}, cfg)

	env := map[string]string{"PARLEY_FAQBOT_URL": "wss://chat.example", "PARLEY_FAQBOT_SECRET": "s3cret"}
	cfg, _, err = parseFlags([]string{"-site", "shop"}, func(k string) string { return env[k] }, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, "wss://chat.example", cfg.URL)
	assert.Equal(t, "s3cret", cfg.Secret)
	assert.Equal(t, "shop", cfg.Site)

	cfg, _, err = parseFlags([]string{"-url", "http://127.0.0.1:9000", "-secret", "flag"}, func(k string) string { return env[k] }, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:9000", cfg.URL, "flags win over the environment")
	assert.Equal(t, "flag", cfg.Secret)
}

func TestParseFlagsFAQFileAndErrors(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "faq.json")
	require.NoError(t, os.WriteFile(good, []byte(`[{"keywords":["gift card"],"answer":"Gift cards never expire."}]`), 0o600))
	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`[{"keywords":[],"answer":"x"}]`), 0o600))
	none := func(string) string { return "" }

	cfg, _, err := parseFlags([]string{"-faq", good}, none, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, FAQ{{Keywords: []string{"gift card"}, Answer: "Gift cards never expire."}}, cfg.FAQ)

	for _, args := range [][]string{{"-faq", bad}, {"-faq", filepath.Join(dir, "missing.json")}, {"-url", "ftp://x"}, {"-url", "ws://"}, {"extra"}, {"-nope"}} {
		_, _, err := parseFlags(args, none, io.Discard)
		assert.Error(t, err, "%v", args)
	}
}
