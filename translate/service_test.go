package translate

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/session"
	"github.com/parley-chat/parley/translate/translatetest"
)

// session.Store is the Cache the gateway passes in.
var _ Cache = session.Store(nil)

// pipeline builds a Translator on a Google fake (primary) and a DeepL fake
// (fallback), with a memory session store as cache.
type pipeline struct {
	tr     Translator
	google *translatetest.Server
	deepl  *translatetest.Server
	cache  *countingCache
	reg    *prometheus.Registry
}

func newPipeline(t *testing.T, mod func(*Config)) *pipeline {
	t.Helper()
	p := &pipeline{
		google: translatetest.NewGoogle(t, "gkey"),
		deepl:  translatetest.NewDeepL(t, "dkey"),
		cache:  &countingCache{Cache: session.NewMemory(session.MemoryConfig{})},
		reg:    prometheus.NewRegistry(),
	}
	cfg := Config{
		Provider:        ProviderGoogle,
		Google:          GoogleConfig{APIKey: "gkey", Endpoint: p.google.URL + "/language/translate/"},
		DeepL:           DeepLConfig{Key: "dkey", URL: p.deepl.URL},
		Timeout:         5 * time.Second,
		BreakerFailures: 3,
		BreakerCooldown: time.Hour,
	}
	if mod != nil {
		mod(&cfg)
	}
	tr, err := New(cfg, p.cache, testLogger(t), p.reg)
	require.NoError(t, err)
	p.tr = tr
	return p
}

// countingCache counts lookups and can hold them at a barrier.
type countingCache struct {
	Cache
	gets    atomic.Int64
	barrier chan struct{} // when set, CacheGet waits for it to close
}

func (c *countingCache) CacheGet(ctx context.Context, key string) (string, error) {
	c.gets.Add(1)
	if c.barrier != nil {
		select {
		case <-c.barrier:
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	return c.Cache.CacheGet(ctx, key)
}

func TestNoneProvider(t *testing.T) {
	for _, name := range []string{"", ProviderNone} {
		tr, err := New(Config{Provider: name}, nil, nil, nil)
		require.NoError(t, err)
		_, err = tr.Translate(context.Background(), "hello", "en", "es")
		require.ErrorIs(t, err, ErrUnsupportedPair)
		out, err := tr.Translate(context.Background(), "hello", "en-GB", "en-US")
		require.NoError(t, err)
		assert.Equal(t, "hello", out)
	}
	_, err := New(Config{Provider: "babelfish"}, nil, nil, nil)
	require.Error(t, err)
}

func TestTranslateSameLanguageAndBlank(t *testing.T) {
	p := newPipeline(t, nil)
	ctx := context.Background()
	for _, c := range [][3]string{{"hello", "en", "en"}, {"olá", "pt-BR", "pt-PT"}, {"  ", "en", "es"}, {"", "en", "es"}} {
		out, err := p.tr.Translate(ctx, c[0], c[1], c[2])
		require.NoError(t, err)
		assert.Equal(t, c[0], out)
	}
	assert.Empty(t, p.google.Requests())
}

func TestTranslateInvalidInput(t *testing.T) {
	p := newPipeline(t, func(c *Config) { c.MaxChars = 100 })
	ctx := context.Background()
	_, err := p.tr.Translate(ctx, "hello", "english!", "es")
	require.ErrorIs(t, err, ErrInvalidTag)
	_, err = p.tr.Translate(ctx, "hello", "en", "")
	require.ErrorIs(t, err, ErrInvalidTag)
	_, err = p.tr.Translate(ctx, strings.Repeat("a", 101), "en", "es")
	require.ErrorIs(t, err, ErrTooLong)
	assert.Empty(t, p.google.Requests())
}

func TestTranslateCachesByNormalisedText(t *testing.T) {
	p := newPipeline(t, nil)
	ctx := context.Background()
	composed, decomposed := "hello caf\u00e9", "hello cafe\u0301"
	out, err := p.tr.Translate(ctx, composed, "en", "es")
	require.NoError(t, err)
	assert.Equal(t, "hola café", out)
	out, err = p.tr.Translate(ctx, decomposed, "en", "es")
	require.NoError(t, err)
	assert.Equal(t, "hola café", out)
	assert.Len(t, p.google.Requests(), 1, "the second call is a cache hit")

	_, err = p.tr.Translate(ctx, composed, "en", "it")
	require.NoError(t, err)
	assert.Len(t, p.google.Requests(), 2, "another target is another key")

	assert.Equal(t, 1.0, counterValue(t, p.reg2(t, "hit")))
	assert.Equal(t, 2.0, counterValue(t, p.reg2(t, "miss")))
}

// reg2 returns the cache counter for result from the pipeline's metrics.
func (p *pipeline) reg2(t *testing.T, result string) prometheus.Collector {
	t.Helper()
	return p.tr.(*service).m.cache.WithLabelValues(result)
}

func TestTranslateSingleFlight(t *testing.T) {
	p := newPipeline(t, nil)
	release := make(chan struct{})
	p.google.SetTranslate(func(text, s, d string) string {
		<-release
		return translatetest.Translate(text, s, d)
	})
	p.cache.barrier = make(chan struct{})
	const callers = 10
	var wg sync.WaitGroup
	results := make([]string, callers)
	errs := make([]error, callers)
	for i := range callers {
		wg.Go(func() {
			results[i], errs[i] = p.tr.Translate(context.Background(), "thanks for the order", "en", "es")
		})
	}
	waitFor(t, func() bool { return p.cache.gets.Load() == callers })
	close(p.cache.barrier)
	waitFor(t, func() bool { return len(p.google.Requests()) == 1 })
	time.Sleep(100 * time.Millisecond) // let every caller join the flight
	close(release)
	wg.Wait()
	for i := range callers {
		require.NoError(t, errs[i])
		assert.Equal(t, "gracias para el pedido", results[i])
	}
	assert.Len(t, p.google.Requests(), 1)
}

// counterValue reads a counter or gauge.
func counterValue(t *testing.T, c prometheus.Collector) float64 {
	t.Helper()
	ch := make(chan prometheus.Metric, 1)
	c.Collect(ch)
	var m dto.Metric
	require.NoError(t, (<-ch).Write(&m))
	if m.Counter != nil {
		return m.Counter.GetValue()
	}
	return m.Gauge.GetValue()
}

// waitFor polls cond for up to 10 seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for range 1000 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("condition not met within 10s")
}

func TestTranslateFallbackAndBreaker(t *testing.T) {
	p := newPipeline(t, func(c *Config) {
		c.Fallbacks = []string{ProviderDeepL}
		c.BreakerCooldown = 200 * time.Millisecond
	})
	ctx := context.Background()
	p.google.FailWith(http.StatusInternalServerError, `{"error":{"code":500,"message":"backend error","errors":[{"reason":"backendError"}]}}`)

	texts := []string{"hello 1", "hello 2", "hello 3", "hello 4", "hello 5"}
	for _, text := range texts {
		out, err := p.tr.Translate(ctx, text, "en", "es")
		require.NoError(t, err)
		assert.Equal(t, strings.Replace(text, "hello", "hola", 1), out)
	}
	assert.Len(t, p.google.Requests(), 3, "the breaker opens after 3 failures")
	assert.Len(t, p.deepl.Requests(), 5)
	s := p.tr.(*service)
	assert.Equal(t, breakerOpen, s.providers[0].breaker.current())
	assert.Equal(t, 2.0, counterValue(t, s.m.errors.WithLabelValues(ProviderGoogle, "circuit_open")))

	// After the cool-down one probe goes through; its success closes it.
	p.google.FailWith(0, "")
	waitFor(t, func() bool {
		_, err := p.tr.Translate(ctx, "hello "+time.Now().String(), "en", "es")
		require.NoError(t, err)
		return len(p.google.Requests()) == 4
	})
	assert.Equal(t, breakerClosed, s.providers[0].breaker.current())
}

func TestTranslateUnsupportedPairAskedOnce(t *testing.T) {
	p := newPipeline(t, func(c *Config) { c.Fallbacks = []string{ProviderDeepL} })
	ctx := context.Background()
	p.google.Unsupported("sl")
	p.deepl.Unsupported("SL")
	for _, text := range []string{"hello", "thanks", "the order"} {
		_, err := p.tr.Translate(ctx, text, "en", "sl")
		require.ErrorIs(t, err, ErrUnsupportedPair)
	}
	assert.Len(t, p.google.Requests(), 1)
	assert.Len(t, p.deepl.Requests(), 1)

	// Croatian: DeepL knows it does not translate it, Google does.
	out, err := p.tr.Translate(ctx, "hello", "en", "hr")
	require.NoError(t, err)
	assert.Equal(t, "hola", out)
}

func TestTranslateMangledPlaceholdersKeepOriginal(t *testing.T) {
	p := newPipeline(t, nil)
	p.google.SetTranslate(func(text, _, _ string) string {
		return strings.ReplaceAll(text, "ZXQ1Z", "ZXQ 1") // broken
	})
	_, err := p.tr.Translate(context.Background(), "order 12345 please", "en", "es")
	require.ErrorIs(t, err, ErrBadResponse)
	s := p.tr.(*service)
	assert.Equal(t, breakerClosed, s.providers[0].breaker.current(), "a bad answer is not an outage")
}

func TestTranslateRespectsDeadline(t *testing.T) {
	p := newPipeline(t, nil)
	p.google.Hang(true)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := p.tr.Translate(ctx, "hello", "en", "es")
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.DeadlineExceeded), "%v", err)
}

func TestTranslateOddTexts(t *testing.T) {
	p := newPipeline(t, func(c *Config) { c.Glossary = []string{"Parley"} })
	ctx := context.Background()
	big := strings.Repeat("hello my order 123 is late 👍 ", 16<<10/31)
	for _, text := range []string{
		big,
		"שלום hello מה שלומך 42",
		"hello Привет 你好 order #A-1",
		"  hello Parley  ",
	} {
		out, err := p.tr.Translate(ctx, text, "en", "es")
		require.NoError(t, err)
		assert.Equal(t, translatetest.Translate(text, "en", "es"), out)
	}
	reqs := p.google.Requests()
	assert.Greater(t, len(reqs), 4, "the 16 KiB text goes in several requests")
	assert.Equal(t, "hello ZXQ1Z", strings.TrimSpace(reqs[len(reqs)-1].Texts[0]), "glossary terms are masked")
	_, err := p.tr.Translate(ctx, string([]byte{'h', 'i', 0xff, ' ', 'y', 'o'}), "en", "es")
	require.NoError(t, err, "invalid UTF-8 is repaired, not refused")
}

func TestMetricsRegistered(t *testing.T) {
	p := newPipeline(t, nil)
	_, err := p.tr.Translate(context.Background(), "hello", "en", "es")
	require.NoError(t, err)
	families, err := p.reg.Gather()
	require.NoError(t, err)
	names := map[string]bool{}
	for _, f := range families {
		names[f.GetName()] = true
	}
	for _, n := range []string{
		"parley_translate_cache_requests_total",
		"parley_translate_characters_total",
		"parley_translate_provider_duration_seconds",
	} {
		assert.True(t, names[n], n)
	}
	// A second Translator on the same registry shares the collectors.
	_, err = New(Config{Provider: ProviderNone}, nil, nil, p.reg)
	require.NoError(t, err)
}

func TestTranslateNothingToTranslate(t *testing.T) {
	p := newPipeline(t, func(c *Config) { c.Glossary = []string{"Parley Pro"} })
	for _, text := range []string{"👍", "https://example.com/a", "#A-12345 ORD-99812", "Parley Pro!", "12:30 🙏"} {
		out, err := p.tr.Translate(context.Background(), text, "en", "es")
		require.NoError(t, err)
		assert.Equal(t, text, out)
	}
	assert.Empty(t, p.google.Requests())
}
