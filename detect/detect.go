// Package detect runs kizuki's detections over the pipeline's events: compiled
// Sigma rules (single-event and correlation) and OWASP CRS checks of web
// requests. It turns their matches into alerts: one alert per rule and actor,
// with a count, a time span and the earliest evidence lines.
package detect

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/kizuki-dfir/kizuki/attack"
	"github.com/kizuki-dfir/kizuki/detect/crs"
	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/findings"
	"github.com/kizuki-dfir/kizuki/sigma"
)

// MaxEvidence is how many evidence lines an alert cites (the earliest ones);
// Count says how many events there were in all.
const MaxEvidence = 20

// evidenceText caps the line text quoted in evidence.
const evidenceText = 512

// Config selects the detections.
type Config struct {
	Rules *sigma.RuleSet // nil: no Sigma rules
	CRS   *crs.Checker   // nil: no CRS checks
}

// Engine collects matches from many goroutines. Use Worker as the pipeline's
// handler and Alerts once the pipeline is done.
type Engine struct {
	cfg     Config
	mu      sync.Mutex
	workers []*worker
	corr    *sigma.Correlator
}

// New returns an engine.
func New(cfg Config) *Engine {
	e := &Engine{cfg: cfg}
	if cfg.Rules != nil {
		e.corr = cfg.Rules.NewCorrelator()
	}
	return e
}

// key identifies an alert: one rule (or CRS class) about one actor.
type key struct {
	rule  string
	actor string
}

// group accumulates the matches behind one alert.
type group struct {
	crsRules map[int]bool
	source   string // sigma, crs, correlation
	ruleID   string
	title    string
	level    string
	tags     []string
	detail   string
	count    int
	first    time.Time
	last     time.Time
	user     string
	userAt   hit // the event the user was taken from: the earliest with one
	evidence []hit
}

type hit struct {
	time time.Time
	ref  event.Ref
	text string
}

func (g *group) add(ev *event.Event) {
	g.count++
	if g.first.IsZero() || (!ev.Time.IsZero() && ev.Time.Before(g.first)) {
		g.first = ev.Time
	}
	if ev.Time.After(g.last) {
		g.last = ev.Time
	}
	h := hit{time: ev.Time, ref: ev.Ref}
	if ev.User != "" && (g.user == "" || hitLess(h, g.userAt)) {
		g.user, g.userAt = strings.Clone(ev.User), h
	}
	// Keep the earliest evidence: a bounded, sorted list. Cloning only what is
	// kept keeps the hot path free of copies for the thousandth scanner hit.
	if len(g.evidence) == 2*MaxEvidence && !hitLess(h, g.evidence[len(g.evidence)-1]) {
		return
	}
	text := ev.Raw
	if len(text) > evidenceText {
		text = text[:evidenceText]
	}
	h.text = strings.Clone(text)
	i := sort.Search(len(g.evidence), func(i int) bool { return hitLess(h, g.evidence[i]) })
	g.evidence = slices.Insert(g.evidence, i, h)
	if len(g.evidence) > 2*MaxEvidence {
		g.evidence = g.evidence[:2*MaxEvidence]
	}
}

// hitLess orders evidence by time, then position. Input ids are only
// tie-breakers here; Alerts re-sorts by path before cutting to MaxEvidence.
func hitLess(a, b hit) bool {
	if !a.time.Equal(b.time) {
		return a.time.Before(b.time)
	}
	if a.ref.Line != b.ref.Line {
		return a.ref.Line < b.ref.Line
	}
	return a.ref.Input < b.ref.Input
}

type worker struct {
	e       *Engine
	groups  map[key]*group
	sigma   *sigma.Matcher // this worker's Sigma matching state; nil: no Sigma rules
	matched []*sigma.Compiled
	crs     *crs.Screen // this worker's CRS prefilter memos; nil: no CRS checks

	// ruleKeys holds each Sigma rule's alert key ("sigma:" + id), built
	// once rather than for every matching event.
	ruleKeys map[*sigma.Compiled]string
}

// Worker returns the event handler for one pipeline goroutine.
func (e *Engine) Worker() func(*event.Event) {
	w := &worker{e: e, groups: map[key]*group{}}
	if e.cfg.Rules != nil {
		w.sigma = e.cfg.Rules.NewMatcher()
		w.ruleKeys = map[*sigma.Compiled]string{}
	}
	if e.cfg.CRS != nil {
		w.crs = e.cfg.CRS.NewScreen()
	}
	e.mu.Lock()
	e.workers = append(e.workers, w)
	e.mu.Unlock()
	return w.handle
}

// Actor names who an event is about: its source address, else its user, else
// its host.
func Actor(ev *event.Event) string {
	switch {
	case ev.SourceIP != "":
		return ev.SourceIP
	case ev.User != "":
		return ev.User
	}
	return ev.Host
}

func (w *worker) group(k key, make func() *group) *group {
	g := w.groups[k]
	if g == nil {
		g = make()
		k.actor = strings.Clone(k.actor)
		w.groups[k] = g
	}
	return g
}

func (w *worker) ruleKey(c *sigma.Compiled) string {
	k, ok := w.ruleKeys[c]
	if !ok {
		k = "sigma:" + c.Rule.ID
		w.ruleKeys[c] = k
	}
	return k
}

func (w *worker) handle(ev *event.Event) {
	if m := w.sigma; m != nil {
		w.matched = m.Match(ev, w.matched[:0])
		for _, c := range w.matched {
			if c.Standalone {
				r := c.Rule
				w.group(key{w.ruleKey(c), Actor(ev)}, func() *group {
					return &group{source: "sigma", ruleID: r.ID, title: r.Title, level: c.Level(), tags: r.Tags}
				}).add(ev)
			}
		}
		if w.e.corr != nil {
			for _, c := range w.matched {
				w.e.corr.Add(c, ev)
			}
		}
	}
	if s := w.crs; s != nil && ev.Kind == event.KindWeb && s.MayMatch(ev) {
		v := s.Check(ev)
		if v.Attack() {
			cls, ids := crsSummary(v)
			w.group(key{"crs:" + cls, Actor(ev)}, func() *group {
				return crsGroup(cls, v)
			}).addCRS(ev, ids)
		}
	}
}

// Alerts merges every worker's matches and the correlations into alerts,
// citing evidence through resolve (input id → path and SHA-256). The order is
// deterministic: by time, then rule, then actor.
func (e *Engine) Alerts(resolve func(int32) (path, sha string)) []findings.Alert {
	merged := map[key]*group{}
	var keys []key
	for _, w := range e.workers {
		for k, g := range w.groups {
			m := merged[k]
			if m == nil {
				merged[k] = g
				keys = append(keys, k)
				continue
			}
			m.merge(g)
		}
	}
	var alerts []findings.Alert
	for _, k := range keys {
		alerts = append(alerts, merged[k].alert(k.actor, resolve))
	}
	if e.corr != nil {
		alerts = append(alerts, correlationAlerts(e.corr.Finish(), resolve)...)
	}
	sortAlerts(alerts)
	for i := range alerts {
		alerts[i].ID = fmt.Sprintf("A%04d-%s", i+1, shortHash(alerts[i].RuleID, alerts[i].Actor))
	}
	return alerts
}

func sortAlerts(a []findings.Alert) {
	slices.SortFunc(a, func(x, y findings.Alert) int {
		return cmp.Or(x.Time.Compare(y.Time), cmp.Compare(x.RuleID, y.RuleID), cmp.Compare(x.Actor, y.Actor))
	})
}

func shortHash(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(h[:4])
}

func (g *group) merge(o *group) {
	g.count += o.count
	if g.first.IsZero() || (!o.first.IsZero() && o.first.Before(g.first)) {
		g.first = o.first
	}
	if o.last.After(g.last) {
		g.last = o.last
	}
	if o.user != "" && (g.user == "" || hitLess(o.userAt, g.userAt)) {
		g.user, g.userAt = o.user, o.userAt
	}
	if o.detail < g.detail || g.detail == "" {
		g.detail = cmp.Or(o.detail, g.detail)
	}
	for id := range o.crsRules {
		g.crsRules[id] = true
	}
	g.evidence = append(g.evidence, o.evidence...)
	slices.SortFunc(g.evidence, func(a, b hit) int {
		if hitLess(a, b) {
			return -1
		}
		if hitLess(b, a) {
			return 1
		}
		return 0
	})
}

func (g *group) alert(actor string, resolve func(int32) (string, string)) findings.Alert {
	tactics, techniques := attack.FromTags(g.tags)
	return findings.Alert{
		RuleID:   g.ruleID,
		Title:    g.title,
		Severity: severity(g.level),
		Source:   g.source,
		Time:     g.first.UTC(),
		Detected: g.first.UTC(),
		LastTime: g.last.UTC(),
		Actor:    actor,
		User:     g.user,
		Count:    g.count,
		Attack:   nonNil(techniques),
		Tactics:  nonNil(tactics),
		Detail:   g.describe(),
		Evidence: citeHits(g.evidence, resolve),
	}
}

// citeHits turns hits into evidence, ordered by time, path and line, cut to
// MaxEvidence.
func citeHits(hits []hit, resolve func(int32) (string, string)) []findings.Evidence {
	ev := make([]findings.Evidence, 0, len(hits))
	times := make([]time.Time, 0, len(hits))
	for _, h := range hits {
		path, sha := resolve(h.ref.Input)
		ev = append(ev, findings.Evidence{Path: path, Line: h.ref.Line, Offset: h.ref.Offset, SHA256: sha, Text: h.text})
		times = append(times, h.time)
	}
	idx := make([]int, len(ev))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		return cmp.Or(times[a].Compare(times[b]), cmp.Compare(ev[a].Path, ev[b].Path), cmp.Compare(ev[a].Line, ev[b].Line))
	})
	out := make([]findings.Evidence, 0, min(len(idx), MaxEvidence))
	for _, i := range idx {
		if len(out) == MaxEvidence {
			break
		}
		out = append(out, ev[i])
	}
	return out
}

// severity normalises a Sigma level.
func severity(level string) string {
	switch l := strings.ToLower(level); l {
	case "informational", "low", "medium", "high", "critical":
		return l
	}
	return "medium"
}

// SeverityRank orders severities: informational 0 … critical 4.
func SeverityRank(s string) int {
	switch s {
	case "low":
		return 1
	case "medium":
		return 2
	case "high":
		return 3
	case "critical":
		return 4
	}
	return 0
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
