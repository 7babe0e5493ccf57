package crs

import "sync"

// cache keeps verdicts of recently seen requests in two generations: new
// entries go to cur; when cur is full it becomes old and the previous old is
// dropped; a hit in old moves back to cur. That bounds memory to size entries
// with O(1) work and no per-entry list, and keeps what is repeatedly
// requested (the common case in access logs: the same URLs over and over).
type cache struct {
	mu       sync.Mutex
	half     int
	cur, old map[string]Verdict
}

func newCache(size int) *cache {
	half := size / 2
	if half < 1 {
		half = 1
	}
	return &cache{half: half, cur: make(map[string]Verdict), old: make(map[string]Verdict)}
}

// get looks key up; it does not keep key.
func (c *cache) get(key []byte) (Verdict, bool) {
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
	return Verdict{}, false
}

// put stores v under key, which must not share memory with an event's line
// (the cache would pin whole log buffers).
func (c *cache) put(key string, v Verdict) {
	c.mu.Lock()
	c.putLocked(key, v)
	c.mu.Unlock()
}

func (c *cache) putLocked(key string, v Verdict) {
	if len(c.cur) >= c.half {
		c.old = c.cur
		c.cur = make(map[string]Verdict, c.half)
	}
	c.cur[key] = v
}

func (c *cache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.cur) + len(c.old)
}
