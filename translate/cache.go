package translate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"
)

// Cache stores translations; session.Store satisfies it, so translations
// land in Redis when Parley runs on Redis.
type Cache interface {
	// CacheGet returns the value stored under key, or an error (such as
	// session.ErrNotFound) when there is none; every error is a miss.
	CacheGet(ctx context.Context, key string) (string, error)
	// CacheSet stores value under key for ttl.
	CacheSet(ctx context.Context, key, value string, ttl time.Duration) error
}

// cacheKey names a translation of the NFC-normalised text by provider,
// source and target; the glossary is part of the hash because it changes
// what is sent.
func cacheKey(provider string, p pair, text string, glossary []string) string {
	h := sha256.New()
	h.Write([]byte(text))
	if len(glossary) > 0 {
		g := slices.Clone(glossary)
		slices.Sort(g)
		h.Write([]byte{0})
		h.Write([]byte(strings.Join(g, "\x00")))
	}
	return "tr:v1:" + provider + ":" + p.from.String() + ":" + p.to.String() + ":" + hex.EncodeToString(h.Sum(nil))
}
