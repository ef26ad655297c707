package translate

import (
	"net/http"
	"time"
)

// Provider names accepted in Config.Provider and Config.Fallbacks.
const (
	// ProviderNone translates nothing.
	ProviderNone = "none"
	// ProviderGoogle is Google Cloud Translation v2.
	ProviderGoogle = "google"
	// ProviderApertium is a self-hosted Apertium APY server.
	ProviderApertium = "apertium"
	// ProviderDeepL is DeepL's API.
	ProviderDeepL = "deepl"
	// ProviderLibreTranslate is a LibreTranslate server.
	ProviderLibreTranslate = "libretranslate"
)

// Config configures New; every zero field takes the default it documents.
type Config struct {
	// Provider is the primary provider: "none", "google", "apertium",
	// "deepl" or "libretranslate". Default: "none" (no translation; every
	// pair reports ErrUnsupportedPair).
	Provider string
	// Fallbacks are further providers tried in order when the primary
	// fails or cannot translate a pair. Default: none.
	Fallbacks []string
	// Glossary lists do-not-translate terms (product and brand names)
	// protected in every message, matched ignoring case on word
	// boundaries. WithGlossary adds terms for one call. Default: none.
	Glossary []string

	// Google configures the "google" provider.
	Google GoogleConfig
	// Apertium configures the "apertium" provider.
	Apertium ApertiumConfig
	// DeepL configures the "deepl" provider.
	DeepL DeepLConfig
	// LibreTranslate configures the "libretranslate" provider.
	LibreTranslate LibreTranslateConfig

	// Timeout bounds one provider call; the caller's context deadline
	// applies too. Default: 10s.
	Timeout time.Duration
	// CacheTTL is how long a translation stays in the Cache. Default: 7
	// days.
	CacheTTL time.Duration
	// CacheTimeout bounds one Cache operation, so a slow store does not
	// delay translation. Default: 500ms.
	CacheTimeout time.Duration
	// MaxChars is the longest text, in bytes, that is sent to a provider;
	// longer texts fail with ErrTooLong. Default: 32768.
	MaxChars int
	// BreakerFailures is how many consecutive failures open a provider's
	// circuit breaker. Default: 5.
	BreakerFailures int
	// BreakerCooldown is how long an open breaker rejects calls before it
	// lets one probe through. Default: 30s.
	BreakerCooldown time.Duration
	// UnsupportedTTL is how long a pair a provider rejected is skipped
	// without asking it again. Default: 1h.
	UnsupportedTTL time.Duration
}

// withDefaults returns c with its zero fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.Provider == "" {
		c.Provider = ProviderNone
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.CacheTTL <= 0 {
		c.CacheTTL = 7 * 24 * time.Hour
	}
	if c.CacheTimeout <= 0 {
		c.CacheTimeout = 500 * time.Millisecond
	}
	if c.MaxChars <= 0 {
		c.MaxChars = 32 << 10
	}
	if c.BreakerFailures <= 0 {
		c.BreakerFailures = 5
	}
	if c.BreakerCooldown <= 0 {
		c.BreakerCooldown = 30 * time.Second
	}
	if c.UnsupportedTTL <= 0 {
		c.UnsupportedTTL = time.Hour
	}
	return c
}

// httpClientOr returns c, or a client with timeout when c is nil.
func httpClientOr(c *http.Client, timeout time.Duration) *http.Client {
	if c != nil {
		return c
	}
	return &http.Client{Timeout: timeout}
}
