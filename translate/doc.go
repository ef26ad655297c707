// Package translate detects the language of short chat messages and
// translates them through a pluggable provider (Google Cloud Translation,
// a self-hosted Apertium APY, DeepL or LibreTranslate).
//
// New composes a provider with its fallbacks, masking of everything that must
// come through unchanged (URLs, e-mail addresses, @mentions, numbers and
// order ids, code spans, emoji and glossary terms), a shared cache,
// single-flight for identical requests, a circuit breaker per provider and
// Prometheus metrics. A Translator returned by New never corrupts a message:
// when anything looks wrong it returns an error and the caller keeps the
// original text.
package translate
