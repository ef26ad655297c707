package translate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"golang.org/x/text/language"
)

// DeepL API base URLs.
const (
	// DeepLFreeURL is the base URL of DeepL's free API.
	DeepLFreeURL = "https://api-free.deepl.com"
	// DeepLProURL is the base URL of DeepL's paid API.
	DeepLProURL = "https://api.deepl.com"
)

// DeepLConfig configures the "deepl" provider.
type DeepLConfig struct {
	// Key is the DeepL authentication key. Required for this provider.
	Key string
	// URL is the API base URL. Default: DeepLFreeURL for keys ending in
	// ":fx", DeepLProURL otherwise.
	URL string
	// HTTPClient sends the requests. Default: a client with a 30s timeout.
	HTTPClient *http.Client
}

// deeplMaxSegments is the most texts DeepL takes in one request.
const deeplMaxSegments = 50

// deeplLanguages are DeepL's source languages (ISO 639-1).
var deeplLanguages = map[string]bool{
	"ar": true, "bg": true, "cs": true, "da": true, "de": true, "el": true, "en": true, "es": true,
	"et": true, "fi": true, "fr": true, "hu": true, "id": true, "it": true, "ja": true, "ko": true,
	"lt": true, "lv": true, "nb": true, "nl": true, "pl": true, "pt": true, "ro": true, "ru": true,
	"sk": true, "sl": true, "sv": true, "tr": true, "uk": true, "zh": true,
}

// DeepL translates through DeepL's API.
type DeepL struct {
	cfg    DeepLConfig
	client *http.Client
}

// NewDeepL returns a DeepL provider.
func NewDeepL(cfg DeepLConfig) (*DeepL, error) {
	if cfg.Key == "" {
		return nil, fmt.Errorf("translate: deepl: an authentication key is required")
	}
	if cfg.URL == "" {
		cfg.URL = DeepLProURL
		if strings.HasSuffix(cfg.Key, ":fx") {
			cfg.URL = DeepLFreeURL
		}
	}
	cfg.URL = strings.TrimRight(cfg.URL, "/")
	return &DeepL{cfg: cfg, client: httpClientOr(cfg.HTTPClient, 30*time.Second)}, nil
}

// Name returns "deepl".
func (d *DeepL) Name() string { return ProviderDeepL }

// Translate translates one text.
func (d *DeepL) Translate(ctx context.Context, text, from, to string) (string, error) {
	out, err := d.TranslateBatch(ctx, []string{text}, from, to)
	if err != nil {
		return "", err
	}
	return out[0], nil
}

// deeplTarget returns DeepL's target code for t: English and Portuguese
// need a variant.
func deeplTarget(t language.Tag) string {
	base, region := baseOf(t), regionOf(t)
	switch base {
	case "en":
		if region == "GB" {
			return "EN-GB"
		}
		return "EN-US"
	case "pt":
		if region == "BR" {
			return "PT-BR"
		}
		return "PT-PT"
	}
	return strings.ToUpper(base)
}

// TranslateBatch translates texts in requests of at most 50.
func (d *DeepL) TranslateBatch(ctx context.Context, texts []string, from, to string) ([]string, error) {
	p, err := parsePair(from, to)
	if err != nil {
		return nil, err
	}
	if !deeplLanguages[baseOf(p.from)] || !deeplLanguages[baseOf(p.to)] {
		return nil, fmt.Errorf("%w: deepl does not translate %s", ErrUnsupportedPair, p)
	}
	out := make([]string, 0, len(texts))
	for start := 0; start < len(texts); start += deeplMaxSegments {
		chunk := texts[start:min(start+deeplMaxSegments, len(texts))]
		body, err := json.Marshal(map[string]any{
			"text":        chunk,
			"source_lang": strings.ToUpper(baseOf(p.from)),
			"target_lang": deeplTarget(p.to),
		})
		if err != nil {
			return nil, fmt.Errorf("translate: deepl: %w", err)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.cfg.URL+"/v2/translate", bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("translate: deepl: %w", err)
		}
		req.Header.Set("Authorization", "DeepL-Auth-Key "+d.cfg.Key)
		req.Header.Set("Content-Type", "application/json")
		var resp struct {
			Translations []struct {
				Text string `json:"text"`
			} `json:"translations"`
		}
		if err := doJSON(ctx, d.client, ProviderDeepL, req, &resp, deeplClassify); err != nil {
			return nil, err
		}
		if len(resp.Translations) != len(chunk) {
			return nil, errBadCount(ProviderDeepL, len(resp.Translations), len(chunk))
		}
		for i, tr := range resp.Translations {
			s, err := cleanOutput(ProviderDeepL, chunk[i], tr.Text)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
	}
	return out, nil
}

// deeplClassify maps DeepL's error statuses: 429 too many requests and 456
// quota exceeded are quota refusals; a 400 about a language is an
// unsupported pair.
func deeplClassify(status int, msg string) error {
	switch {
	case status == http.StatusTooManyRequests || status == 456:
		return ErrQuota
	case status == http.StatusBadRequest && strings.Contains(strings.ToLower(msg), "lang"):
		return ErrUnsupportedPair
	}
	return nil
}
