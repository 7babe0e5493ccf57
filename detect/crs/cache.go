package crs

import (
	"strings"
	"sync"
)

// generations keeps values (verdicts of recently seen requests, prefilter
// answers for recently seen fields) in two generations: new entries go to
// cur; when cur is full it becomes old and the previous old is dropped; a hit
// in old moves back to cur. That bounds memory to size entries with O(1) work
// and no per-entry list, and keeps what is repeatedly requested (the common
// case in access logs: the same URLs over and over).
//
// It is not safe for concurrent use: cache wraps it in a mutex for the
// verdicts all workers share, and each Screen owns its memos outright so the
// per-line prefilter takes no lock.
type generations[V any] struct {
	half     int
	cur, old map[string]V
}

func newGenerations[V any](size int) generations[V] {
	half := size / 2
	if half < 1 {
		half = 1
	}
	return generations[V]{half: half}
}

// get looks key up; it does not keep key (callers may pass a string built
// over a reused buffer).
func (g *generations[V]) get(key string) (V, bool) {
	if v, ok := g.cur[key]; ok {
		return v, true
	}
	if v, ok := g.old[key]; ok {
		delete(g.old, key)
		// the old map held its own copy of the key; callers may pass a
		// borrowed one
		g.put(strings.Clone(key), v)
		return v, true
	}
	var zero V
	return zero, false
}

// put stores v under key, which must not share memory with an event's line
// (the cache would pin whole log buffers): callers pass a copy.
func (g *generations[V]) put(key string, v V) {
	switch {
	case g.cur == nil:
		// grown as needed: a short-lived Screen never fills it
		g.cur = make(map[string]V)
	case len(g.cur) >= g.half:
		g.old = g.cur
		g.cur = make(map[string]V, g.half)
	}
	g.cur[key] = v
}

func (g *generations[V]) len() int { return len(g.cur) + len(g.old) }

// cache is generations made safe for concurrent use.
type cache[V any] struct {
	mu sync.Mutex
	g  generations[V]
}

func newCache[V any](size int) *cache[V] {
	return &cache[V]{g: newGenerations[V](size)}
}

func (c *cache[V]) get(key []byte) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.g.get(string(key))
}

func (c *cache[V]) put(key string, v V) {
	c.mu.Lock()
	c.g.put(key, v)
	c.mu.Unlock()
}

func (c *cache[V]) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.g.len()
}
