package rangetest

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kizuki-dfir/kizuki/format"
	"github.com/kizuki-dfir/kizuki/investigate"
	"github.com/kizuki-dfir/kizuki/report"
	"github.com/kizuki-dfir/kizuki/scan"
	"github.com/kizuki-dfir/kizuki/triage"
)

var update = flag.Bool("update", false, "rewrite testdata/demo.findings.json.golden")

// TestRecordedRange scans the recorded range run in examples/range (what
// `make demo` shows) and holds the findings to the truth written while the
// attacks ran, then pins findings.json byte for byte.
func TestRecordedRange(t *testing.T) {
	t.Chdir("..") // paths in the findings as `make demo` writes them
	truth, err := LoadTruth("examples/range/truth.json")
	if err != nil {
		t.Fatal(err)
	}
	inv, err := investigate.LoadInventory("examples/range/inventory.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := triage.Run(context.Background(), triage.Config{
		Version: "test", TimeZone: "UTC", Paranoia: 1, Inventory: inv,
		Scan: scan.Config{Args: []string{"examples/range/logs"}, Decode: format.Options{Location: time.UTC}},
	})
	if err != nil {
		t.Fatal(err)
	}
	cmp := Compare(truth, res.Findings)
	var table bytes.Buffer
	cmp.Print(&table)
	t.Logf("kizuki against the recorded truth:\n%s", table.String())
	for _, problem := range cmp.Check() {
		t.Error(problem)
	}
	if len(res.Findings.Incidents) != len(truth.EntryVectors) {
		t.Errorf("%d incidents for %d intrusions", len(res.Findings.Incidents), len(truth.EntryVectors))
	}

	var got bytes.Buffer
	if err := report.WriteJSON(&got, res.Findings); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("range", "testdata", "demo.findings.json.golden")
	if *update {
		os.MkdirAll(filepath.Dir(golden), 0o755)
		if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./range -run TestRecordedRange -update)", err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("findings.json of the demo case differs from %s; if the change is intended, rerun with -update and review the diff", golden)
	}
}
