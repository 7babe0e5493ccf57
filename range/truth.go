// Package rangetest reads the ground truth written by the kizuki attack range
// (range/run.sh) so that tests can compare kizuki's findings with what really
// happened. The range itself is shell: setup.sh, up.sh, run.sh, down.sh; its
// end-to-end test is range_test.go, built only with -tags range.
package rangetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"
)

// Truth is RUN_DIR/truth.json: who attacked, when each phase ran, how they got
// in, and which records they read or destroyed. Times are UTC, to the second.
type Truth struct {
	Schema           int               `json:"schema"`
	Short            bool              `json:"short"`
	Start            time.Time         `json:"start"`
	End              time.Time         `json:"end"`
	Host             string            `json:"host"`
	Targets          map[string]string `json:"targets"`
	Logs             map[string]string `json:"logs"`
	Actors           []Actor           `json:"actors"`
	BenignActors     []Actor           `json:"benign_actors"`
	Phases           []Phase           `json:"phases"`
	EntryVectors     []EntryVector     `json:"entry_vectors"`
	RecordsRead      []Records         `json:"records_read"`
	RecordsDestroyed []Destroyed       `json:"records_destroyed"`
	DataOutBytes     int64             `json:"data_out_bytes"`
}

// Actor is one attacker or benign party and the addresses its traffic shows.
type Actor struct {
	ID        string   `json:"id"`
	Kind      string   `json:"kind"` // "attacker" or "benign"
	Addresses []string `json:"addresses"`
	Tools     []string `json:"tools,omitempty"`
	User      string   `json:"user,omitempty"`
	WebLogin  string   `json:"web_login,omitempty"`
	Note      string   `json:"note,omitempty"`
}

// Phase is one step of a scenario, bracketed by the clock before and after it.
type Phase struct {
	ID          string    `json:"id"`
	Scenario    string    `json:"scenario"`
	Actor       string    `json:"actor"`
	Tactic      []string  `json:"tactic"`
	Attack      []string  `json:"attack"` // MITRE ATT&CK technique ids
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	Description string    `json:"description"`
	Tool        string    `json:"tool,omitempty"`
	BytesOut    int64     `json:"bytes_out,omitempty"`
}

// EntryVector is how an actor first got in.
type EntryVector struct {
	Scenario string    `json:"scenario"`
	Actor    string    `json:"actor"`
	What     string    `json:"what"`
	Time     time.Time `json:"time"`
	URL      string    `json:"url,omitempty"`
	File     string    `json:"file,omitempty"`
	Address  string    `json:"address,omitempty"`
	User     string    `json:"user,omitempty"`
}

// Records is a set of database rows an actor read.
type Records struct {
	Scenario string   `json:"scenario"`
	Actor    string   `json:"actor"`
	Via      string   `json:"via"`
	Table    string   `json:"table"`
	FirstID  int      `json:"first_id"`
	LastID   int      `json:"last_id"`
	Count    int      `json:"count"`
	Columns  []string `json:"columns"`
}

// Destroyed is a table an actor destroyed.
type Destroyed struct {
	Scenario  string `json:"scenario"`
	Actor     string `json:"actor"`
	Table     string `json:"table"`
	Rows      int    `json:"rows"`
	Statement string `json:"statement"`
}

// LoadTruth reads and checks a truth.json.
func LoadTruth(path string) (*Truth, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read truth: %w", err)
	}
	var t Truth
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("decode truth %s: %w", path, err)
	}
	if err := t.Validate(); err != nil {
		return nil, fmt.Errorf("truth %s: %w", path, err)
	}
	return &t, nil
}

// Validate checks what consumers rely on: a known schema, phases inside the
// run and in order, and every actor reference resolvable.
func (t *Truth) Validate() error {
	if t.Schema != 1 {
		return fmt.Errorf("schema %d, want 1", t.Schema)
	}
	if t.Start.IsZero() || t.End.Before(t.Start) {
		return fmt.Errorf("run start %v / end %v", t.Start, t.End)
	}
	actors := map[string]bool{}
	for _, a := range append(append([]Actor(nil), t.Actors...), t.BenignActors...) {
		if a.ID == "" || len(a.Addresses) == 0 {
			return fmt.Errorf("actor %q without id or addresses", a.ID)
		}
		actors[a.ID] = true
	}
	if len(t.Phases) == 0 {
		return errors.New("no phases")
	}
	for _, p := range t.Phases {
		if !actors[p.Actor] {
			return fmt.Errorf("phase %s: unknown actor %q", p.ID, p.Actor)
		}
		if p.End.Before(p.Start) || p.Start.Before(t.Start) || p.End.After(t.End) {
			return fmt.Errorf("phase %s: %v..%v outside run %v..%v", p.ID, p.Start, p.End, t.Start, t.End)
		}
	}
	for _, e := range t.EntryVectors {
		if !actors[e.Actor] || e.Time.IsZero() {
			return fmt.Errorf("entry vector %q: actor %q, time %v", e.What, e.Actor, e.Time)
		}
	}
	for _, r := range t.RecordsRead {
		if !actors[r.Actor] || r.Count < 0 || r.Table == "" {
			return fmt.Errorf("records read %+v", r)
		}
	}
	for _, d := range t.RecordsDestroyed {
		if !actors[d.Actor] || d.Table == "" {
			return fmt.Errorf("records destroyed %+v", d)
		}
	}
	return nil
}

// Phase returns the phase with the given id, or nil.
func (t *Truth) Phase(id string) *Phase {
	for i := range t.Phases {
		if t.Phases[i].ID == id {
			return &t.Phases[i]
		}
	}
	return nil
}
