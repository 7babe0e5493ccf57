package investigate

import (
	"slices"
	"strings"

	"github.com/kizuki-dfir/kizuki/event"
)

// The collector bounds what it lists per actor (uploads, logins, files,
// web-shell commands, notable events). Each worker sees the blocks a scan
// happened to give it, so "the first n a worker met" would make the lists,
// and the findings, depend on how blocks were spread over cores. Instead
// every worker keeps the n least of what it met under one fixed order of
// log positions, and the merge keeps the n least of their union: an item
// among the n least of all is among the n least of its own worker, so the
// result is the same however the work was split (TestCollectorBoundsStable).

// refLess is that order: line, offset, then the input's path (input ids
// depend on which reader opened its stream first; paths do not).
func (c *Collector) refLess(a, b event.Ref) bool {
	if a.Line != b.Line {
		return a.Line < b.Line
	}
	if a.Offset != b.Offset {
		return a.Offset < b.Offset
	}
	return a.Input != b.Input && c.path(a.Input) < c.path(b.Input)
}

// Input records the path events of input id will cite (scan.InputWatcher).
func (c *Collector) Input(id int32, path string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.paths == nil {
		c.paths = map[int32]string{}
	}
	c.paths[id] = path
}

func (c *Collector) path(id int32) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.paths[id]
}

// admits reports whether an item at r would be kept in s, bounded to n and
// ordered by at: s has room, or r comes before its greatest (s[0] once full).
func admits[T any](c *Collector, s []T, n int, r event.Ref, at func(T) event.Ref) bool {
	return len(s) < n || n > 0 && c.refLess(r, at(s[0]))
}

// keepLeast adds x to s, which holds at most n items: once full, s is a heap
// with its greatest item (by at, then c.refLess) first, which x replaces if
// it comes before it. Call it only when admits says x is kept.
func keepLeast[T any](c *Collector, s []T, x T, n int, at func(T) event.Ref) []T {
	less := func(i, j int) bool { return c.refLess(at(s[j]), at(s[i])) } // max-heap
	if len(s) < n {
		s = append(s, x)
		if len(s) == n {
			for i := n/2 - 1; i >= 0; i-- {
				siftDown(s, i, less)
			}
		}
		return s
	}
	s[0] = x
	siftDown(s, 0, less)
	return s
}

func siftDown[T any](s []T, i int, less func(i, j int) bool) {
	for {
		l := 2*i + 1
		if l >= len(s) {
			return
		}
		m := l
		if r := l + 1; r < len(s) && less(r, l) {
			m = r
		}
		if !less(m, i) {
			return
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
}

// cutLeast keeps the n least items of s by at (the merge's half of the
// bound); the caller sorts what is kept for display.
func cutLeast[T any](c *Collector, s []T, n int, at func(T) event.Ref) []T {
	if len(s) <= n {
		return s
	}
	slices.SortFunc(s, func(a, b T) int {
		switch {
		case c.refLess(at(a), at(b)):
			return -1
		case c.refLess(at(b), at(a)):
			return 1
		}
		return 0
	})
	return s[:n]
}

// keepFile records that path p was downloaded at r in files, bounded to n
// paths: each keeps its earliest position, and once full a new path
// displaces the path whose earliest position is the latest, if it comes
// before it. p is copied if kept.
func (c *Collector) keepFile(files map[string]event.Ref, p string, r event.Ref, n int) {
	if old, ok := files[p]; ok {
		if c.refLess(r, old) {
			// Assigning to a present string key stores the new key (Go
			// keeps the smaller backing array): p must be copied again.
			files[strings.Clone(p)] = r
		}
		return
	}
	if len(files) >= n {
		var worst string
		var wr event.Ref
		first := true
		for k, kr := range files {
			if first || c.refLess(wr, kr) || !c.refLess(kr, wr) && k > worst {
				worst, wr, first = k, kr, false
			}
		}
		if first || !c.refLess(r, wr) {
			return
		}
		delete(files, worst)
	}
	files[strings.Clone(p)] = r
}
