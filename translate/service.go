package translate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/singleflight"
	"golang.org/x/text/unicode/norm"
)

// provider is a Translator with a name for metrics, logs and cache keys.
type provider interface {
	Translator
	Name() string
}

// guarded is a provider with its circuit breaker.
type guarded struct {
	provider
	breaker *breaker
}

// service is the Translator New returns.
type service struct {
	cfg       Config
	providers []guarded
	cache     Cache
	log       *slog.Logger
	m         *metrics
	flight    singleflight.Group
	glossary  *regexp.Regexp // Config.Glossary compiled

	mu          sync.Mutex
	unsupported map[string]time.Time // provider + " " + pair -> until
	logged      map[string]bool      // unsupported pairs already logged
}

// New returns a Translator that sends text through cfg.Provider and then
// cfg.Fallbacks in order, masking protected spans, caching results in
// cache (nil: no cache), sharing identical requests in flight, guarding
// each provider with a circuit breaker and recording metrics on reg (nil:
// not registered). With Provider "" or "none" and no fallbacks every pair
// of different languages fails with ErrUnsupportedPair.
func New(cfg Config, cache Cache, logger *slog.Logger, reg prometheus.Registerer) (Translator, error) {
	cfg = cfg.withDefaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	m, err := newMetrics(reg)
	if err != nil {
		return nil, fmt.Errorf("translate: metrics: %w", err)
	}
	s := &service{
		cfg:         cfg,
		cache:       cache,
		log:         logger.With("component", "translate"),
		m:           m,
		unsupported: make(map[string]time.Time),
		logged:      make(map[string]bool),
		glossary:    glossaryRe(cfg.Glossary),
	}
	seen := map[string]bool{}
	for _, name := range append([]string{cfg.Provider}, cfg.Fallbacks...) {
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" || name == ProviderNone || seen[name] {
			continue
		}
		seen[name] = true
		p, err := newProvider(name, cfg)
		if err != nil {
			return nil, err
		}
		s.providers = append(s.providers, guarded{provider: p, breaker: newBreaker(cfg.BreakerFailures, cfg.BreakerCooldown, nil)})
	}
	return s, nil
}

// newProvider builds the named provider from cfg.
func newProvider(name string, cfg Config) (provider, error) {
	switch name {
	case ProviderGoogle:
		return NewGoogle(context.Background(), cfg.Google)
	case ProviderApertium:
		return NewApertium(cfg.Apertium)
	case ProviderDeepL:
		return NewDeepL(cfg.DeepL)
	case ProviderLibreTranslate:
		return NewLibreTranslate(cfg.LibreTranslate)
	}
	return nil, fmt.Errorf("translate: unknown provider %q (want none, google, apertium, deepl or libretranslate)", name)
}

// Translate translates text from -> to. It returns text unchanged when both
// have the same base language or text is blank, ErrInvalidTag for bad
// tags, ErrTooLong above Config.MaxChars, and otherwise the first
// provider's good translation; when none succeeds the error wraps the last
// failure (ErrUnsupportedPair when no provider knows the pair).
func (s *service) Translate(ctx context.Context, text, from, to string) (string, error) {
	p, err := parsePair(from, to)
	if err != nil {
		return "", err
	}
	if p.same() || strings.TrimSpace(text) == "" {
		return text, nil
	}
	if len(text) > s.cfg.MaxChars {
		return "", fmt.Errorf("%w: %d bytes, limit %d", ErrTooLong, len(text), s.cfg.MaxChars)
	}
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	text = norm.NFC.String(text)
	glossary := glossaryFrom(ctx, s.cfg.Glossary)
	if nothingToTranslate(text, s.glossaryRe(glossary)) {
		return text, nil
	}

	var errs []error
	allUnsupported := true
	for _, g := range s.providers {
		out, err := s.translateWith(ctx, g, p, text, glossary)
		if err == nil {
			return out, nil
		}
		if !errors.Is(err, ErrUnsupportedPair) {
			allUnsupported = false
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	if len(errs) == 0 || allUnsupported {
		return "", fmt.Errorf("%w: %s", ErrUnsupportedPair, p)
	}
	return "", errors.Join(errs...)
}

// translateWith answers from the cache or asks g, once for all identical
// requests in flight.
func (s *service) translateWith(ctx context.Context, g guarded, p pair, text string, glossary []string) (string, error) {
	name := g.Name()
	if s.isUnsupported(name, p) {
		return "", fmt.Errorf("%w: %s cannot translate %s", ErrUnsupportedPair, name, p)
	}
	key := cacheKey(name, p, text, glossary)
	if out, ok := s.cacheGet(ctx, key); ok {
		s.m.cache.WithLabelValues("hit").Inc()
		return out, nil
	}
	s.m.cache.WithLabelValues("miss").Inc()

	ch := s.flight.DoChan(key, func() (any, error) {
		// Detached from one caller's cancellation: others may be waiting.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.Timeout)
		defer cancel()
		if deadline, ok := ctx.Deadline(); ok {
			var cancel2 context.CancelFunc
			cctx, cancel2 = context.WithDeadline(cctx, deadline)
			defer cancel2()
		}
		out, err := s.call(cctx, g, p, text, glossary)
		if err != nil {
			return "", err
		}
		s.cacheSet(cctx, key, out)
		return out, nil
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return "", r.Err
		}
		return r.Val.(string), nil
	case <-ctx.Done():
		return "", fmt.Errorf("translate: %s: %w", name, ctx.Err())
	}
}

// call masks text, asks the provider through its breaker, and unmasks.
func (s *service) call(ctx context.Context, g guarded, p pair, text string, glossary []string) (string, error) {
	name := g.Name()
	masked, err := maskWith(text, s.glossaryRe(glossary))
	if err != nil {
		return "", fmt.Errorf("translate: masking: %w", err)
	}
	if !g.breaker.allow() {
		s.m.errors.WithLabelValues(name, "circuit_open").Inc()
		return "", fmt.Errorf("%w: %s", ErrCircuitOpen, name)
	}
	s.m.chars.WithLabelValues(name).Add(float64(utf8.RuneCountInString(masked.Text)))
	start := time.Now()
	out, err := g.Translate(ctx, masked.Text, p.from.String(), p.to.String())
	s.m.latency.WithLabelValues(name).Observe(time.Since(start).Seconds())
	if err == nil {
		out, err = masked.Unmask(out)
	}
	// Bad answers and unknown pairs come from a provider that works.
	healthy := err == nil || errors.Is(err, ErrUnsupportedPair) || errors.Is(err, ErrBadResponse) || errors.Is(err, ErrInvalidTag)
	before, after := g.breaker.done(healthy)
	if before != after {
		s.m.breakers.WithLabelValues(name).Set(float64(after))
		s.log.Warn("translation provider breaker changed", "provider", name, "from", before.String(), "to", after.String())
	}
	if err != nil {
		kind := errorKind(err)
		s.m.errors.WithLabelValues(name, kind).Inc()
		if kind == "unsupported" {
			s.markUnsupported(name, p)
		} else {
			s.log.Warn("translation failed", "provider", name, "pair", p.String(), "kind", kind, "err", err)
		}
		return "", err
	}
	return restoreEdges(text, out), nil
}

// glossaryRe returns the compiled glossary: the site's, compiled once, or
// a fresh one when WithGlossary added terms.
func (s *service) glossaryRe(glossary []string) *regexp.Regexp {
	if len(glossary) == len(s.cfg.Glossary) {
		return s.glossary
	}
	return glossaryRe(glossary)
}

// nothingToTranslate reports whether text has no letters outside its
// protected spans (a URL, an emoji, an order number alone).
func nothingToTranslate(text string, glossary *regexp.Regexp) bool {
	last := 0
	for _, sp := range scanSpans(text, glossary) {
		if countLetters(text[last:sp.start]) > 0 {
			return false
		}
		last = sp.end
	}
	return countLetters(text[last:]) == 0
}

// errorKind classifies err for the errors metric.
func errorKind(err error) string {
	switch {
	case errors.Is(err, ErrUnsupportedPair):
		return "unsupported"
	case errors.Is(err, ErrQuota):
		return "quota"
	case errors.Is(err, ErrBadResponse):
		return "bad_response"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return "other"
}

// restoreEdges gives out the leading and trailing white space of src, which
// some providers drop or add.
func restoreEdges(src, out string) string {
	if strings.TrimFunc(src, isSpace) == "" {
		return src
	}
	lead := src[:len(src)-len(strings.TrimLeftFunc(src, isSpace))]
	trail := src[len(strings.TrimRightFunc(src, isSpace)):]
	return lead + strings.TrimFunc(out, isSpace) + trail
}

// isSpace reports white space for restoreEdges.
func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }

// isUnsupported reports whether the provider recently rejected p.
func (s *service) isUnsupported(name string, p pair) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	until, ok := s.unsupported[name+" "+p.String()]
	if ok && time.Now().After(until) {
		delete(s.unsupported, name+" "+p.String())
		return false
	}
	return ok
}

// markUnsupported remembers that the provider rejected p, logging it once.
func (s *service) markUnsupported(name string, p pair) {
	k := name + " " + p.String()
	s.mu.Lock()
	known := s.logged[k]
	s.logged[k] = true
	s.unsupported[k] = time.Now().Add(s.cfg.UnsupportedTTL)
	s.mu.Unlock()
	if !known {
		s.log.Info("translation pair not supported by provider; messages keep their original", "provider", name, "pair", p.String())
	}
}

// cacheGet looks key up, treating every error as a miss.
func (s *service) cacheGet(ctx context.Context, key string) (string, bool) {
	if s.cache == nil {
		return "", false
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.CacheTimeout)
	defer cancel()
	v, err := s.cache.CacheGet(ctx, key)
	if err != nil {
		return "", false
	}
	return v, true
}

// cacheSet stores a translation, logging failures.
func (s *service) cacheSet(ctx context.Context, key, value string) {
	if s.cache == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.CacheTimeout)
	defer cancel()
	if err := s.cache.CacheSet(ctx, key, value, s.cfg.CacheTTL); err != nil {
		s.log.Warn("translation cache write failed", "err", err)
	}
}
