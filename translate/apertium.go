package translate

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/language"
)

// ApertiumConfig configures the "apertium" provider, a self-hosted Apertium
// APY server.
type ApertiumConfig struct {
	// URL is the APY base URL. Default: "http://127.0.0.1:2737".
	URL string
	// PairsTTL is how long the list of installed pairs is trusted before
	// /listPairs is asked again. Default: 10m.
	PairsTTL time.Duration
	// HTTPClient sends the requests. Default: a client with a 30s timeout.
	HTTPClient *http.Client
}

// apertiumCodes maps ISO 639-1 base languages to Apertium's ISO 639-3 codes.
var apertiumCodes = map[string]string{
	"af": "afr", "an": "arg", "ar": "ara", "ast": "ast", "be": "bel", "bg": "bul", "br": "bre",
	"ca": "cat", "cs": "ces", "cy": "cym", "da": "dan", "de": "deu", "el": "ell", "en": "eng",
	"eo": "epo", "es": "spa", "eu": "eus", "fr": "fra", "ga": "gle", "gl": "glg", "hi": "hin",
	"hr": "hbs", "bs": "hbs", "sr": "hbs", "id": "ind", "is": "isl", "it": "ita", "kk": "kaz",
	"mk": "mkd", "ms": "msa", "mt": "mlt", "nb": "nob", "nl": "nld", "nn": "nno", "no": "nob",
	"oc": "oci", "pl": "pol", "pt": "por", "ro": "ron", "ru": "rus", "sc": "srd", "se": "sme",
	"sk": "slk", "sl": "slv", "sq": "sqi", "sv": "swe", "tr": "tur", "tt": "tat", "uk": "ukr",
	"ur": "urd",
}

// Apertium translates through an Apertium APY server, one request per text.
// It is safe for concurrent use.
type Apertium struct {
	cfg    ApertiumConfig
	client *http.Client

	mu        sync.Mutex
	pairs     map[string]bool // "eng|spa"
	pairsAt   time.Time
	refreshMu sync.Mutex
}

// NewApertium returns an Apertium provider; it contacts the server only when
// translating.
func NewApertium(cfg ApertiumConfig) (*Apertium, error) {
	if cfg.URL == "" {
		cfg.URL = "http://127.0.0.1:2737"
	}
	if _, err := url.Parse(cfg.URL); err != nil {
		return nil, fmt.Errorf("translate: apertium URL: %w", err)
	}
	cfg.URL = strings.TrimRight(cfg.URL, "/")
	if cfg.PairsTTL <= 0 {
		cfg.PairsTTL = 10 * time.Minute
	}
	return &Apertium{cfg: cfg, client: httpClientOr(cfg.HTTPClient, 30*time.Second)}, nil
}

// Name returns "apertium".
func (a *Apertium) Name() string { return ProviderApertium }

// Translate translates text; pairs the server lacks fail with
// ErrUnsupportedPair without a translation request.
func (a *Apertium) Translate(ctx context.Context, text, from, to string) (string, error) {
	out, err := a.TranslateBatch(ctx, []string{text}, from, to)
	if err != nil {
		return "", err
	}
	return out[0], nil
}

// TranslateBatch translates texts one request each, since APY takes one
// text per request.
func (a *Apertium) TranslateBatch(ctx context.Context, texts []string, from, to string) ([]string, error) {
	p, err := parsePair(from, to)
	if err != nil {
		return nil, err
	}
	langpair, err := a.langpair(ctx, p)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(texts))
	for i, text := range texts {
		if out[i], err = a.translateOne(ctx, text, langpair); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Pairs returns the installed pairs as "src|dst" Apertium codes.
func (a *Apertium) Pairs(ctx context.Context) (map[string]bool, error) {
	a.mu.Lock()
	pairs, at := a.pairs, a.pairsAt
	a.mu.Unlock()
	if pairs != nil && time.Since(at) < a.cfg.PairsTTL {
		return pairs, nil
	}
	a.refreshMu.Lock()
	defer a.refreshMu.Unlock()
	a.mu.Lock()
	if a.pairs != nil && time.Since(a.pairsAt) < a.cfg.PairsTTL {
		pairs = a.pairs
		a.mu.Unlock()
		return pairs, nil
	}
	a.mu.Unlock()

	var resp struct {
		ResponseData []struct {
			SourceLanguage string `json:"sourceLanguage"`
			TargetLanguage string `json:"targetLanguage"`
		} `json:"responseData"`
		ResponseStatus int `json:"responseStatus"`
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.cfg.URL+"/listPairs", nil)
	if err != nil {
		return nil, fmt.Errorf("translate: apertium: %w", err)
	}
	if err := doJSON(ctx, a.client, ProviderApertium, req, &resp, nil); err != nil {
		if pairs != nil {
			return pairs, nil // keep serving the pairs we knew
		}
		return nil, err
	}
	fresh := make(map[string]bool, len(resp.ResponseData))
	for _, p := range resp.ResponseData {
		fresh[p.SourceLanguage+"|"+p.TargetLanguage] = true
	}
	a.mu.Lock()
	a.pairs, a.pairsAt = fresh, time.Now()
	a.mu.Unlock()
	return fresh, nil
}

// apertiumCandidates lists the Apertium codes for t, most specific first:
// "eng_US" then "eng" for en-US.
func apertiumCandidates(t language.Tag) []string {
	base := baseOf(t)
	code, ok := apertiumCodes[base]
	if !ok {
		code = base // some pairs use ISO 639-1 or codes we do not know
	}
	var out []string
	if r := regionOf(t); r != "" {
		out = append(out, code+"_"+r)
	}
	return append(out, code)
}

// langpair picks the installed pair for p or fails with ErrUnsupportedPair.
func (a *Apertium) langpair(ctx context.Context, p pair) (string, error) {
	pairs, err := a.Pairs(ctx)
	if err != nil {
		return "", err
	}
	for _, s := range apertiumCandidates(p.from) {
		for _, d := range apertiumCandidates(p.to) {
			if pairs[s+"|"+d] {
				return s + "|" + d, nil
			}
		}
	}
	return "", fmt.Errorf("%w: apertium has no %s pair installed", ErrUnsupportedPair, p)
}

// apertiumPostOver is the text size above which the text goes in a POST
// body rather than the URL.
const apertiumPostOver = 1500

// translateOne asks APY for one translation.
func (a *Apertium) translateOne(ctx context.Context, text, langpair string) (string, error) {
	if strings.TrimSpace(text) == "" {
		return text, nil
	}
	form := url.Values{"langpair": {langpair}, "q": {text}, "markUnknown": {"no"}}
	var req *http.Request
	var err error
	if len(text) > apertiumPostOver {
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, a.cfg.URL+"/translate", strings.NewReader(form.Encode()))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	} else {
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, a.cfg.URL+"/translate?"+form.Encode(), nil)
	}
	if err != nil {
		return "", fmt.Errorf("translate: apertium: %w", err)
	}
	var resp struct {
		ResponseData struct {
			TranslatedText *string `json:"translatedText"`
		} `json:"responseData"`
		ResponseDetails any `json:"responseDetails"`
		ResponseStatus  int `json:"responseStatus"`
	}
	err = doJSON(ctx, a.client, ProviderApertium, req, &resp, func(status int, msg string) error {
		if status == http.StatusBadRequest && strings.Contains(strings.ToLower(msg), "pair") {
			a.forgetPairs()
			return ErrUnsupportedPair
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	if resp.ResponseData.TranslatedText == nil {
		return "", fmt.Errorf("%w: apertium returned no translatedText (status %d)", ErrBadResponse, resp.ResponseStatus)
	}
	return cleanOutput(ProviderApertium, text, *resp.ResponseData.TranslatedText)
}

// forgetPairs makes the next call ask /listPairs again.
func (a *Apertium) forgetPairs() {
	a.mu.Lock()
	a.pairsAt = time.Time{}
	a.mu.Unlock()
}
