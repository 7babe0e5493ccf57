package crs

import "sync"

// cache keeps values (verdicts of recently seen requests, shared by all
// goroutines; a Screen's memo does the same for one goroutine without a
// lock) in two generations: new entries go to cur; when cur is full it
// becomes old and the previous old is dropped; a hit in old moves back to
// cur. That bounds memory to size entries with O(1) work and no per-entry
// list, and keeps what is repeatedly requested (the common case in access
// logs: the same URLs over and over).
type cache[V any] struct {
	mu       sync.Mutex
	half     int
	cur, old map[string]V
}

func newCache[V any](size int) *cache[V] {
	half := size / 2
	if half < 1 {
		half = 1
	}
	return &cache[V]{half: half, cur: make(map[string]V), old: make(map[string]V)}
}

// get looks key up; it does not keep key.
func (c *cache[V]) get(key []byte) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.cur[string(key)]; ok {
		return v, true
	}
	if v, ok := c.old[string(key)]; ok {
		k := string(key)
		delete(c.old, k)
		c.putLocked(k, v)
		return v, true
	}
	var zero V
	return zero, false
}

// put stores v under key, which must not share memory with an event's line
// (the cache would pin whole log buffers): callers pass a copy.
func (c *cache[V]) put(key string, v V) {
	c.mu.Lock()
	c.putLocked(key, v)
	c.mu.Unlock()
}

func (c *cache[V]) putLocked(key string, v V) {
	if len(c.cur) >= c.half {
		c.old = c.cur
		c.cur = make(map[string]V, c.half)
	}
	c.cur[key] = v
}

func (c *cache[V]) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.cur) + len(c.old)
}
