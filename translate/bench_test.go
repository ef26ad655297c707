package translate

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/parley-chat/parley/session"
	"github.com/parley-chat/parley/translate/translatetest"
)

// BenchmarkDetect measures detection of one short chat message per
// iteration and reports the heap in use once the models are loaded. Run
// each mode in its own process for a meaningful heap figure, since models
// are shared: go test -bench 'Detect/high$' -run '^$'.
func BenchmarkDetect(b *testing.B) {
	corpus := loadCorpus(b)
	for _, acc := range []Accuracy{AccuracyHigh, AccuracyLow} {
		b.Run(string(acc), func(b *testing.B) {
			runtime.GC()
			start := time.Now()
			d, err := NewDetector(DetectorConfig{Accuracy: acc})
			require.NoError(b, err)
			load := time.Since(start)
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				d.Detect(corpus[i%len(corpus)].text)
				i++
			}
			// Reported after the loop: b.Loop resets extra metrics.
			b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heapMB")
			b.ReportMetric(load.Seconds(), "load-s")
		})
	}
}

// BenchmarkTranslateCacheHit measures Translate when the translation is in
// the cache (the in-memory session store).
func BenchmarkTranslateCacheHit(b *testing.B) {
	fake := translatetest.NewGoogle(b, "k")
	tr, err := New(Config{
		Provider: ProviderGoogle,
		Google:   GoogleConfig{APIKey: "k", Endpoint: fake.URL + "/language/translate/"},
	}, session.NewMemory(session.MemoryConfig{}), nil, nil)
	require.NoError(b, err)
	ctx := context.Background()
	const text = "hello, my order #A-12345 is late, see https://example.com/o/12345 👍"
	_, err = tr.Translate(ctx, text, "en", "es")
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tr.Translate(ctx, text, "en", "es"); err != nil {
			b.Fatal(err)
		}
	}
	if n := len(fake.Requests()); n != 1 {
		b.Fatalf("provider called %d times", n)
	}
}

// BenchmarkMask measures masking and unmasking a typical message.
func BenchmarkMask(b *testing.B) {
	const text = "Hi @support, order #A-12345 (ORD-99812) was charged 19,99 twice, see https://shop.example.com/o/12345 or mail me at ana@example.org 🙏"
	glossary := []string{"Parley Pro"}
	b.ReportAllocs()
	for b.Loop() {
		m, err := Mask(text, glossary)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := m.Unmask(m.Text); err != nil {
			b.Fatal(err)
		}
	}
}
