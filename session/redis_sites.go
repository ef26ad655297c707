package session

import "sync"

// siteCacheSize bounds how many conversation locations a Redis store keeps
// in memory.
const siteCacheSize = 1 << 16

// convLocation is where a conversation's keys live: its site (the hash tag)
// and its visitor. Both never change, so they are safe to cache forever.
type convLocation struct {
	siteID, visitorID string
}

// siteCache remembers conversation locations so that the hot path (Append,
// History) costs a single round trip. When full it forgets an arbitrary
// entry; a forgotten entry is read again from the index key.
type siteCache struct {
	mu sync.Mutex
	m  map[string]convLocation
}

func (c *siteCache) get(id string) (convLocation, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	loc, ok := c.m[id]
	return loc, ok
}

func (c *siteCache) put(id string, loc convLocation) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]convLocation)
	}
	if _, ok := c.m[id]; !ok && len(c.m) >= siteCacheSize {
		for k := range c.m {
			delete(c.m, k)
			break
		}
	}
	c.m[id] = loc
}

func (c *siteCache) forget(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, id)
}
