package triage

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kizuki-dfir/kizuki/evidence"
	"github.com/kizuki-dfir/kizuki/findings"
	"github.com/kizuki-dfir/kizuki/format"
	"github.com/kizuki-dfir/kizuki/investigate"
	"github.com/kizuki-dfir/kizuki/report"
	"github.com/kizuki-dfir/kizuki/scan"
)

func config(t *testing.T, args []string, workers int) Config {
	t.Helper()
	inv := filepath.Join(t.TempDir(), "inventory.yaml")
	must(t, os.WriteFile(inv, []byte("assets:\n  - name: members\n    table: shop.members\n    records: 5000\n"), 0o644))
	in, err := investigate.LoadInventory(inv)
	must(t, err)
	return Config{
		Version: "test", TimeZone: "UTC", Paranoia: 1, Inventory: in,
		Scan: scan.Config{Args: args, Workers: workers, Decode: format.Options{Location: time.UTC}},
	}
}

func TestScenarioIncidents(t *testing.T) {
	args := scenario(t, t.TempDir())
	res, err := Run(context.Background(), config(t, args, 0))
	must(t, err)
	incs := res.Findings.Incidents
	if len(incs) != 3 {
		for _, i := range incs {
			t.Logf("%s %s", i.ID, i.Title)
		}
		t.Fatalf("got %d incidents, want 3 (web intrusion, SSH intrusion, web shell); benign users must not be incidents", len(incs))
	}
	web, ssh, shell := incs[0], incs[1], incs[2]

	// Web intrusion: entry by SQL injection in q, records taken by id walking.
	if web.EntryVector == nil || !strings.Contains(web.EntryVector.What, `SQL injection in parameter "q" of /search.php`) {
		t.Errorf("web entry vector = %+v", web.EntryVector)
	}
	if got := web.EntryVector.Time; !got.Equal(time.Date(2025, 5, 19, 3, 10, 0, 0, time.UTC)) {
		t.Errorf("web entry time = %v", got)
	}
	if web.FirstSeen != time.Date(2025, 5, 19, 3, 0, 0, 0, time.UTC) || web.LastSeen != time.Date(2025, 5, 19, 3, 24, 59, 0, time.UTC) {
		t.Errorf("web first/last seen = %v / %v", web.FirstSeen, web.LastSeen)
	}
	if web.AffectedConfirmed != 300 || web.RecordsRead != 300 {
		t.Errorf("web affected confirmed %d, records read %d; want 300 (ids 1000-1299)", web.AffectedConfirmed, web.RecordsRead)
	}
	if web.AffectedPossible != 5000 {
		t.Errorf("web affected possible %d; want 5000 from the inventory", web.AffectedPossible)
	}
	if len(web.Recon) == 0 || web.Severity != "critical" || web.Confidence != "high" {
		t.Errorf("web recon %d steps, severity %s, confidence %s", len(web.Recon), web.Severity, web.Confidence)
	}
	wantActors(t, web, "ip:203.0.113.7")

	// SSH intrusion: guessed password, root shell, table dropped.
	if ssh.EntryVector == nil || !strings.Contains(ssh.EntryVector.What, `Password guessed for "ops" over SSH after 40 failures`) {
		t.Errorf("ssh entry vector = %+v", ssh.EntryVector)
	}
	if ssh.RecordsDestroyed != 5000 {
		t.Errorf("ssh records destroyed = %d, want 5000 (members from the inventory)", ssh.RecordsDestroyed)
	}
	wantActors(t, ssh, "ip:198.51.100.23", "user:ops")
	var tactics []string
	for _, ta := range ssh.Tactics {
		tactics = append(tactics, ta.ID)
	}
	for _, want := range []string{"TA0006", "TA0001", "TA0004", "TA0040"} {
		if !strings.Contains(strings.Join(tactics, " "), want) {
			t.Errorf("ssh tactics %v lack %s", tactics, want)
		}
	}
	// Web shell: uploaded, used from two addresses, files taken.
	if shell.EntryVector == nil || shell.EntryKind != "web_shell" ||
		!strings.Contains(shell.EntryVector.What, "Web shell /uploads/avatar.php uploaded through /upload.php, from 203.0.113.50") ||
		!shell.EntryVector.Time.Equal(time.Date(2025, 5, 19, 6, 0, 5, 0, time.UTC)) {
		t.Errorf("web shell entry vector = %+v", shell.EntryVector)
	}
	wantActors(t, shell, "ip:198.51.100.77", "ip:203.0.113.50", "shell:/uploads/avatar.php")
	if len(shell.FilesDownloaded) != 5 || shell.DataOutBytes < 25_000_000 {
		t.Errorf("web shell files %v, bytes out %d", shell.FilesDownloaded, shell.DataOutBytes)
	}
	cmds := 0
	for _, st := range shell.Timeline {
		if st.Code == "shell.command" {
			cmds++
		}
	}
	if cmds != 9 {
		t.Errorf("web shell timeline has %d commands, want 9", cmds)
	}
	if shell.LastSeen != time.Date(2025, 5, 19, 11, 0, 1, 0, time.UTC) {
		t.Errorf("web shell last seen %v", shell.LastSeen)
	}

	// Every claim cites an input line with its file hash.
	for _, inc := range incs {
		for _, e := range inc.Evidence {
			if e.Path == "" || e.Line == 0 || len(e.SHA256) != 64 {
				t.Errorf("%s: evidence without citation: %+v", inc.ID, e)
			}
		}
	}
}

func wantActors(t *testing.T, inc findings.Incident, want ...string) {
	t.Helper()
	var got []string
	for _, a := range inc.Actors {
		k := a.Kind
		if k == "webshell" {
			k = "shell"
		}
		got = append(got, k+":"+a.Value)
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("%s actors = %v, want %v", inc.ID, got, want)
	}
}

// TestDeterministic: the same inputs give byte-identical outputs whatever the
// number of workers and the order of the arguments.
func TestDeterministic(t *testing.T) {
	args := scenario(t, t.TempDir())
	rev := []string{args[2], args[1], args[0]}
	var outs [][]byte
	for i, c := range []Config{config(t, args, 1), config(t, rev, runtime.GOMAXPROCS(0)+3)} {
		res, err := Run(context.Background(), c)
		must(t, err)
		dir := filepath.Join(t.TempDir(), "case")
		cs, err := evidence.Create(dir, false)
		must(t, err)
		must(t, WriteCase(context.Background(), cs, res, "test", report.Options{}))
		var all bytes.Buffer
		for _, name := range []string{FindingsFile, TimelineFile, HTMLFile, MarkdownFile} {
			b, err := os.ReadFile(filepath.Join(dir, name))
			must(t, err)
			all.WriteString("== " + name + "\n")
			all.Write(b)
		}
		outs = append(outs, all.Bytes())
		_ = i
	}
	if !bytes.Equal(outs[0], outs[1]) {
		a, b := string(outs[0]), string(outs[1])
		i := 0
		for i < len(a) && i < len(b) && a[i] == b[i] {
			i++
		}
		t.Fatalf("outputs differ at byte %d:\n1 worker: …%s…\nmany:     …%s…", i, a[max(0, i-80):min(len(a), i+80)], b[max(0, i-80):min(len(b), i+80)])
	}
}

// TestTimelineAll: --timeline all adds one row per decoded event, in input
// and line order, after the incidents' rows.
func TestTimelineAll(t *testing.T) {
	args := scenario(t, t.TempDir())
	cfg := config(t, args, 0)
	cfg.TimelineAll = true
	res, err := Run(context.Background(), cfg)
	must(t, err)
	dir := filepath.Join(t.TempDir(), "case")
	cs, err := evidence.Create(dir, false)
	must(t, err)
	must(t, WriteCase(context.Background(), cs, res, "test", report.Options{}))
	b, err := os.ReadFile(filepath.Join(dir, TimelineFile))
	must(t, err)
	rows := strings.Count(string(b), "\n") - 1 // header
	incidentRows := len(report.IncidentRows(res.Findings))
	if want := incidentRows + int(res.Findings.Summary.Events); rows != want {
		t.Fatalf("timeline has %d rows, want %d incident rows + %d events", rows, incidentRows, res.Findings.Summary.Events)
	}
	if !strings.Contains(string(b), ",web.access") || !strings.Contains(string(b), ",mysql.general") {
		t.Error("event rows missing their data_type")
	}
}
