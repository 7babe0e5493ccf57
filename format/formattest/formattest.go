// Package formattest holds what decoder tests share, as net/http/httptest
// does for handlers: decoding sample lines, reading sample files, and
// comparing output with golden files.
package formattest

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/format"
)

// Decode runs lines through a fresh decoder of the named format (see
// format.DecodeLines) and fails the test if the format cannot be made.
func Decode(t testing.TB, name string, opts format.Options, lines []string) []event.Event {
	t.Helper()
	evs, err := format.DecodeLines(name, opts, lines)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// ReadLines returns the lines of a sample file.
func ReadLines(t testing.TB, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// Golden compares got with the golden file at path, rewriting it first when
// update is set (the -update flag of the calling test).
func Golden(t testing.TB, path string, got []byte, update bool) {
	t.Helper()
	if update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("%s differs from its golden file (-want +got):\n%s", path, d)
	}
}

// goldenEvent is the JSON form of an event in golden files: the fields set.
type goldenEvent struct {
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
	Port      int        `json:"source_port,omitempty"`
	PID       int        `json:"pid,omitempty"`
	User      string     `json:"user,omitempty"`
	Process   string     `json:"process,omitempty"`
	Statement string     `json:"statement,omitempty"`
	Rows      int64      `json:"rows,omitempty"`
	Extra     []event.KV `json:"extra,omitempty"`
	Raw       string     `json:"raw"`
}

// GoldenDecode decodes testdata/in with the named format and compares the
// events, one JSON object a line, with testdata/in.golden (rewritten first
// when update is set).
func GoldenDecode(t *testing.T, name, in string, update bool) []event.Event {
	t.Helper()
	evs := Decode(t, name, format.Options{}, ReadLines(t, filepath.Join("testdata", in)))
	var b strings.Builder
	for _, ev := range evs {
		g := goldenEvent{Line: ev.Ref.Line, Kind: ev.Kind.String(), Dataset: ev.Dataset, Action: ev.Action,
			Outcome: ev.Outcome.String(), Host: ev.Host, Message: ev.Message, Level: ev.Level, SourceIP: ev.SourceIP,
			Port: ev.SourcePort, PID: ev.PID, User: ev.User, Process: ev.Process, Statement: ev.Statement, Rows: ev.Rows, Extra: ev.Extra, Raw: ev.Raw}
		if !ev.Time.IsZero() {
			g.Time = ev.Time.Format(time.RFC3339Nano)
		}
		j, err := json.Marshal(g)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(j)
		b.WriteByte('\n')
	}
	Golden(t, filepath.Join("testdata", in+".golden"), []byte(b.String()), update)
	return evs
}

// KV builds extra fields from key, value pairs.
func KV(pairs ...string) []event.KV {
	var out []event.KV
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, event.KV{Key: pairs[i], Value: pairs[i+1]})
	}
	return out
}

// Dump writes an event as one line of field=value pairs (typed fields but
// the message, then extras): the golden form of decoders whose events are
// easier to review flat.
func Dump(b *strings.Builder, ev *event.Event) {
	for f := event.FieldTimestamp; f <= event.FieldRows; f++ {
		if f == event.FieldMessage {
			continue
		}
		if v, ok := ev.Value(f); ok {
			b.WriteString(f.String() + "=" + v + " ")
		}
	}
	for _, kv := range ev.Extra {
		b.WriteString(kv.Key + "=" + kv.Value + " ")
	}
	b.WriteString("\n")
}

// Time parses an RFC 3339 time of a test table; it panics on a typo.
func Time(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// Ref is the reference of line n.
func Ref(n int64) event.Ref { return event.Ref{Line: n} }

// DiffEvents compares events ignoring Ref offsets (tests of offsets check
// them on their own).
func DiffEvents(want, got []event.Event) string {
	return cmp.Diff(want, got, cmp.Comparer(func(a, b event.Ref) bool { return a.Line == b.Line }))
}
