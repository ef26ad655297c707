package translate

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"strings"
)

// maxResponseBytes bounds how much of a provider's response is read.
const maxResponseBytes = 4 << 20

// statusError is a non-2xx answer from a provider's HTTP API.
type statusError struct {
	Provider string
	Status   int
	Message  string
	// kind is ErrQuota, ErrUnsupportedPair or nil.
	kind error
}

// Error implements error.
func (e *statusError) Error() string {
	return fmt.Sprintf("translate: %s: HTTP %d: %s", e.Provider, e.Status, e.Message)
}

// Unwrap lets errors.Is match ErrQuota or ErrUnsupportedPair.
func (e *statusError) Unwrap() error { return e.kind }

// doJSON sends req and decodes a 2xx JSON answer into out. Other answers
// become a *statusError whose message classify inspects.
func doJSON(ctx context.Context, client *http.Client, provider string, req *http.Request, out any, classify func(status int, msg string) error) error {
	resp, err := client.Do(req.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("translate: %s: %w", provider, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return fmt.Errorf("translate: %s: reading response: %w", provider, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		msg := errorMessage(body)
		se := &statusError{Provider: provider, Status: resp.StatusCode, Message: msg}
		if classify != nil {
			se.kind = classify(resp.StatusCode, msg)
		}
		return se
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("%w: %s: decoding response: %w", ErrBadResponse, provider, err)
	}
	return nil
}

// errorMessage extracts a short message from an error body of any of the
// providers' shapes.
func errorMessage(body []byte) string {
	var shapes struct {
		Message string `json:"message"`
		Error   any    `json:"error"`
	}
	if json.Unmarshal(body, &shapes) == nil {
		switch e := shapes.Error.(type) {
		case string:
			return e
		case map[string]any:
			if m, ok := e["message"].(string); ok {
				return m
			}
		}
		if shapes.Message != "" {
			return shapes.Message
		}
	}
	s := strings.TrimSpace(string(body))
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// cleanOutput checks and tidies one translated segment of src: it rejects
// empty answers and HTML pages and unescapes HTML entities the provider
// added (only when src had none of its own).
func cleanOutput(provider, src, out string) (string, error) {
	if strings.TrimSpace(out) == "" && strings.TrimSpace(src) != "" {
		return "", fmt.Errorf("%w: %s returned an empty translation", ErrBadResponse, provider)
	}
	lower := strings.ToLower(strings.TrimSpace(out))
	if strings.HasPrefix(lower, "<!doctype") || strings.HasPrefix(lower, "<html") {
		return "", fmt.Errorf("%w: %s returned an HTML page", ErrBadResponse, provider)
	}
	if strings.Contains(out, "&") && !strings.Contains(src, "&") {
		out = html.UnescapeString(out)
	}
	if strings.ContainsRune(out, '\uFFFD') && !strings.ContainsRune(src, '\uFFFD') {
		return "", fmt.Errorf("%w: %s returned invalid text", ErrBadResponse, provider)
	}
	return out, nil
}

// errBadCount reports a response with a different number of segments.
func errBadCount(provider string, got, want int) error {
	return fmt.Errorf("%w: %s returned %d segments for %d", ErrBadResponse, provider, got, want)
}
