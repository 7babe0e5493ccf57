package report

import (
	"time"

	"github.com/kizuki-dfir/kizuki/findings"
)

// chart is the geometry of one incident's timeline chart, computed here and
// drawn by the HTML template as inline SVG: one lane per ATT&CK tactic in
// kill-chain order, a bar from the tactic's first to last activity, a dot per
// timeline step. Only numbers and escaped text reach the SVG.
type chart struct {
	Width, Height int
	Left, Right   int // plot area x range
	AxisY         int
	Lanes         []lane
	Ticks         []tick
	Desc          string
}

type lane struct {
	Y, BarX, BarW int
	Label, Color  string
	Dots          []dot
}

type dot struct {
	X     int
	Title string
}

type tick struct {
	X     int
	Label string
}

var palette = []string{
	"#6b7280", "#78716c", "#dc2626", "#ea580c", "#d97706", "#ca8a04", "#65a30d",
	"#059669", "#0891b2", "#2563eb", "#7c3aed", "#c026d3", "#db2777", "#9f1239",
}

func tacticColor(t findings.Tactic) string {
	i := lookupTactic(t.ID)
	if i < 0 {
		i = lookupTactic(t.Name)
	}
	return colorOf(i)
}

func colorOf(i int) string {
	if i < 0 || i >= len(palette) {
		return "#475569"
	}
	return palette[i]
}

const (
	chartWidth = 960
	laneH      = 26
	labelW     = 200
)

func newChart(l int, loc *time.Location, inc findings.Incident) chart {
	c := chart{Width: chartWidth, Left: labelW, Right: chartWidth - 24, Desc: msg(l, "chart.desc")}

	// time range: the incident's span widened to everything drawn
	lo, hi := inc.FirstSeen, inc.LastSeen
	widen := func(t time.Time) {
		if t.IsZero() {
			return
		}
		if lo.IsZero() || t.Before(lo) {
			lo = t
		}
		if hi.IsZero() || t.After(hi) {
			hi = t
		}
	}
	for _, t := range inc.Tactics {
		widen(t.First)
		widen(t.Last)
	}
	steps := append([]findings.Step(nil), inc.Recon...)
	if inc.EntryVector != nil {
		steps = append(steps, *inc.EntryVector)
	}
	steps = append(steps, inc.Timeline...)
	for _, s := range steps {
		widen(s.Time)
	}
	span := hi.Sub(lo)
	if span <= 0 {
		span = time.Minute
		lo = lo.Add(-30 * time.Second)
	}
	x := func(t time.Time) int {
		if t.IsZero() {
			return c.Left
		}
		f := float64(t.Sub(lo)) / float64(span)
		return c.Left + int(f*float64(c.Right-c.Left)+0.5)
	}

	// lanes: tactics of the incident, then any tactic only steps name, then "other"
	type key struct {
		idx int
		raw string
	}
	laneOf := map[key]int{}
	addLane := func(k key, label, color string) int {
		if i, ok := laneOf[k]; ok {
			return i
		}
		laneOf[k] = len(c.Lanes)
		c.Lanes = append(c.Lanes, lane{Label: label, Color: color, BarX: -1})
		return len(c.Lanes) - 1
	}
	keyOf := func(id, name string) key {
		if i := lookupTactic(id); i >= 0 {
			return key{idx: i}
		}
		if i := lookupTactic(name); i >= 0 {
			return key{idx: i}
		}
		if name == "" {
			name = id
		}
		return key{idx: -1, raw: name}
	}
	labelOf := func(k key) string {
		if k.idx >= 0 {
			return tactics[k.idx].Name[l]
		}
		if k.raw == "" {
			return msg(l, "tactic.other")
		}
		return visible(k.raw, 28)
	}
	for _, t := range sortedTactics(inc.Tactics) {
		k := keyOf(t.ID, t.Name)
		i := addLane(k, labelOf(k), colorOf(k.idx))
		x0, x1 := x(t.First), x(t.Last)
		if t.First.IsZero() {
			continue
		}
		if c.Lanes[i].BarX < 0 || x0 < c.Lanes[i].BarX {
			c.Lanes[i].BarX = x0
		}
		if end := c.Lanes[i].BarX + c.Lanes[i].BarW; x1 > end {
			c.Lanes[i].BarW = x1 - c.Lanes[i].BarX
		}
	}
	seen := map[string]bool{} // the entry vector is usually also a timeline step
	for _, s := range steps {
		id := s.Time.String() + "\x00" + s.What
		if seen[id] {
			continue
		}
		seen[id] = true
		k := keyOf(s.Tactic, s.Tactic)
		i := addLane(k, labelOf(k), colorOf(k.idx))
		title := fmtTime(s.Time, loc) + " — " + visible(stepText(l, s), 300)
		c.Lanes[i].Dots = append(c.Lanes[i].Dots, dot{X: x(s.Time), Title: title})
	}
	for i := range c.Lanes {
		c.Lanes[i].Y = 14 + i*laneH
		if c.Lanes[i].BarX < 0 {
			c.Lanes[i].BarX, c.Lanes[i].BarW = 0, 0
		} else if c.Lanes[i].BarW < 4 {
			c.Lanes[i].BarW = 4 // a one-instant tactic still shows
		}
	}
	c.AxisY = 14 + len(c.Lanes)*laneH
	c.Height = c.AxisY + 34

	const nt = 5
	for i := 0; i <= nt; i++ {
		t := lo.Add(time.Duration(float64(span) * float64(i) / nt))
		c.Ticks = append(c.Ticks, tick{X: x(t), Label: tickLabel(t.In(loc), span)})
	}
	return c
}

func tickLabel(t time.Time, span time.Duration) string {
	switch {
	case span < 10*time.Minute:
		return t.Format("15:04:05")
	case span < 24*time.Hour:
		return t.Format("15:04")
	default:
		return t.Format("01-02 15:04")
	}
}
