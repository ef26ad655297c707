package translate

import (
	"context"
	"errors"
)

// Translator translates text between two languages (BCP 47 tags such as
// "en", "es", "pt-BR").
type Translator interface {
	Translate(ctx context.Context, text, from, to string) (string, error)
}

// BatchTranslator translates several texts of one language pair at once;
// the result has exactly one entry per input text, in order.
type BatchTranslator interface {
	TranslateBatch(ctx context.Context, texts []string, from, to string) ([]string, error)
}

// Errors returned by translators; check them with errors.Is.
var (
	// ErrUnsupportedPair means the provider cannot translate from -> to. The
	// caller delivers the original text and should not retry the pair.
	ErrUnsupportedPair = errors.New("translate: unsupported language pair")
	// ErrInvalidTag means a language tag is not well-formed BCP 47.
	ErrInvalidTag = errors.New("translate: invalid language tag")
	// ErrBadResponse means the provider answered something unusable (empty,
	// the wrong number of segments, lost placeholders); the original stands.
	ErrBadResponse = errors.New("translate: bad provider response")
	// ErrQuota means the provider refused the request for quota or rate
	// reasons.
	ErrQuota = errors.New("translate: provider quota exceeded")
	// ErrCircuitOpen means the provider failed repeatedly and is not being
	// called until its cool-down ends.
	ErrCircuitOpen = errors.New("translate: provider circuit open")
	// ErrTooLong means the text exceeds Config.MaxChars.
	ErrTooLong = errors.New("translate: text too long")
)
