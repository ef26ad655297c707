package translate

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Placeholders look like "ZXQ1Z": an upper-case prefix that does not occur
// in the text, the span's number and a closing "Z". Apertium, Google, DeepL
// and LibreTranslate treat such a token as an unknown word and pass it
// through; bracketed shapes such as ⟦1⟧ or {1} were split apart by Apertium
// next to an apostrophe, and bare digits are indistinguishable from numbers.
const placeholderEnd = "Z"

// placeholderPrefixes are tried in order; the first one absent from the text
// (ignoring case) is used.
var placeholderPrefixes = []string{"ZXQ", "ZXJ", "ZXV", "ZXK", "QXZ", "JXZ", "VXZ", "KXZ"}

// maxPrefixTries bounds the search for a free placeholder prefix.
const maxPrefixTries = 4096

// errNoPrefix means every candidate placeholder prefix occurs in the text.
var errNoPrefix = errors.New("translate: no free placeholder prefix")

// Masked is a text whose protected spans were replaced by placeholders.
type Masked struct {
	// Text is what is sent to the provider.
	Text string
	// prefix starts every placeholder; tokens[i] replaced number i+1.
	prefix string
	tokens []string
	re     *regexp.Regexp
}

// Spans reports how many spans were replaced.
func (m Masked) Spans() int { return len(m.tokens) }

// Mask replaces the protected spans of text (URLs, e-mail addresses,
// @mentions, numbers and order ids, code spans, emoji and the glossary's
// terms) with placeholders that providers leave alone.
func Mask(text string, glossary []string) (Masked, error) {
	return maskWith(text, glossaryRe(glossary))
}

// maskWith is Mask with the glossary compiled (nil: none).
func maskWith(text string, glossary *regexp.Regexp) (Masked, error) {
	spans := scanSpans(text, glossary)
	if len(spans) == 0 {
		return Masked{Text: text}, nil
	}
	prefix, err := freePrefix(text)
	if err != nil {
		return Masked{}, err
	}
	var b strings.Builder
	b.Grow(len(text) + 4*len(spans))
	tokens := make([]string, 0, len(spans))
	last := 0
	for i, s := range spans {
		b.WriteString(text[last:s.start])
		b.WriteString(prefix)
		b.WriteString(strconv.Itoa(i + 1))
		b.WriteString(placeholderEnd)
		tokens = append(tokens, text[s.start:s.end])
		last = s.end
	}
	b.WriteString(text[last:])
	return Masked{
		Text:   b.String(),
		prefix: prefix,
		tokens: tokens,
		re:     placeholderRe(prefix),
	}, nil
}

// standardPlaceholderRes are the compiled patterns of placeholderPrefixes.
var standardPlaceholderRes = func() map[string]*regexp.Regexp {
	m := make(map[string]*regexp.Regexp, len(placeholderPrefixes))
	for _, p := range placeholderPrefixes {
		m[p] = compilePlaceholderRe(p)
	}
	return m
}()

// placeholderRe returns the pattern that finds placeholders with prefix,
// tolerating a changed case and a space a provider may insert.
func placeholderRe(prefix string) *regexp.Regexp {
	if re, ok := standardPlaceholderRes[prefix]; ok {
		return re
	}
	return compilePlaceholderRe(prefix)
}

// compilePlaceholderRe compiles the pattern of placeholderRe.
func compilePlaceholderRe(prefix string) *regexp.Regexp {
	return regexp.MustCompile(`(?i)` + prefix + `\s?([0-9]+)\s?` + placeholderEnd)
}

// freePrefix returns a placeholder prefix that does not occur in text.
func freePrefix(text string) (string, error) {
	upper := strings.ToUpper(text)
	for _, p := range placeholderPrefixes {
		if !strings.Contains(upper, p) {
			return p, nil
		}
	}
	for i := range maxPrefixTries {
		p := "ZXQ" + letters(i)
		if !strings.Contains(upper, p) {
			return p, nil
		}
	}
	return "", errNoPrefix
}

// letters spells n in base 26 with the letters A to Y (Z ends placeholders).
func letters(n int) string {
	var b []byte
	for {
		b = append(b, byte('A'+n%25))
		n /= 25
		if n == 0 {
			return string(b)
		}
	}
}

// Unmask puts the protected spans back into a translation of m.Text. It
// fails with ErrBadResponse when a placeholder is missing, repeated or
// unknown, so that a mangled translation is never shown.
func (m Masked) Unmask(translated string) (string, error) {
	if len(m.tokens) == 0 {
		return translated, nil
	}
	seen := make([]bool, len(m.tokens))
	var b strings.Builder
	b.Grow(len(translated) + len(m.Text))
	last := 0
	for _, loc := range m.re.FindAllStringSubmatchIndex(translated, -1) {
		n, err := strconv.Atoi(translated[loc[2]:loc[3]])
		if err != nil || n < 1 || n > len(m.tokens) {
			return "", fmt.Errorf("%w: unknown placeholder %q", ErrBadResponse, translated[loc[0]:loc[1]])
		}
		if seen[n-1] {
			return "", fmt.Errorf("%w: placeholder %d repeated", ErrBadResponse, n)
		}
		seen[n-1] = true
		b.WriteString(translated[last:loc[0]])
		b.WriteString(m.tokens[n-1])
		last = loc[1]
	}
	b.WriteString(translated[last:])
	for i, ok := range seen {
		if !ok {
			return "", fmt.Errorf("%w: placeholder %d lost", ErrBadResponse, i+1)
		}
	}
	return b.String(), nil
}
