package translate

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/pemistahl/lingua-go"
	"golang.org/x/text/unicode/norm"
)

// DefaultLanguages is the detector's language set when
// DetectorConfig.Languages is empty.
var DefaultLanguages = []string{"en", "es", "de", "fr", "it", "pt", "nl", "pl", "sl", "hr", "sv", "tr"}

// Accuracy selects the detector's trade-off between memory and accuracy.
type Accuracy string

// Accuracy modes of the detector.
const (
	// AccuracyHigh uses 1- to 5-gram models: best on short chat messages,
	// several hundred megabytes of heap for the default 12 languages (see
	// docs/translation.md).
	AccuracyHigh Accuracy = "high"
	// AccuracyLow uses trigram models only: a small fraction of the memory,
	// noticeably worse on messages of one to three words.
	AccuracyLow Accuracy = "low"
)

// DetectorConfig configures NewDetector; the zero value is usable.
type DetectorConfig struct {
	// Languages are the BCP 47 tags the detector chooses among. Default:
	// DefaultLanguages. Regions are ignored ("pt-BR" detects as "pt").
	Languages []string
	// Accuracy is AccuracyHigh or AccuracyLow. Default: AccuracyHigh, the
	// only mode that reaches 95% on the chat corpus in testdata (see
	// docs/translation.md for memory and speed of both).
	Accuracy Accuracy
	// MinLetters is how many letters must remain once URLs, numbers,
	// mentions and emoji are set aside for a detection to be attempted.
	// Default: 4 (so "ok", "thx" and "👍" keep the sender's language).
	MinLetters int
	// MinConfidence is the least confidence of the best language; lingua's
	// confidences are relative to the other configured languages. Default:
	// 0.2 in high accuracy mode, 0.35 in low.
	MinConfidence float64
	// MinMargin is the least lead of the best language's confidence over the
	// runner-up. Default: 0.08 in high accuracy mode, 0.1 in low.
	MinMargin float64
}

// Detection is the result of Detector.Detect.
type Detection struct {
	// Lang is a BCP 47 base language tag, or "" when undetermined.
	Lang string
	// Confidence is the detector's relative confidence in Lang, 0 to 1.
	Confidence float64
	// OK is false when the text is too short or ambiguous: keep the
	// sender's current language.
	OK bool
}

// Detector finds the language of a short text among the configured ones.
type Detector interface {
	Detect(text string) Detection
}

// LinguaDetector is a Detector backed by lingua-go with preloaded models.
// It is safe for concurrent use.
type LinguaDetector struct {
	cfg   DetectorConfig
	tags  map[lingua.Language]string
	lingo lingua.LanguageDetector
}

// NewDetector builds a detector for cfg's languages and loads their models,
// which takes a few seconds in high accuracy mode. Invalid or unsupported
// tags fail with ErrInvalidTag.
func NewDetector(cfg DetectorConfig) (*LinguaDetector, error) {
	if len(cfg.Languages) == 0 {
		cfg.Languages = DefaultLanguages
	}
	switch cfg.Accuracy {
	case "":
		cfg.Accuracy = AccuracyHigh
	case AccuracyHigh, AccuracyLow:
	default:
		return nil, fmt.Errorf("translate: detector accuracy %q: want %q or %q", cfg.Accuracy, AccuracyHigh, AccuracyLow)
	}
	if cfg.MinLetters <= 0 {
		cfg.MinLetters = 4
	}
	if cfg.MinConfidence <= 0 {
		cfg.MinConfidence = map[Accuracy]float64{AccuracyHigh: 0.2, AccuracyLow: 0.35}[cfg.Accuracy]
	}
	if cfg.MinMargin <= 0 {
		cfg.MinMargin = map[Accuracy]float64{AccuracyHigh: 0.08, AccuracyLow: 0.1}[cfg.Accuracy]
	}
	tags := make(map[lingua.Language]string, len(cfg.Languages))
	langs := make([]lingua.Language, 0, len(cfg.Languages))
	for _, s := range cfg.Languages {
		t, err := parseTag(s)
		if err != nil {
			return nil, fmt.Errorf("detector language: %w", err)
		}
		base := baseOf(t)
		iso := lingua.GetIsoCode639_1FromValue(base)
		if iso == lingua.UnknownIsoCode639_1 {
			return nil, fmt.Errorf("%w: %q is not supported by the detector", ErrInvalidTag, s)
		}
		l := lingua.GetLanguageFromIsoCode639_1(iso)
		if _, dup := tags[l]; dup {
			continue
		}
		tags[l] = base
		langs = append(langs, l)
	}
	if len(langs) < 2 {
		return nil, fmt.Errorf("%w: the detector needs at least two languages, got %q", ErrInvalidTag, cfg.Languages)
	}
	b := lingua.NewLanguageDetectorBuilder().FromLanguages(langs...).WithPreloadedLanguageModels()
	if cfg.Accuracy == AccuracyLow {
		b = b.WithLowAccuracyMode()
	}
	return &LinguaDetector{cfg: cfg, tags: tags, lingo: b.Build()}, nil
}

// Languages returns the detector's base language tags, sorted.
func (d *LinguaDetector) Languages() []string {
	out := make([]string, 0, len(d.tags))
	for _, t := range d.tags {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// Detect returns the language of text, with OK false when the text has too
// few letters once URLs, e-mail addresses, numbers, mentions, code and emoji
// are set aside, or when no language leads clearly.
func (d *LinguaDetector) Detect(text string) Detection {
	clean := detectableText(text)
	if countLetters(clean) < d.cfg.MinLetters {
		return Detection{}
	}
	values := d.lingo.ComputeLanguageConfidenceValues(clean)
	if len(values) == 0 || values[0].Value() <= 0 {
		return Detection{}
	}
	best := values[0].Value()
	second := 0.0
	if len(values) > 1 {
		second = values[1].Value()
	}
	det := Detection{Lang: d.tags[values[0].Language()], Confidence: best}
	det.OK = det.Lang != "" && best >= d.cfg.MinConfidence && best-second >= d.cfg.MinMargin
	return det
}

// detectableText NFC-normalises text and blanks out everything that says
// nothing about its language.
func detectableText(text string) string {
	text = norm.NFC.String(text)
	spans := protectedSpans(text, nil)
	if len(spans) == 0 {
		return text
	}
	var b strings.Builder
	b.Grow(len(text))
	last := 0
	for _, s := range spans {
		b.WriteString(text[last:s.start])
		b.WriteByte(' ')
		last = s.end
	}
	b.WriteString(text[last:])
	return b.String()
}

// countLetters counts the letters of s.
func countLetters(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			n++
		}
	}
	return n
}
