package postgres

import (
	"encoding/csv"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/format"
	"github.com/kizuki-dfir/kizuki/format/formattest"
)

func TestCSV(t *testing.T) {
	// Records captured from PostgreSQL 15.18's csvlog (testdata/README.md).
	failed := `2026-11-22 22:23:03.682 UTC,"app","shop",16203,"127.0.0.1:53858",6b036b47.3f4b,2,"authentication",2026-11-22 22:23:03 UTC,3/20,0,FATAL,28P01,"password authentication failed for user ""app""","Role ""app"" does not exist.`
	failed2 := `Connection matched pg_hba.conf line 91: ""host    all   all   127.0.0.1/32   scram-sha-256""",,,,,,,,"","client backend",,0`
	errLine := `2026-11-22 22:23:03.626 UTC,"app","shop",16176,"127.0.0.1:53848",6b036b47.3f30,11,"SELECT",2026-11-22 22:23:03 UTC,3/18,0,ERROR,42P01,"relation ""nosuchtable"" does not exist",,,,,,"SELECT * FROM nosuchtable;",15,,"psql","client backend",,0`
	// PostgreSQL 12 and older write 23 columns (no backend_type).
	old := `2019-03-01 10:00:00.000 CET,"app","shop",4242,"[local]",5c78f000.1092,3,"idle",2019-03-01 09:59:59 CET,3/2,0,LOG,00000,"statement: SELECT 1",,,,,,,,,"psql"`
	tests := []struct {
		name  string
		lines []string
		want  []event.Event
	}{
		{
			name:  "failed password, detail over two lines",
			lines: []string{failed, failed2},
			want: []event.Event{{Time: formattest.Time("2026-11-22T22:23:03.682Z"), Ref: formattest.Ref(1), Kind: event.KindAuth, Dataset: "postgresql.log",
				Action: "login", Outcome: event.OutcomeFailure, Level: "FATAL", Process: "postgres", PID: 16203, User: "app",
				SourceIP: "127.0.0.1", SourcePort: 53858, Message: `password authentication failed for user "app"`,
				Raw: failed + "\n" + failed2,
				Extra: formattest.KV("db.name", "shop", "error.code", "28P01", "postgresql.session_id", "6b036b47.3f4b",
					"postgresql.command_tag", "authentication",
					"postgresql.detail", "Role \"app\" does not exist.\nConnection matched pg_hba.conf line 91: \"host    all   all   127.0.0.1/32   scram-sha-256\"",
					"postgresql.backend_type", "client backend")}},
		},
		{
			name:  "error with its query",
			lines: []string{errLine},
			want: []event.Event{{Time: formattest.Time("2026-11-22T22:23:03.626Z"), Ref: formattest.Ref(1), Kind: event.KindDB, Dataset: "postgresql.log",
				Action: "query", Outcome: event.OutcomeFailure, Level: "ERROR", Process: "postgres", PID: 16176, User: "app",
				SourceIP: "127.0.0.1", SourcePort: 53848, Message: `relation "nosuchtable" does not exist`,
				Statement: "SELECT * FROM nosuchtable;", Raw: errLine,
				Extra: formattest.KV("db.name", "shop", "error.code", "42P01", "postgresql.session_id", "6b036b47.3f30", "postgresql.command_tag", "SELECT",
					"postgresql.application_name", "psql", "postgresql.backend_type", "client backend")}},
		},
		{
			name:  "23-column record",
			lines: []string{old},
			want: []event.Event{{Time: formattest.Time("2019-03-01T09:00:00Z"), Ref: formattest.Ref(1), Kind: event.KindDB, Dataset: "postgresql.log",
				Action: "query", Level: "LOG", Process: "postgres", PID: 4242, User: "app", Message: "statement: SELECT 1",
				Statement: "SELECT 1", Raw: old,
				Extra: formattest.KV("db.name", "shop", "postgresql.session_id", "5c78f000.1092", "postgresql.command_tag", "idle",
					"postgresql.application_name", "psql")}},
		},
		{
			// The same record from a file with CRLF line ends.
			name:  "crlf",
			lines: []string{old + "\r"},
			want: []event.Event{{Time: formattest.Time("2019-03-01T09:00:00Z"), Ref: formattest.Ref(1), Kind: event.KindDB, Dataset: "postgresql.log",
				Action: "query", Level: "LOG", Process: "postgres", PID: 4242, User: "app", Message: "statement: SELECT 1",
				Statement: "SELECT 1", Raw: old + "\r",
				Extra: formattest.KV("db.name", "shop", "postgresql.session_id", "5c78f000.1092", "postgresql.command_tag", "idle",
					"postgresql.application_name", "psql")}},
		},
		{
			// An unterminated quote must not swallow the records after it.
			name:  "broken record then a good one",
			lines: []string{`2026-11-22 22:23:03.626 UTC,"app","sh`, "oops", errLine[:len(errLine)-2] + `,0`},
			want: []event.Event{
				{Ref: formattest.Ref(1), Kind: event.KindRaw, Raw: `2026-11-22 22:23:03.626 UTC,"app","sh`},
				{Ref: formattest.Ref(2), Kind: event.KindRaw, Raw: "oops"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := formattest.Decode(t, "postgres.csv", format.Options{}, tt.lines)
			if tt.name == "broken record then a good one" {
				// Only the raw lines are checked here; the good record after them is.
				if len(got) != 3 || got[2].Kind != event.KindDB || got[2].Ref.Line != 3 {
					t.Fatalf("got %d events, last %+v; want 2 raw and the record on line 3", len(got), got[len(got)-1])
				}
				got = got[:2]
			}
			if d := formattest.DiffEvents(tt.want, got); d != "" {
				t.Errorf("events differ (-want +got):\n%s", d)
			}
		})
	}
}

func TestCSVGolden(t *testing.T) {
	evs := checkGolden(t, "postgres.csv", "postgresql-15.csv")
	failed := 0
	for _, ev := range evs {
		if ev.Kind == event.KindRaw {
			t.Errorf("line %d decoded raw: %q", ev.Ref.Line, ev.Raw)
		}
		if ev.Kind == event.KindAuth && ev.Outcome == event.OutcomeFailure {
			failed++
		}
	}
	if failed != 8 {
		t.Errorf("%d failed logins, want 8", failed)
	}
}

// TestSplitCSV compares splitCSV with encoding/csv on records that
// encoding/csv accepts.
func TestSplitCSV(t *testing.T) {
	for _, rec := range []string{
		`a,b,c`, `,,`, `""`, `"a""b",c`, "\"multi\nline\",x", `"",""`, `a`, `"x,y",z`,
	} {
		checkSplit(t, rec)
	}
	if _, ok := splitCSV(nil, `"open`); ok {
		t.Error(`splitCSV("\"open") ok, want failure`)
	}
	if _, ok := splitCSV(nil, `a"b,c`); ok {
		t.Error(`splitCSV("a\"b,c") ok, want failure (bare quote)`)
	}
}

func checkSplit(t *testing.T, rec string) {
	t.Helper()
	r := csv.NewReader(strings.NewReader(rec))
	r.FieldsPerRecord = -1
	want, err := r.Read()
	if err != nil {
		return // not a record encoding/csv accepts; nothing to compare
	}
	if _, err := r.Read(); err != io.EOF {
		return // more than one record (or a broken second one) for encoding/csv
	}
	got, ok := splitCSV(nil, rec)
	if !ok {
		t.Fatalf("splitCSV(%q) failed; encoding/csv reads %q", rec, want)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("splitCSV(%q) differs from encoding/csv (-want +got):\n%s", rec, d)
	}
}

func FuzzSplitCSV(f *testing.F) {
	for _, l := range formattest.ReadLines(f, "testdata/postgresql-15.csv")[:20] {
		f.Add(l)
	}
	f.Add("\"multi\nline\",\"a\"\"b\"")
	f.Fuzz(func(t *testing.T, rec string) {
		// encoding/csv drops \r before \n, skips empty lines and comments
		// nothing by default; keep to inputs where the two must agree.
		if strings.ContainsAny(rec, "\r") || rec == "" || strings.HasPrefix(rec, "\n") || strings.HasSuffix(rec, "\n") {
			return
		}
		checkSplit(t, rec)
	})
}

func BenchmarkCSV(b *testing.B) {
	benchDecode(b, "postgres.csv", formattest.ReadLines(b, "testdata/postgresql-15.csv"))
}

func FuzzCSV(f *testing.F) {
	lines := formattest.ReadLines(f, "testdata/postgresql-15.csv")
	for i := 0; i+3 <= len(lines); i += 3 {
		f.Add(strings.Join(lines[i:i+3], "\n"))
	}
	fuzzDecoder(f, "postgres.csv")
}
