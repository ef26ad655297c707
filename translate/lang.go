package translate

import (
	"fmt"
	"strings"

	"golang.org/x/text/language"
)

// parseTag parses a BCP 47 tag, wrapping failures in ErrInvalidTag.
func parseTag(s string) (language.Tag, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return language.Und, fmt.Errorf("%w: empty tag", ErrInvalidTag)
	}
	t, err := language.Parse(s)
	if err != nil {
		return language.Und, fmt.Errorf("%w: %q: %w", ErrInvalidTag, s, err)
	}
	return t, nil
}

// baseOf returns the ISO 639 base language of tag, such as "pt" for "pt-BR".
func baseOf(t language.Tag) string {
	b, _ := t.Base()
	return b.String()
}

// regionOf returns the region subtag of t in upper case, or "" when t has
// none given explicitly.
func regionOf(t language.Tag) string {
	r, conf := t.Region()
	if conf != language.Exact {
		return ""
	}
	return r.String()
}

// pair is a parsed language pair.
type pair struct {
	from, to language.Tag
}

// parsePair parses both tags of a translation request.
func parsePair(from, to string) (pair, error) {
	f, err := parseTag(from)
	if err != nil {
		return pair{}, fmt.Errorf("source: %w", err)
	}
	t, err := parseTag(to)
	if err != nil {
		return pair{}, fmt.Errorf("target: %w", err)
	}
	return pair{from: f, to: t}, nil
}

// same reports whether both sides have the same base language, in which
// case nothing needs translating.
func (p pair) same() bool { return baseOf(p.from) == baseOf(p.to) }

// String formats the pair as "from->to" for logs and metrics.
func (p pair) String() string { return p.from.String() + "->" + p.to.String() }
