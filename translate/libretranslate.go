package translate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// LibreTranslateConfig configures the "libretranslate" provider.
type LibreTranslateConfig struct {
	// URL is the server's base URL. Default: "http://127.0.0.1:5000".
	URL string
	// Key is the API key, for servers that require one. Default: none.
	Key string
	// HTTPClient sends the requests. Default: a client with a 30s timeout.
	HTTPClient *http.Client
}

// LibreTranslate translates through a LibreTranslate server.
type LibreTranslate struct {
	cfg    LibreTranslateConfig
	client *http.Client
}

// NewLibreTranslate returns a LibreTranslate provider.
func NewLibreTranslate(cfg LibreTranslateConfig) (*LibreTranslate, error) {
	if cfg.URL == "" {
		cfg.URL = "http://127.0.0.1:5000"
	}
	cfg.URL = strings.TrimRight(cfg.URL, "/")
	return &LibreTranslate{cfg: cfg, client: httpClientOr(cfg.HTTPClient, 30*time.Second)}, nil
}

// Name returns "libretranslate".
func (l *LibreTranslate) Name() string { return ProviderLibreTranslate }

// Translate translates one text.
func (l *LibreTranslate) Translate(ctx context.Context, text, from, to string) (string, error) {
	p, err := parsePair(from, to)
	if err != nil {
		return "", err
	}
	var resp struct {
		TranslatedText *string `json:"translatedText"`
	}
	if err := l.post(ctx, text, p, &resp); err != nil {
		return "", err
	}
	if resp.TranslatedText == nil {
		return "", fmt.Errorf("%w: libretranslate returned no translatedText", ErrBadResponse)
	}
	return cleanOutput(ProviderLibreTranslate, text, *resp.TranslatedText)
}

// TranslateBatch translates texts in one request (q as an array).
func (l *LibreTranslate) TranslateBatch(ctx context.Context, texts []string, from, to string) ([]string, error) {
	p, err := parsePair(from, to)
	if err != nil {
		return nil, err
	}
	var resp struct {
		TranslatedText []string `json:"translatedText"`
	}
	if err := l.post(ctx, texts, p, &resp); err != nil {
		return nil, err
	}
	if len(resp.TranslatedText) != len(texts) {
		return nil, errBadCount(ProviderLibreTranslate, len(resp.TranslatedText), len(texts))
	}
	out := make([]string, len(texts))
	for i, s := range resp.TranslatedText {
		if out[i], err = cleanOutput(ProviderLibreTranslate, texts[i], s); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// libreCode returns LibreTranslate's code for a language.
func libreCode(t pair, source bool) string {
	tag := t.to
	if source {
		tag = t.from
	}
	base := baseOf(tag)
	if base == "pt" && regionOf(tag) == "BR" {
		return "pt-BR"
	}
	return base
}

// post sends q (a string or a list) for p and decodes the answer into out.
func (l *LibreTranslate) post(ctx context.Context, q any, p pair, out any) error {
	body := map[string]any{
		"q":      q,
		"source": libreCode(p, true),
		"target": libreCode(p, false),
		"format": "text",
	}
	if l.cfg.Key != "" {
		body["api_key"] = l.cfg.Key
	}
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("translate: libretranslate: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.cfg.URL+"/translate", bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("translate: libretranslate: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	return doJSON(ctx, l.client, ProviderLibreTranslate, req, out, func(status int, msg string) error {
		m := strings.ToLower(msg)
		switch {
		case status == http.StatusTooManyRequests:
			return ErrQuota
		case status == http.StatusBadRequest && strings.Contains(m, "not supported"):
			return ErrUnsupportedPair
		}
		return nil
	})
}
