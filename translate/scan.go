package translate

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// spanKind names what a protected span of text is.
type spanKind uint8

const (
	spanCode spanKind = iota + 1
	spanURL
	spanEmail
	spanMention
	spanNumber
	spanEmoji
	spanGlossary
)

// span is a byte range [start, end) of text that must not be translated.
type span struct {
	start, end int
	kind       spanKind
}

// emojiClass lists the code points that start or continue an emoji sequence.
const emojiClass = `\x{1F000}-\x{1FAFF}\x{2600}-\x{27BF}\x{2300}-\x{23FF}\x{2B00}-\x{2BFF}\x{3030}\x{303D}\x{3297}\x{3299}`

var (
	codeRe    = regexp.MustCompile("```[\\s\\S]*?```|`[^`\\n]+`")
	urlRe     = regexp.MustCompile(`(?i)\b(?:https?://|ftp://|www\.)[^\s<>"'` + "`" + `]+|\b(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:com|org|net|io|dev|app|co|eu|de|es|fr|it|pt|nl|pl|si|hr|se|tr|ro|cz|uk|us|info|biz|shop)\b(?:/[^\s<>"'` + "`" + `]*)?`)
	emailRe   = regexp.MustCompile(`[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}`)
	mentionRe = regexp.MustCompile(`@[\p{L}\p{N}_](?:[\p{L}\p{N}_.-]*[\p{L}\p{N}_])?`)
	numberRe  = regexp.MustCompile(`\p{N}+(?:[.,:/]\p{N}+)+`)
	emojiRe   = regexp.MustCompile(`[` + emojiClass + `][` + emojiClass + `\x{200D}\x{FE0E}\x{FE0F}\x{20E3}\x{E0020}-\x{E007F}]*`)
)

// urlTrailing is punctuation that ends a sentence rather than a URL.
const urlTrailing = ".,!?;:)]}'\"»…"

// protectedSpans returns the non-overlapping spans of text that must come
// through translation unchanged, in order. Earlier spans win over later
// ones; of two starting together the longer wins. glossary terms are matched
// case-insensitively on word boundaries.
func protectedSpans(text string, glossary []string) []span {
	return scanSpans(text, glossaryRe(glossary))
}

// scanSpans is protectedSpans with the glossary compiled (nil: none). Each
// pattern runs only when text has the characters it needs.
func scanSpans(text string, glossary *regexp.Regexp) []span {
	hasDigit := strings.ContainsAny(text, "0123456789") || strings.ContainsFunc(text, func(r rune) bool { return r > 0x7f && unicode.IsDigit(r) })
	hasAt := strings.IndexByte(text, '@') >= 0
	hasDot := strings.IndexByte(text, '.') >= 0
	hasEmoji := strings.ContainsFunc(text, func(r rune) bool { return r >= 0x2300 })
	var all []span
	add := func(re *regexp.Regexp, kind spanKind, keep func(s, e int) (int, bool)) {
		for _, m := range re.FindAllStringIndex(text, -1) {
			s, e := m[0], m[1]
			if keep != nil {
				var ok bool
				if e, ok = keep(s, e); !ok {
					continue
				}
			}
			if e > s {
				all = append(all, span{start: s, end: e, kind: kind})
			}
		}
	}
	if strings.IndexByte(text, '`') >= 0 {
		add(codeRe, spanCode, nil)
	}
	if hasDot {
		add(urlRe, spanURL, func(s, e int) (int, bool) {
			for e > s {
				r, size := utf8.DecodeLastRuneInString(text[s:e])
				if !strings.ContainsRune(urlTrailing, r) {
					break
				}
				e -= size
			}
			return e, e > s
		})
	}
	if hasAt {
		if hasDot {
			add(emailRe, spanEmail, nil)
		}
		add(mentionRe, spanMention, func(s, e int) (int, bool) {
			return e, !wordBefore(text, s)
		})
	}
	if hasDigit {
		add(numberRe, spanNumber, nil)
		all = appendIDs(all, text)
	}
	if hasEmoji {
		add(emojiRe, spanEmoji, nil)
	}
	if glossary != nil {
		add(glossary, spanGlossary, func(s, e int) (int, bool) {
			return e, !wordBefore(text, s) && !wordAfter(text, e)
		})
	}
	return resolve(all)
}

// appendIDs appends the words of text that contain a digit (numbers and
// order ids such as 12345, #A-12345, ORD-99812 or mp3): an optional "#",
// then word runes, with single hyphens joining parts.
func appendIDs(all []span, text string) []span {
	i := 0
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		start := i
		j := i
		if r == '#' {
			j += size
		}
		end, digit := scanWord(text, j)
		if end == j { // no word here
			i += size
			continue
		}
		for end < len(text) && text[end] == '-' {
			next, d := scanWord(text, end+1)
			if next == end+1 {
				break
			}
			end, digit = next, digit || d
		}
		if digit {
			all = append(all, span{start: start, end: end, kind: spanNumber})
		}
		i = end
	}
	return all
}

// scanWord returns the end of the run of word runes at i and whether it
// holds a digit.
func scanWord(text string, i int) (end int, digit bool) {
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !isWordRune(r) || r == utf8.RuneError && size == 1 {
			break
		}
		digit = digit || unicode.IsDigit(r)
		i += size
	}
	return i, digit
}

// resolve sorts spans and drops every span overlapping an earlier one.
func resolve(all []span) []span {
	slices.SortFunc(all, func(a, b span) int {
		if a.start != b.start {
			return a.start - b.start
		}
		return b.end - a.end
	})
	out := all[:0]
	end := 0
	for _, s := range all {
		if s.start < end {
			continue
		}
		out = append(out, s)
		end = s.end
	}
	return out
}

// glossaryRe compiles the glossary into one case-insensitive alternation,
// longest terms first, or returns nil when it is empty. Terms that are not
// valid UTF-8 are ignored.
func glossaryRe(terms []string) *regexp.Regexp {
	var quoted []string
	for _, t := range terms {
		if t = strings.TrimSpace(t); t != "" && utf8.ValidString(t) {
			quoted = append(quoted, regexp.QuoteMeta(t))
		}
	}
	if len(quoted) == 0 {
		return nil
	}
	slices.SortFunc(quoted, func(a, b string) int { return len(b) - len(a) })
	re, err := regexp.Compile(`(?i)(?:` + strings.Join(quoted, "|") + `)`)
	if err != nil {
		return nil
	}
	return re
}

// isWordRune reports whether r belongs to a word.
func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' }

// wordBefore reports whether the rune before byte offset i is a word rune.
func wordBefore(text string, i int) bool {
	if i == 0 {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return isWordRune(r)
}

// wordAfter reports whether the rune at byte offset i is a word rune.
func wordAfter(text string, i int) bool {
	if i >= len(text) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(text[i:])
	return isWordRune(r)
}
