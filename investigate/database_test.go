package investigate

import (
	"testing"

	"github.com/kizuki-dfir/kizuki/event"
)

// TestDatabaseNotables checks which statements the collector keeps as
// destroying or reading data, in any letter case.
func TestDatabaseNotables(t *testing.T) {
	tests := []struct {
		stmt string
		rows int64
		want string // notable kind, "" for none
	}{
		{"DROP TABLE members", 0, "db_destroy"},
		{"drop database shop", 0, "db_destroy"},
		{"  Truncate members", 0, "db_destroy"},
		{"DELETE FROM members", 0, "db_destroy"},
		{"delete from members where id = 3", 0, ""},
		{"SELECT * FROM members", 3000, "db_read"},
		{"SELECT * FROM members", 12, ""},
		{"select * from members into OutFile '/tmp/m'", 0, "db_read"},
		{"SELECT 1 INTO DUMPFILE '/tmp/x'", 0, "db_read"},
		{"SELECT name FROM a UNION ALL SELECT password FROM users", 0, "db_read"},
		{"SELECT name FROM reunion_photos", 0, "db_read"}, // substrings, as before: "reunion" holds "union" (errs towards keeping)
		{"UPDATE reunion SET x = 1", 0, ""},
		{"DROPPED TABLES", 0, ""},
		{"İNTO OUTFILE", 0, ""}, // U+0130 is not "i"
	}
	for _, tt := range tests {
		c := NewCollector(nil, nil)
		w := &collectorWorker{c: c, ips: map[string]*ipFacts{}, shells: map[string]*shellFacts{}}
		w.database(&event.Event{Kind: event.KindDB, Statement: tt.stmt, Rows: tt.rows})
		got := ""
		if len(w.notable) > 0 {
			got = w.notable[0].kind
		}
		if got != tt.want {
			t.Errorf("%q (%d rows): kept as %q, want %q", tt.stmt, tt.rows, got, tt.want)
		}
	}
}
