package mysql

import (
	"encoding/json"
	"flag"
	"github.com/kizuki-dfir/kizuki/format/formattest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/format"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden is the JSON form of an event in golden files: only set fields.
type golden struct {
	Time      string     `json:"time,omitempty"`
	Line      int64      `json:"line"`
	Kind      string     `json:"kind"`
	Dataset   string     `json:"dataset,omitempty"`
	Action    string     `json:"action,omitempty"`
	Outcome   string     `json:"outcome,omitempty"`
	Host      string     `json:"host,omitempty"`
	Message   string     `json:"message,omitempty"`
	Level     string     `json:"level,omitempty"`
	SourceIP  string     `json:"source_ip,omitempty"`
	User      string     `json:"user,omitempty"`
	Process   string     `json:"process,omitempty"`
	Statement string     `json:"statement,omitempty"`
	Rows      int64      `json:"rows,omitempty"`
	Extra     []event.KV `json:"extra,omitempty"`
	Raw       string     `json:"raw"`
}

func toGolden(ev event.Event) golden {
	g := golden{Line: ev.Ref.Line, Kind: ev.Kind.String(), Dataset: ev.Dataset, Action: ev.Action,
		Outcome: ev.Outcome.String(), Host: ev.Host, Message: ev.Message, Level: ev.Level, SourceIP: ev.SourceIP,
		User: ev.User, Process: ev.Process, Statement: ev.Statement, Rows: ev.Rows, Extra: ev.Extra, Raw: ev.Raw}
	if !ev.Time.IsZero() {
		g.Time = ev.Time.Format(time.RFC3339Nano)
	}
	return g
}

// checkGolden decodes testdata/in with format name and compares the events
// with testdata/in.golden (rewritten with -update).
func checkGolden(t *testing.T, name, in string) []event.Event {
	t.Helper()
	evs := formattest.Decode(t, name, format.Options{}, formattest.ReadLines(t, filepath.Join("testdata", in)))
	var b strings.Builder
	for _, ev := range evs {
		j, err := json.Marshal(toGolden(ev))
		if err != nil {
			t.Fatal(err)
		}
		b.Write(j)
		b.WriteByte('\n')
	}
	path := filepath.Join("testdata", in+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if d := cmp.Diff(string(want), b.String()); d != "" {
		t.Errorf("%s: decoded events differ from %s (-want +got):\n%s", in, path, d)
	}
	return evs
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func kv(pairs ...string) []event.KV {
	var out []event.KV
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, event.KV{Key: pairs[i], Value: pairs[i+1]})
	}
	return out
}

// diffEvents compares events ignoring Ref offsets (checked elsewhere).
func diffEvents(want, got []event.Event) string {
	return cmp.Diff(want, got, cmp.Comparer(func(a, b event.Ref) bool { return a.Line == b.Line }))
}

func ref(line int64) event.Ref { return event.Ref{Line: line} }

func TestSniff(t *testing.T) {
	tests := []struct {
		file string
		want string
	}{
		{"mariadb-10.11-general.log", "mysql.general"},
		{"mariadb-10.11-slow.log", "mysql.slow"},
		{"mariadb-10.11-server_audit.log", "mariadb.audit"},
	}
	for _, tt := range tests {
		lines := formattest.ReadLines(t, filepath.Join("testdata", tt.file))
		if len(lines) > 20 {
			lines = lines[:20]
		}
		f, score := format.Sniff(lines)
		if f == nil || f.Name != tt.want {
			t.Errorf("Sniff(%s) = %v (score %d), want %s", tt.file, f, score, tt.want)
		}
	}
}
