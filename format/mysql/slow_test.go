package mysql

import (
	"strings"
	"testing"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/format"
	"github.com/kizuki-dfir/kizuki/format/formattest"
)

func TestSlow(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		want  []event.Event
	}{
		{
			// MySQL 8.0 entry, as in the MySQL 8.0 reference manual, "The Slow
			// Query Log" (User@Host with "Id:", single space before Rows_sent).
			name: "mysql8",
			lines: []string{
				"# Time: 2025-05-19T03:12:44.123456Z",
				"# User@Host: app[app] @ web1.example.com [10.0.0.5]  Id:    12",
				"# Query_time: 2.000152  Lock_time: 0.000071 Rows_sent: 910795  Rows_examined: 910795",
				"use shop;",
				"SET timestamp=1747624364;",
				"SELECT * FROM users",
				"WHERE 1=1;",
			},
			want: []event.Event{{
				Time: formattest.Time("2025-05-19T03:12:44.123456Z"), Ref: formattest.Ref(1), Kind: event.KindDB, Dataset: "mysql.slow", Action: "query",
				User: "app", SourceIP: "10.0.0.5", Statement: "SELECT * FROM users\nWHERE 1=1", Rows: 910795,
				Raw: "# Time: 2025-05-19T03:12:44.123456Z\n# User@Host: app[app] @ web1.example.com [10.0.0.5]  Id:    12\n" +
					"# Query_time: 2.000152  Lock_time: 0.000071 Rows_sent: 910795  Rows_examined: 910795\nuse shop;\n" +
					"SET timestamp=1747624364;\nSELECT * FROM users\nWHERE 1=1;",
				Extra: formattest.KV("source.domain", "web1.example.com", "db.connection_id", "12", "db.query_time", "2.000152",
					"db.lock_time", "0.000071", "db.rows_examined", "910795", "db.name", "shop"),
			}},
		},
		{
			// MariaDB 10.11: "# Time" only when the second changes, so the second
			// entry has none; its time comes from SET timestamp. Captured from
			// MariaDB 10.11 (testdata/README.md), IP changed.
			name: "mariadb two entries",
			lines: []string{
				"# Time: 261122 22:22:39",
				"# User@Host: root[root] @ localhost []",
				"# Thread_id: 3  Schema:   QC_hit: No",
				"# Query_time: 0.000506  Lock_time: 0.000000  Rows_sent: 0  Rows_examined: 0",
				"# Rows_affected: 1  Bytes_sent: 11",
				"SET timestamp=1795386159;",
				"CREATE DATABASE shop;",
				"# User@Host: app[app] @ localhost [192.0.2.7]",
				"# Thread_id: 4  Schema: shop  QC_hit: No",
				"# Query_time: 0.000596  Lock_time: 0.000234  Rows_sent: 3  Rows_examined: 3",
				"SET timestamp=1795386160;",
				"SELECT * FROM users WHERE email = 'a@example.com' OR '1'='1';",
			},
			want: []event.Event{
				{Time: formattest.Time("2026-11-22T22:22:39Z"), Ref: formattest.Ref(1), Kind: event.KindDB, Dataset: "mysql.slow", Action: "query",
					User: "root", Statement: "CREATE DATABASE shop",
					Raw: "# Time: 261122 22:22:39\n# User@Host: root[root] @ localhost []\n# Thread_id: 3  Schema:   QC_hit: No\n" +
						"# Query_time: 0.000506  Lock_time: 0.000000  Rows_sent: 0  Rows_examined: 0\n# Rows_affected: 1  Bytes_sent: 11\n" +
						"SET timestamp=1795386159;\nCREATE DATABASE shop;",
					Extra: formattest.KV("source.domain", "localhost", "db.connection_id", "3", "mysql.slow.qc_hit", "No", "db.query_time", "0.000506",
						"db.lock_time", "0.000000", "db.rows_examined", "0", "db.rows_affected", "1", "mysql.slow.bytes_sent", "11")},
				{Time: formattest.Time("2026-11-22T22:22:40Z"), Ref: formattest.Ref(8), Kind: event.KindDB, Dataset: "mysql.slow", Action: "query",
					User: "app", SourceIP: "192.0.2.7", Rows: 3, Statement: "SELECT * FROM users WHERE email = 'a@example.com' OR '1'='1'",
					Raw: "# User@Host: app[app] @ localhost [192.0.2.7]\n# Thread_id: 4  Schema: shop  QC_hit: No\n" +
						"# Query_time: 0.000596  Lock_time: 0.000234  Rows_sent: 3  Rows_examined: 3\nSET timestamp=1795386160;\n" +
						"SELECT * FROM users WHERE email = 'a@example.com' OR '1'='1';",
					Extra: formattest.KV("source.domain", "localhost", "db.connection_id", "4", "db.name", "shop", "mysql.slow.qc_hit", "No",
						"db.query_time", "0.000596", "db.lock_time", "0.000234", "db.rows_examined", "3")},
			},
		},
		{
			// MySQL 5.7 logs protocol commands in place of a statement
			// (Percona's pt-query-digest documentation shows the same form).
			name: "administrator command",
			lines: []string{
				"# User@Host: app[app] @ localhost []  Id:     9",
				"# Query_time: 0.000011  Lock_time: 0.000000 Rows_sent: 0  Rows_examined: 0",
				"SET timestamp=1747624364;",
				"# administrator command: Quit;",
			},
			want: []event.Event{{
				Time: formattest.Time("2025-05-19T03:12:44Z"), Ref: formattest.Ref(1), Kind: event.KindDB, Dataset: "mysql.slow", Action: "admin_command",
				User: "app", Message: "Quit",
				Raw: "# User@Host: app[app] @ localhost []  Id:     9\n# Query_time: 0.000011  Lock_time: 0.000000 Rows_sent: 0  Rows_examined: 0\n" +
					"SET timestamp=1747624364;\n# administrator command: Quit;",
				Extra: formattest.KV("source.domain", "localhost", "db.connection_id", "9", "db.query_time", "0.000011", "db.lock_time", "0.000000",
					"db.rows_examined", "0"),
			}},
		},
		{
			// A log that starts mid-entry keeps the orphan lines raw.
			name:  "orphans",
			lines: []string{"WHERE id = 1;", "# Query_time: 1.0"},
			want: []event.Event{
				{Ref: formattest.Ref(1), Kind: event.KindRaw, Raw: "WHERE id = 1;"},
				{Ref: formattest.Ref(2), Kind: event.KindRaw, Raw: "# Query_time: 1.0"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := formattest.Decode(t, "mysql.slow", format.Options{}, tt.lines)
			if d := formattest.DiffEvents(tt.want, got); d != "" {
				t.Errorf("events differ (-want +got):\n%s", d)
			}
		})
	}
}

func TestSlowGolden(t *testing.T) {
	evs := checkGolden(t, "mysql.slow", "mariadb-10.11-slow.log")
	queries := 0
	for _, ev := range evs {
		switch ev.Kind {
		case event.KindRaw:
			t.Errorf("line %d decoded raw: %q", ev.Ref.Line, ev.Raw)
		case event.KindDB:
			queries++
			if ev.Statement == "" || ev.Time.IsZero() || ev.User == "" {
				t.Errorf("line %d: statement %q, time %v, user %q: want all set", ev.Ref.Line, ev.Statement, ev.Time, ev.User)
			}
		}
	}
	if want := strings.Count(strings.Join(formattest.ReadLines(t, "testdata/mariadb-10.11-slow.log"), "\n"), "# User@Host:"); queries != want {
		t.Errorf("%d query events, want %d (one per # User@Host)", queries, want)
	}
}

func BenchmarkSlow(b *testing.B) {
	benchDecode(b, "mysql.slow", formattest.ReadLines(b, "testdata/mariadb-10.11-slow.log"))
}

func FuzzSlow(f *testing.F) {
	f.Add(strings.Join(formattest.ReadLines(f, "testdata/mariadb-10.11-slow.log")[:20], "\n"))
	f.Add("# Time: 2025-05-19T03:12:44.123456Z\n# User@Host: a[b] @  [1.2.3.4]  Id: 1\nSET timestamp=x;\nselect 1;")
	fuzzDecoder(f, "mysql.slow")
}
