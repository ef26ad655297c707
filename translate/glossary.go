package translate

import "context"

// glossaryKey is the context key of per-call glossary terms.
type glossaryKey struct{}

// WithGlossary returns a context whose Translate calls also protect terms
// (for example a site's product names) besides Config.Glossary.
func WithGlossary(ctx context.Context, terms ...string) context.Context {
	prev, _ := ctx.Value(glossaryKey{}).([]string)
	all := make([]string, 0, len(prev)+len(terms))
	all = append(append(all, prev...), terms...)
	return context.WithValue(ctx, glossaryKey{}, all)
}

// glossaryFrom returns the terms of cfg plus those added by WithGlossary.
func glossaryFrom(ctx context.Context, base []string) []string {
	extra, _ := ctx.Value(glossaryKey{}).([]string)
	if len(extra) == 0 {
		return base
	}
	return append(append(make([]string, 0, len(base)+len(extra)), base...), extra...)
}
