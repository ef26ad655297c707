package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/translate"
	"github.com/parley-chat/parley/translate/translatetest"
)

// envOf returns a getenv over m.
func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestTranslateConfigFromEnv(t *testing.T) {
	c, err := translateConfigFromEnv(envOf(map[string]string{
		"PARLEY_TRANSLATOR":           "Google",
		"PARLEY_TRANSLATOR_FALLBACKS": "apertium, deepl",
		"PARLEY_APERTIUM_URL":         "http://127.0.0.1:2737",
		"PARLEY_GOOGLE_API_KEY":       "gk",
		"PARLEY_GOOGLE_ENDPOINT":      "http://127.0.0.1:9/language/translate/",
		"PARLEY_DEEPL_KEY":            "dk:fx",
		"PARLEY_DEEPL_URL":            "http://127.0.0.1:9",
		"PARLEY_LIBRETRANSLATE_URL":   "http://127.0.0.1:5000",
		"PARLEY_LIBRETRANSLATE_KEY":   "lk",
	}))
	require.NoError(t, err)
	assert.Equal(t, "google", c.Provider)
	assert.Equal(t, []string{"apertium", "deepl"}, c.Fallbacks)
	assert.Equal(t, "http://127.0.0.1:2737", c.Apertium.URL)
	assert.Equal(t, "gk", c.Google.APIKey)
	assert.Equal(t, "http://127.0.0.1:9/language/translate/", c.Google.Endpoint)
	assert.Equal(t, "dk:fx", c.DeepL.Key)
	assert.Equal(t, "http://127.0.0.1:9", c.DeepL.URL)
	assert.Equal(t, "http://127.0.0.1:5000", c.LibreTranslate.URL)
	assert.Equal(t, "lk", c.LibreTranslate.Key)

	c, err = translateConfigFromEnv(envOf(nil))
	require.NoError(t, err)
	assert.Equal(t, "", c.Provider)

	for _, bad := range []map[string]string{
		{"PARLEY_TRANSLATOR": "babelfish"},
		{"PARLEY_TRANSLATOR": "apertium", "PARLEY_TRANSLATOR_FALLBACKS": "google,nope"},
		{"PARLEY_TRANSLATOR": "deepl"},
	} {
		_, err := translateConfigFromEnv(envOf(bad))
		require.Error(t, err, "%v", bad)
	}
}

func TestDetectorConfigFromEnv(t *testing.T) {
	c, err := detectorConfigFromEnv(envOf(map[string]string{"PARLEY_LANGUAGES": "en, es,pt-BR", "PARLEY_DETECTOR_ACCURACY": "LOW"}))
	require.NoError(t, err)
	assert.Equal(t, []string{"en", "es", "pt-BR"}, c.Languages)
	assert.Equal(t, translate.AccuracyLow, c.Accuracy)

	_, err = detectorConfigFromEnv(envOf(map[string]string{"PARLEY_LANGUAGES": "en,not a tag"}))
	require.Error(t, err)
	_, err = detectorConfigFromEnv(envOf(map[string]string{"PARLEY_DETECTOR_ACCURACY": "medium"}))
	require.Error(t, err)
}

func TestRunDetect(t *testing.T) {
	env := envOf(map[string]string{"PARLEY_LANGUAGES": "en,es,de,fr", "PARLEY_DETECTOR_ACCURACY": "low"})
	var out, errOut bytes.Buffer
	code := runDetect(context.Background(), []string{"dónde", "está", "mi", "pedido"}, env, &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	fields := strings.Fields(out.String())
	require.Len(t, fields, 2)
	assert.Equal(t, "es", fields[0])

	out.Reset()
	code = runDetect(context.Background(), []string{"👍", "https://example.com"}, env, &out, &errOut)
	require.Equal(t, 0, code)
	assert.Equal(t, "und", strings.Fields(out.String())[0])

	assert.Equal(t, 2, runDetect(context.Background(), nil, env, &out, &errOut))
	assert.Equal(t, 2, runDetect(context.Background(), nil, func(string) string { return "" }, &out, &errOut))
}

func TestRunTranslate(t *testing.T) {
	fake := translatetest.NewLibreTranslate(t, "")
	env := envOf(map[string]string{
		"PARLEY_TRANSLATOR":         "libretranslate",
		"PARLEY_LIBRETRANSLATE_URL": fake.URL,
		"PARLEY_LANGUAGES":          "en,es,de",
	})
	ctx := context.Background()
	var out, errOut bytes.Buffer
	code := runTranslate(ctx, []string{"--to", "es", "--from", "en", "hello,", "my", "order", "#A-12345", "is", "late"}, env, &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	assert.Equal(t, "hola, mi pedido #A-12345 es tarde", strings.SplitN(out.String(), "\n", 2)[0])

	out.Reset()
	code = runTranslate(ctx, []string{"--to", "es", "thanks for the order, my friend"}, env, &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	assert.Equal(t, "gracias para el pedido, mi friend", strings.SplitN(out.String(), "\n", 2)[0])
	assert.Equal(t, "en", fake.Requests()[1].Source, "source detected")

	assert.Equal(t, 2, runTranslate(ctx, []string{"hello"}, env, &out, &errOut), "--to is required")
	assert.Equal(t, 2, runTranslate(ctx, []string{"--to", "x!", "--from", "en", "hello"}, env, &out, &errOut))

	none := envOf(map[string]string{"PARLEY_TRANSLATOR": "none"})
	errOut.Reset()
	assert.Equal(t, 1, runTranslate(ctx, []string{"--to", "es", "--from", "en", "hello"}, none, &out, &errOut))
	assert.Contains(t, errOut.String(), "unsupported language pair")
}

func TestRunTranslateApertium(t *testing.T) {
	url := translatetest.StartAPY(t)
	env := envOf(map[string]string{"PARLEY_TRANSLATOR": "apertium", "PARLEY_APERTIUM_URL": url})
	var out, errOut bytes.Buffer
	code := runTranslate(context.Background(), []string{"--from", "en", "--to", "es", "The house is big"}, env, &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	assert.Equal(t, "La casa es grande\n", out.String())
}
