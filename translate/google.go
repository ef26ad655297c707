package translate

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	gtranslate "cloud.google.com/go/translate"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
)

// GoogleConfig configures the "google" provider, Google Cloud Translation
// v2 (Basic).
type GoogleConfig struct {
	// APIKey authenticates with an API key. Default: none, in which case
	// CredentialsFile or the application default credentials are used.
	APIKey string
	// CredentialsFile is a service account JSON key file. Default: none
	// (application default credentials when APIKey is empty too).
	CredentialsFile string
	// Endpoint overrides the API base URL, ending in "/language/translate/".
	// Default: Google's production endpoint.
	Endpoint string
	// Model is "nmt" or "base". Default: the API's default.
	Model string
	// HTTPClient sends the requests, which bypasses APIKey and
	// CredentialsFile. Default: one built from the credentials.
	HTTPClient *http.Client
}

// googleMaxSegments is the most texts Translation v2 takes in one request.
const googleMaxSegments = 128

// Google translates through Google Cloud Translation v2 with text format.
type Google struct {
	client *gtranslate.Client
	model  string
}

// NewGoogle returns a Google provider. opts are passed to the client after
// those derived from cfg (tests add option.WithoutAuthentication).
func NewGoogle(ctx context.Context, cfg GoogleConfig, opts ...option.ClientOption) (*Google, error) {
	var o []option.ClientOption
	switch {
	case cfg.HTTPClient != nil:
		o = append(o, option.WithHTTPClient(cfg.HTTPClient))
	case cfg.APIKey != "":
		o = append(o, option.WithAPIKey(cfg.APIKey))
	case cfg.CredentialsFile != "":
		o = append(o, option.WithAuthCredentialsFile(option.ServiceAccount, cfg.CredentialsFile))
	}
	if cfg.Endpoint != "" {
		ep := cfg.Endpoint
		if !strings.HasSuffix(ep, "/") {
			ep += "/"
		}
		o = append(o, option.WithEndpoint(ep))
	}
	c, err := gtranslate.NewClient(ctx, append(o, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("translate: google client: %w", err)
	}
	return &Google{client: c, model: cfg.Model}, nil
}

// Name returns "google".
func (g *Google) Name() string { return ProviderGoogle }

// Translate translates one text.
func (g *Google) Translate(ctx context.Context, text, from, to string) (string, error) {
	out, err := g.TranslateBatch(ctx, []string{text}, from, to)
	if err != nil {
		return "", err
	}
	return out[0], nil
}

// googleMaxQueryBytes bounds the URL-encoded text of one request: the
// client library sends every text in the URL of a GET request, which
// Google refuses (413, or 400 with a truncated text) past a few kilobytes.
const googleMaxQueryBytes = 4000

// TranslateBatch translates texts in requests of at most 128 segments and
// googleMaxQueryBytes of encoded text; longer texts are split at line,
// sentence or word boundaries and their pieces joined again.
func (g *Google) TranslateBatch(ctx context.Context, texts []string, from, to string) ([]string, error) {
	p, err := parsePair(from, to)
	if err != nil {
		return nil, err
	}
	type segment struct {
		owner int
		text  string
	}
	var segs []segment
	for i, t := range texts {
		for _, piece := range splitEncoded(t, googleMaxQueryBytes) {
			segs = append(segs, segment{owner: i, text: piece})
		}
	}
	outs := make([]strings.Builder, len(texts))
	for start := 0; start < len(segs); {
		end, size := start, 0
		for end < len(segs) && end-start < googleMaxSegments {
			n := encodedLen(segs[end].text)
			if end > start && size+n > googleMaxQueryBytes {
				break
			}
			size += n
			end++
		}
		chunk := make([]string, 0, end-start)
		for _, sg := range segs[start:end] {
			chunk = append(chunk, sg.text)
		}
		res, err := g.translateChunk(ctx, chunk, p)
		if err != nil {
			return nil, err
		}
		for i, sg := range segs[start:end] {
			outs[sg.owner].WriteString(res[i])
		}
		start = end
	}
	out := make([]string, len(texts))
	for i := range outs {
		out[i] = outs[i].String()
	}
	return out, nil
}

// translateChunk sends one request and checks its answer.
func (g *Google) translateChunk(ctx context.Context, chunk []string, p pair) ([]string, error) {
	res, err := g.client.Translate(ctx, chunk, p.to, &gtranslate.Options{
		Source: p.from,
		Format: gtranslate.Text,
		Model:  g.model,
	})
	if err != nil {
		return nil, googleError(err)
	}
	if len(res) != len(chunk) {
		return nil, errBadCount(ProviderGoogle, len(res), len(chunk))
	}
	out := make([]string, len(res))
	for i, r := range res {
		s, err := cleanOutput(ProviderGoogle, chunk[i], r.Text)
		if err != nil {
			return nil, err
		}
		// Pieces of a split text keep the white space that joins them.
		out[i] = restoreEdges(chunk[i], s)
	}
	return out, nil
}

// encodedLen is the length of s as a URL query value.
func encodedLen(s string) int { return len(url.QueryEscape(s)) }

// splitEncoded splits text into pieces whose URL encoding fits in limit
// bytes, preferring to cut after a line break, then after a sentence, then
// after a space; each piece keeps its trailing white space, so joining the
// pieces gives text back.
func splitEncoded(text string, limit int) []string {
	var pieces []string
	for encodedLen(text) > limit {
		// The longest prefix that fits, in bytes on rune boundaries.
		fit, size := 0, 0
		for i, r := range text {
			n := encodedLen(string(r))
			if size+n > limit {
				break
			}
			size += n
			fit = i + utf8.RuneLen(r)
		}
		if fit == 0 {
			break // cannot happen with limit >= 12; keep the rest whole
		}
		cut := fit
		for _, sep := range []string{"\n", ". ", "! ", "? ", " "} {
			if i := strings.LastIndex(text[:fit], sep); i > 0 {
				cut = i + len(sep)
				break
			}
		}
		pieces = append(pieces, text[:cut])
		text = text[cut:]
	}
	return append(pieces, text)
}

// googleQuotaReasons are the error reasons Google uses for quota refusals.
var googleQuotaReasons = map[string]bool{
	"dailyLimitExceeded": true, "userRateLimitExceeded": true, "rateLimitExceeded": true,
	"quotaExceeded": true, "characterLimitExceeded": true, "limitExceeded": true,
}

// googleError classifies an error of the Google client.
func googleError(err error) error {
	var ge *googleapi.Error
	if !errors.As(err, &ge) {
		return fmt.Errorf("translate: google: %w", err)
	}
	kind := error(nil)
	msg := strings.ToLower(ge.Message)
	switch {
	case ge.Code == http.StatusTooManyRequests:
		kind = ErrQuota
	case ge.Code == http.StatusForbidden:
		for _, e := range ge.Errors {
			if googleQuotaReasons[e.Reason] {
				kind = ErrQuota
			}
		}
		if strings.Contains(msg, "limit") || strings.Contains(msg, "quota") {
			kind = ErrQuota
		}
	case ge.Code == http.StatusBadRequest && (strings.Contains(msg, "language pair") || strings.Contains(msg, "invalid value") && strings.Contains(msg, "language")):
		kind = ErrUnsupportedPair
	}
	se := &statusError{Provider: ProviderGoogle, Status: ge.Code, Message: ge.Message, kind: kind}
	return fmt.Errorf("%w (%w)", se, err)
}
