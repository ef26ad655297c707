package translate

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// corpusMessage is one line of testdata/corpus.
type corpusMessage struct {
	lang, text string
}

// loadCorpus reads every testdata/corpus/<lang>.txt file.
func loadCorpus(t testing.TB) []corpusMessage {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "corpus", "*.txt"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	var out []corpusMessage
	for _, f := range files {
		lang := strings.TrimSuffix(filepath.Base(f), ".txt")
		fh, err := os.Open(f)
		require.NoError(t, err)
		sc := bufio.NewScanner(fh)
		n := 0
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			out = append(out, corpusMessage{lang: lang, text: line})
			n++
		}
		require.NoError(t, sc.Err())
		require.NoError(t, fh.Close())
		require.GreaterOrEqual(t, n, 40, "corpus %s", f)
	}
	return out
}

var (
	detectorsMu sync.Mutex
	detectors   = map[Accuracy]*LinguaDetector{}
)

// testDetector returns a shared detector for the default languages, so that
// models load once per test binary.
func testDetector(t testing.TB, acc Accuracy) *LinguaDetector {
	t.Helper()
	detectorsMu.Lock()
	defer detectorsMu.Unlock()
	if d, ok := detectors[acc]; ok {
		return d
	}
	d, err := NewDetector(DetectorConfig{Accuracy: acc})
	require.NoError(t, err)
	detectors[acc] = d
	return d
}

func TestDetectCorpusAccuracy(t *testing.T) {
	corpus := loadCorpus(t)
	for _, acc := range []Accuracy{AccuracyLow, AccuracyHigh} {
		t.Run(string(acc), func(t *testing.T) {
			d := testDetector(t, acc)
			var right, wrong, abstained int
			for _, m := range corpus {
				det := d.Detect(m.text)
				words := len(strings.Fields(m.text))
				switch {
				case det.OK && det.Lang == m.lang:
					right++
				case !det.OK && words < 3:
					abstained++
				default:
					wrong++
					t.Logf("%s: %q -> %q ok=%v conf=%.2f", m.lang, m.text, det.Lang, det.OK, det.Confidence)
				}
			}
			ratio := float64(right) / float64(right+wrong)
			t.Logf("accuracy %.3f: %d right, %d wrong, %d short ones abstained", ratio, right, wrong, abstained)
			if acc == AccuracyHigh {
				// The default mode must meet the bar; low accuracy mode is
				// measured for docs/translation.md and known to fall short.
				assert.GreaterOrEqual(t, ratio, 0.95)
			}
		})
	}
}

func TestDetectSetsAsideNonWords(t *testing.T) {
	d := testDetector(t, AccuracyHigh)
	for _, text := range []string{"ok", "👍", "thx", "https://example.com/a/b?c=d", "#A-12345", "@maria", "12:30 ✅", "help@example.com", "`make test`", ""} {
		det := d.Detect(text)
		assert.False(t, det.OK, "%q", text)
	}
	det := d.Detect("hola @maria, mi pedido #A-12345 no ha llegado 😡 https://tienda.example.com/p/12")
	assert.True(t, det.OK)
	assert.Equal(t, "es", det.Lang)
	// Decomposed accents are normalised before detection.
	det = d.Detect("Ich mo\u0308chte mein Geld zuru\u0308ck")
	assert.True(t, det.OK)
	assert.Equal(t, "de", det.Lang)
}

func TestNewDetectorConfig(t *testing.T) {
	_, err := NewDetector(DetectorConfig{Languages: []string{"en", "not a tag"}})
	require.ErrorIs(t, err, ErrInvalidTag)
	_, err = NewDetector(DetectorConfig{Languages: []string{"en", "tlh"}})
	require.ErrorIs(t, err, ErrInvalidTag, "a language lingua does not know")
	_, err = NewDetector(DetectorConfig{Languages: []string{"en"}})
	require.ErrorIs(t, err, ErrInvalidTag, "one language is nothing to choose from")
	_, err = NewDetector(DetectorConfig{Accuracy: "medium"})
	require.Error(t, err)

	d, err := NewDetector(DetectorConfig{Languages: []string{"pt-BR", "pt-PT", "ES"}, Accuracy: AccuracyLow})
	require.NoError(t, err)
	assert.Equal(t, []string{"es", "pt"}, d.Languages())
}

func TestDetectConcurrent(t *testing.T) {
	d := testDetector(t, AccuracyHigh)
	corpus := loadCorpus(t)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 40 {
				m := corpus[(g*40+i)%len(corpus)]
				det := d.Detect(m.text)
				if det.OK {
					assert.NotEmpty(t, det.Lang)
				}
			}
		})
	}
	wg.Wait()
}
