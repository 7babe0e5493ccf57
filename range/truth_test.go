package rangetest

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The recorded run in examples/range is the truth kizuki is compared with:
// it must load, and agree with the story run.sh tells.
func TestLoadTruthRecordedExample(t *testing.T) {
	truth, err := LoadTruth(filepath.Join("..", "examples", "range", "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a1-portscan", "a2-web-recon", "a3-sqli", "a4-idor",
		"c1-login", "c2-upload", "c3-discovery", "c4-collect", "c5-exfil", "c6-cleanup",
		"b1-bruteforce", "b2-impact", "benign-admin-1", "benign-admin-2"} {
		if truth.Phase(id) == nil {
			t.Errorf("phase %s missing", id)
		}
	}
	// Scenarios run one after the other: a, then c, then b.
	if a, c, b := truth.Phase("a4-idor"), truth.Phase("c1-login"), truth.Phase("b1-bruteforce"); a != nil && c != nil && b != nil {
		if !(a.End.Compare(c.Start) <= 0 && c.Start.Before(b.Start)) {
			t.Errorf("scenario order: a4 ends %v, c1 starts %v, b1 starts %v", a.End, c.Start, b.Start)
		}
	}
	if len(truth.EntryVectors) != 3 {
		t.Errorf("%d entry vectors, want 3", len(truth.EntryVectors))
	}
	if len(truth.RecordsDestroyed) != 1 || truth.RecordsDestroyed[0].Table != "kizuki_shop.orders" || truth.RecordsDestroyed[0].Rows != 6000 {
		t.Errorf("records destroyed: %+v", truth.RecordsDestroyed)
	}
	if ex := truth.Phase("c5-exfil"); ex == nil || ex.BytesOut <= 0 || truth.DataOutBytes != ex.BytesOut {
		t.Errorf("exfiltration bytes: phase %+v, total %d", ex, truth.DataOutBytes)
	}
}

func TestValidateRejects(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 22, 0, 0, 0, time.UTC)
	good := func() *Truth {
		return &Truth{
			Schema: 1, Start: t0, End: t0.Add(time.Minute),
			Actors: []Actor{{ID: "x", Kind: "attacker", Addresses: []string{"203.0.113.50"}}},
			Phases: []Phase{{ID: "p", Actor: "x", Start: t0, End: t0.Add(time.Second)}},
		}
	}
	if err := good().Validate(); err != nil {
		t.Fatalf("valid truth rejected: %v", err)
	}
	cases := []struct {
		name   string
		mutate func(*Truth)
		want   string
	}{
		{"schema", func(tr *Truth) { tr.Schema = 2 }, "schema"},
		{"end before start", func(tr *Truth) { tr.End = t0.Add(-time.Second) }, "run start"},
		{"no phases", func(tr *Truth) { tr.Phases = nil }, "no phases"},
		{"unknown actor", func(tr *Truth) { tr.Phases[0].Actor = "y" }, "unknown actor"},
		{"phase after run", func(tr *Truth) { tr.Phases[0].End = t0.Add(time.Hour) }, "outside run"},
		{"actor without address", func(tr *Truth) { tr.Actors[0].Addresses = nil }, "without id or addresses"},
		{"entry vector without time", func(tr *Truth) {
			tr.EntryVectors = []EntryVector{{Actor: "x", What: "sqli"}}
		}, "entry vector"},
		{"destroyed by nobody", func(tr *Truth) {
			tr.RecordsDestroyed = []Destroyed{{Actor: "z", Table: "t"}}
		}, "records destroyed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr := good()
			c.mutate(tr)
			err := tr.Validate()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Validate() = %v, want error containing %q", err, c.want)
			}
		})
	}
}
