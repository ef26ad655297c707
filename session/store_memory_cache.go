package session

import (
	"context"
	"fmt"
	"time"
)

// cacheSweepMin is the cache size below which CacheSet never sweeps.
const cacheSweepMin = 1024

// memCacheEntry is one cached value; a zero expires means forever.
type memCacheEntry struct {
	value   string
	expires time.Time
}

func (e memCacheEntry) expired(now time.Time) bool {
	return !e.expires.IsZero() && !now.Before(e.expires)
}

// CacheGet implements Store. Expired entries read as missing.
func (s *Memory) CacheGet(ctx context.Context, key string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	s.mu.RLock()
	e, ok := s.cache[key]
	s.mu.RUnlock()
	if !ok || e.expired(s.now()) {
		return "", fmt.Errorf("session: cache key %q: %w", key, ErrNotFound)
	}
	return e.value, nil
}

// CacheSet implements Store. Expired entries are dropped in batches, once the
// cache has doubled in size since the last sweep, so each CacheSet costs
// amortised constant time.
func (s *Memory) CacheSet(ctx context.Context, key, value string, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := s.now()
	e := memCacheEntry{value: value}
	if ttl > 0 {
		e.expires = now.Add(ttl)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cache[key] = e
	if len(s.cache) >= s.cacheSweepAt {
		for k, e := range s.cache {
			if e.expired(now) {
				delete(s.cache, k)
			}
		}
		s.cacheSweepAt = max(2*len(s.cache), cacheSweepMin)
	}
	return nil
}
