package mysql

import (
	"testing"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/format"
	"github.com/kizuki-dfir/kizuki/format/formattest"
)

func TestAudit(t *testing.T) {
	// Lines captured from MariaDB 10.11's server_audit plugin (see
	// testdata/README.md); the field layout is the one in the MariaDB
	// knowledge base, "MariaDB Audit Plugin - Log Format".
	tests := []struct {
		line string
		want event.Event
	}{
		{
			line: `20261122 22:22:39,vm,app,localhost,5,10,QUERY,shop,'SELECT * FROM users WHERE email = \'a@example.com\' OR \'1\'=\'1\'',0`,
			want: event.Event{Time: formattest.Time("2026-11-22T22:22:39Z"), Kind: event.KindDB, Dataset: "mariadb.audit", Action: "query",
				Outcome: event.OutcomeSuccess, Host: "vm", User: "app",
				Statement: `SELECT * FROM users WHERE email = 'a@example.com' OR '1'='1'`,
				Extra:     formattest.KV("source.domain", "localhost", "db.connection_id", "5", "db.query_id", "10", "db.name", "shop")},
		},
		{
			line: `20261122 22:22:39,vm,app,localhost,5,11,QUERY,shop,'SELECT id,\n  email\nFROM users',0`,
			want: event.Event{Time: formattest.Time("2026-11-22T22:22:39Z"), Kind: event.KindDB, Dataset: "mariadb.audit", Action: "query",
				Outcome: event.OutcomeSuccess, Host: "vm", User: "app", Statement: "SELECT id,\n  email\nFROM users",
				Extra: formattest.KV("source.domain", "localhost", "db.connection_id", "5", "db.query_id", "11", "db.name", "shop")},
		},
		{
			line: `20261122 22:22:39,vm,hacker,203.0.113.9,7,0,FAILED_CONNECT,,,1045`,
			want: event.Event{Time: formattest.Time("2026-11-22T22:22:39Z"), Kind: event.KindDB, Dataset: "mariadb.audit", Action: "failed_connect",
				Outcome: event.OutcomeFailure, Host: "vm", User: "hacker", SourceIP: "203.0.113.9",
				Extra: formattest.KV("db.connection_id", "7", "error.code", "1045")},
		},
		{
			line: `20261122 22:22:39,vm,app,localhost,8,18,QUERY,shop,'SELECT * FROM users INTO OUTFILE \'/tmp/dump.csv\'',1227`,
			want: event.Event{Time: formattest.Time("2026-11-22T22:22:39Z"), Kind: event.KindDB, Dataset: "mariadb.audit", Action: "query",
				Outcome: event.OutcomeFailure, Host: "vm", User: "app", Statement: `SELECT * FROM users INTO OUTFILE '/tmp/dump.csv'`,
				Extra: formattest.KV("source.domain", "localhost", "db.connection_id", "8", "db.query_id", "18", "db.name", "shop", "error.code", "1227")},
		},
		{
			// A table event: no quotes and no return code.
			line: `20261122 22:22:39,vm,app,localhost,8,15,WRITE,shop,users,`,
			want: event.Event{Time: formattest.Time("2026-11-22T22:22:39Z"), Kind: event.KindDB, Dataset: "mariadb.audit", Action: "write",
				Host: "vm", User: "app",
				Extra: formattest.KV("source.domain", "localhost", "db.connection_id", "8", "db.query_id", "15", "db.name", "shop", "db.table", "users")},
		},
		{
			// An object with a comma and an escaped backslash before the quote.
			line: `20250519 03:12:44,db1,app,::ffff:10.1.2.3,12,345,QUERY,shop,'SELECT \'a,b\\\\\', 1',0`,
			want: event.Event{Time: formattest.Time("2025-05-19T03:12:44Z"), Kind: event.KindDB, Dataset: "mariadb.audit", Action: "query",
				Outcome: event.OutcomeSuccess, Host: "db1", User: "app", SourceIP: "10.1.2.3", Statement: `SELECT 'a,b\\', 1`,
				Extra: formattest.KV("db.connection_id", "12", "db.query_id", "345", "db.name", "shop")},
		},
		{line: `20250519 03:12:44,db1,app,host,12,345,QUERY,shop,'unterminated,0`, want: event.Event{Kind: event.KindRaw}},
		{line: `20251319 03:12:44,db1,app,host,12,345,QUERY,shop,'x',0`, want: event.Event{Kind: event.KindRaw}},
		{line: `Nov 22 22:22:39 vm mysql-server_auditing: vm,app,localhost,5,10,QUERY,shop,'SELECT 1',0`, want: event.Event{Kind: event.KindRaw}},
	}
	for _, tt := range tests {
		got := formattest.Decode(t, "mariadb.audit", format.Options{}, []string{tt.line})
		tt.want.Raw, tt.want.Ref = tt.line, formattest.Ref(1)
		if d := formattest.DiffEvents([]event.Event{tt.want}, got); d != "" {
			t.Errorf("%s: (-want +got):\n%s", tt.line, d)
		}
	}
}

func TestAuditGolden(t *testing.T) {
	evs := checkGolden(t, "mariadb.audit", "mariadb-10.11-server_audit.log")
	failed := 0
	for _, ev := range evs {
		if ev.Kind == event.KindRaw {
			t.Errorf("line %d decoded raw: %q", ev.Ref.Line, ev.Raw)
		}
		if ev.Action == "failed_connect" {
			failed++
		}
	}
	if failed != 2 {
		t.Errorf("%d failed connects, want 2", failed)
	}
}

func BenchmarkAudit(b *testing.B) {
	benchDecode(b, "mariadb.audit", formattest.ReadLines(b, "testdata/mariadb-10.11-server_audit.log"))
}

func FuzzAudit(f *testing.F) {
	for _, l := range formattest.ReadLines(f, "testdata/mariadb-10.11-server_audit.log") {
		f.Add(l)
	}
	fuzzDecoder(f, "mariadb.audit")
}
