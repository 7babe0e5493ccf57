// Package loggen writes deterministic, realistic log files for kizuki's
// benchmarks: combined access logs, auth.log, syslog messages and MariaDB
// general and slow query logs, each with a tunable fraction of attack lines
// that come in bursts from a few actors, as real attacks do.
//
// The same arguments always give the same bytes, and a smaller size with the
// same seed is an exact prefix of a larger one. Speed matters (2 GB must take
// well under a minute): lines are assembled by appending precomputed pieces
// into one reused buffer, timestamps are rendered once per second of log
// time, and fmt is kept off the hot loop.
package loggen

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// kinds maps -kind to its generator.
var kinds = map[string]func(*gen) line{
	"access":        newAccess,
	"auth":          newAuth,
	"syslog":        newSyslog,
	"mysql-general": newGeneral,
	"mysql-slow":    newSlow,
}

// line appends the next record (one or more lines, each ending in '\n') to b
// and reports how many lines it added and whether they are attack lines.
type line func(b []byte) ([]byte, int, bool)

// Meta is the account of a generated file.
type Meta struct {
	Kind        string  `json:"kind"`
	Seed        uint64  `json:"seed"`
	Attack      float64 `json:"attack"`
	Bytes       int64   `json:"bytes"`
	Lines       int64   `json:"lines"`
	AttackLines int64   `json:"attack_lines"`
}

// Kinds lists the kinds Write knows, sorted.
func Kinds() []string {
	ks := make([]string, 0, len(kinds))
	for k := range kinds {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// Write writes records of the kind ("access", "auth", "syslog",
// "mysql-general", "mysql-slow") until at least size bytes are out; attack is
// the fraction of lines (0 to 1) that are attack traffic.
func Write(w io.Writer, kind string, size int64, attack float64, seed uint64) (Meta, error) {
	mk, ok := kinds[kind]
	if !ok {
		return Meta{}, fmt.Errorf("kind %q: want one of %s", kind, strings.Join(Kinds(), ", "))
	}
	if attack < 0 || attack > 1 {
		return Meta{}, fmt.Errorf("attack fraction %v: want 0 to 1", attack)
	}
	g := &gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), attack: attack}
	g.clock.set(time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC))
	next := mk(g)
	bw := bufio.NewWriterSize(w, 4<<20)
	m := Meta{Kind: kind, Seed: seed, Attack: attack}
	buf := make([]byte, 0, 64<<10)
	for m.Bytes < size {
		buf = buf[:0]
		// Batch records so the writer sees large writes.
		for len(buf) < 60<<10 && m.Bytes+int64(len(buf)) < size {
			var n int
			var bad bool
			buf, n, bad = next(buf)
			m.Lines += int64(n)
			if bad {
				m.AttackLines += int64(n)
			}
		}
		if _, err := bw.Write(buf); err != nil {
			return m, err
		}
		m.Bytes += int64(len(buf))
	}
	return m, bw.Flush()
}

// ParseSize reads "10MB", "2GB", "1.5GB", "512MiB", "100000" (bytes); MB
// and GB are decimal.
func ParseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := 1.0
	for _, u := range []struct {
		suffix string
		m      float64
	}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"K", 1e3}, {"M", 1e6}, {"G", 1e9}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSuffix(t, u.suffix), u.m
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || v <= 0 {
		return 0, errors.New("size " + strconv.Quote(s) + ": want a positive size like 10MB or 2GB")
	}
	return int64(v * mult), nil
}

// gen is the state shared by every kind: the random source, the log clock
// and the attack fraction.
type gen struct {
	r      *rand.Rand
	clock  clock
	attack float64
}

// pick returns a random element.
func pick[T any](g *gen, xs []T) T { return xs[g.r.IntN(len(xs))] }

// weighted picks an index with probability proportional to its weight.
type weighted struct {
	cum   []int
	total int
}

func newWeighted(ws ...int) weighted {
	var w weighted
	for _, x := range ws {
		w.total += x
		w.cum = append(w.cum, w.total)
	}
	return w
}

func (w weighted) pick(g *gen) int {
	v := g.r.IntN(w.total)
	for i, c := range w.cum {
		if v < c {
			return i
		}
	}
	return len(w.cum) - 1
}

// skewed returns an index in [0,n) favouring small ones, so a few clients,
// pages and products get most of the traffic as on a real site.
func (g *gen) skewed(n int) int {
	u := g.r.Float64()
	return int(float64(n) * u * u * u)
}

// burst tracks a run of attack lines from one actor.
type burst struct {
	kind, left int
	actor      int
	n          int // lines emitted so far in the burst (for sequential ids, attempt numbers)
	base       int
}

// startAttack decides whether the next record starts an attack burst. The
// per-record probability is attack/meanLen, so that attack lines make up the
// requested fraction of all lines.
func (g *gen) startAttack(meanLen float64) bool {
	return g.attack > 0 && g.r.Float64() < g.attack/meanLen
}

// clock is the log's time: it advances a few milliseconds per line and
// renders each second's stamps once.
type clock struct {
	ms     int64 // unix milliseconds
	sec    int64
	access []byte // 16/Nov/2026:00:00:00 +0000
	syslog []byte // Nov 16 00:00:00
	mysql  []byte // 261116  0:00:00 (MariaDB general log: %y%m%d %e:%M:%S)
	unix   []byte // 1794787200
}

func (c *clock) set(t time.Time) {
	c.ms = t.UnixMilli()
	c.sec = -1
	c.render()
}

// advance moves the clock on by up to maxMs milliseconds.
func (c *clock) advance(g *gen, maxMs int) {
	c.ms += int64(g.r.IntN(maxMs + 1))
	if c.ms/1000 != c.sec {
		c.render()
	}
}

var months = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

func (c *clock) render() {
	c.sec = c.ms / 1000
	t := time.Unix(c.sec, 0).UTC()
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	b := c.access[:0]
	b = two(b, d)
	b = append(b, '/')
	b = append(b, months[mo-1]...)
	b = append(b, '/')
	b = strconv.AppendInt(b, int64(y), 10)
	b = append(b, ':')
	b = hms(b, h, mi, s)
	c.access = append(b, " +0000"...)

	b = append(c.syslog[:0], months[mo-1]...)
	b = append(b, ' ')
	if d < 10 {
		b = append(b, ' ')
	}
	b = strconv.AppendInt(b, int64(d), 10)
	b = append(b, ' ')
	c.syslog = hms(b, h, mi, s)

	b = two(c.mysql[:0], y%100)
	b = two(b, int(mo))
	b = two(b, d)
	b = append(b, ' ')
	if h < 10 {
		b = append(b, ' ')
	}
	b = strconv.AppendInt(b, int64(h), 10)
	b = append(b, ':')
	b = two(b, mi)
	b = append(b, ':')
	c.mysql = two(b, s)

	c.unix = strconv.AppendInt(c.unix[:0], c.sec, 10)
}

func two(b []byte, v int) []byte { return append(b, byte('0'+v/10), byte('0'+v%10)) }

func hms(b []byte, h, m, s int) []byte {
	b = two(b, h)
	b = append(b, ':')
	b = two(b, m)
	b = append(b, ':')
	return two(b, s)
}

// ipPool is a fixed set of rendered IPv4 addresses.
func ipPool(g *gen, n int, public bool) []string {
	out := make([]string, n)
	for i := range out {
		var a int
		if public {
			for {
				a = 1 + g.r.IntN(223)
				if a != 10 && a != 127 && a != 172 && a != 192 && a != 100 {
					break
				}
			}
		} else {
			a = 10
		}
		b := make([]byte, 0, 15)
		b = strconv.AppendInt(b, int64(a), 10)
		for range 3 {
			b = append(b, '.')
			b = strconv.AppendInt(b, int64(g.r.IntN(256)), 10)
		}
		out[i] = string(b)
	}
	return out
}

// hexPool is a set of random lowercase hex strings of length n.
func hexPool(g *gen, count, n int) []string {
	const digits = "0123456789abcdef"
	out := make([]string, count)
	for i := range out {
		b := make([]byte, n)
		for j := range b {
			b[j] = digits[g.r.IntN(16)]
		}
		out[i] = string(b)
	}
	return out
}
