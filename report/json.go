package report

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/kizuki-dfir/kizuki/findings"
)

// WriteJSON writes findings.json: two-space indented, fields in contract
// order, a trailing newline. Consumers iterate lists without nil checks, so
// absent lists are written as [] rather than null, and every time is written
// in UTC as the contract promises, whatever zone the producer used. HTML
// metacharacters in strings are written as \u003c etc., so the file is inert
// if someone serves it as text/html. f itself is not modified.
func WriteJSON(w io.Writer, f *findings.Findings) error {
	if f == nil {
		return fmt.Errorf("write findings.json: nil findings")
	}
	doc := normalised(f)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil { // Encode ends with '\n'
		return fmt.Errorf("write findings.json: %w", err)
	}
	return nil
}

// normalised returns a deep-enough copy of f with nil lists made empty and
// times in UTC.
func normalised(f *findings.Findings) *findings.Findings {
	d := *f
	d.Options.Rules = nonNil(d.Options.Rules)
	d.Skipped = nonNil(d.Skipped)
	d.RulesUnsupported = nonNil(d.RulesUnsupported)
	d.Inputs = make([]findings.Input, len(f.Inputs))
	for i, in := range f.Inputs {
		in.FirstTime = utcPtr(in.FirstTime)
		in.LastTime = utcPtr(in.LastTime)
		d.Inputs[i] = in
	}
	d.Alerts = make([]findings.Alert, len(f.Alerts))
	for i, a := range f.Alerts {
		a.Time = a.Time.UTC()
		a.Detected = a.Detected.UTC()
		a.LastTime = a.LastTime.UTC()
		a.Attack = nonNil(a.Attack)
		a.Tactics = nonNil(a.Tactics)
		a.Evidence = nonNil(a.Evidence)
		d.Alerts[i] = a
	}
	d.Incidents = make([]findings.Incident, len(f.Incidents))
	for i, inc := range f.Incidents {
		inc.ConfidenceReasons = nonNil(inc.ConfidenceReasons)
		inc.Actors = nonNil(inc.Actors)
		if inc.EntryVector != nil {
			s := normStep(*inc.EntryVector)
			inc.EntryVector = &s
		}
		inc.Recon = normSteps(inc.Recon)
		inc.FirstSeen = inc.FirstSeen.UTC()
		inc.LastSeen = inc.LastSeen.UTC()
		inc.FirstAlert = utcPtr(inc.FirstAlert)
		tac := make([]findings.Tactic, len(inc.Tactics))
		for j, t := range inc.Tactics {
			t.Techniques = nonNil(t.Techniques)
			t.First = t.First.UTC()
			t.Last = t.Last.UTC()
			tac[j] = t
		}
		inc.Tactics = tac
		inc.FilesDownloaded = nonNil(inc.FilesDownloaded)
		inc.AffectedBasis = nonNil(inc.AffectedBasis)
		inc.Alerts = nonNil(inc.Alerts)
		inc.Timeline = normSteps(inc.Timeline)
		inc.Evidence = nonNil(inc.Evidence)
		d.Incidents[i] = inc
	}
	return &d
}

func normSteps(in []findings.Step) []findings.Step {
	out := make([]findings.Step, len(in))
	for i, s := range in {
		out[i] = normStep(s)
	}
	return out
}

func normStep(s findings.Step) findings.Step {
	s.Time = s.Time.UTC()
	s.Evidence = nonNil(s.Evidence)
	return s
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
