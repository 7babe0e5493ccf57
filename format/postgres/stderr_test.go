package postgres

import (
	"strings"
	"testing"
	"time"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/format"
	"github.com/kizuki-dfir/kizuki/format/formattest"
)

func TestStderr(t *testing.T) {
	// Unless noted, lines were captured from PostgreSQL 15.18 (Debian 12) with
	// the log_line_prefix named in the case (testdata/README.md).
	base := event.Event{Kind: event.KindDB, Dataset: "postgresql.log", Process: "postgres"}
	mk := func(e event.Event) event.Event {
		e.Kind, e.Dataset, e.Process = base.Kind, base.Dataset, base.Process
		return e
	}
	auth := func(e event.Event) event.Event { e = mk(e); e.Kind = event.KindAuth; return e }
	sys := func(e event.Event) event.Event { e = mk(e); e.Kind = event.KindSystem; return e }
	loc := time.FixedZone("test", 2*3600)
	tests := []struct {
		name  string
		lines []string
		want  []event.Event
	}{
		{
			name: "debian default %m [%p] %q%u@%d, multi-line statement",
			lines: []string{
				"2026-11-22 22:23:03.422 UTC [16176] app@shop LOG:  statement: SELECT id,",
				"\t   email",
				"\tFROM users",
				"2026-11-22 22:23:03.423 UTC [16176] app@shop LOG:  duration: 0.343 ms",
			},
			want: []event.Event{
				mk(event.Event{Time: formattest.Time("2026-11-22T22:23:03.422Z"), Ref: formattest.Ref(1), Action: "query", Level: "LOG", PID: 16176, User: "app",
					Message: "statement: SELECT id,\n   email\nFROM users", Statement: "SELECT id,\n   email\nFROM users",
					Raw:   "2026-11-22 22:23:03.422 UTC [16176] app@shop LOG:  statement: SELECT id,\n\t   email\n\tFROM users",
					Extra: formattest.KV("db.name", "shop")}),
				mk(event.Event{Time: formattest.Time("2026-11-22T22:23:03.423Z"), Ref: formattest.Ref(4), Action: "duration", Level: "LOG", PID: 16176, User: "app",
					Message: "duration: 0.343 ms", Raw: "2026-11-22 22:23:03.423 UTC [16176] app@shop LOG:  duration: 0.343 ms",
					Extra: formattest.KV("db.name", "shop", "db.query_time", "0.000343")}),
			},
		},
		{
			name: "pgbadger %t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h",
			lines: []string{
				"2026-11-22 22:23:04 UTC [16212]: [1-1] user=[unknown],db=[unknown],app=[unknown],client=127.0.0.1 LOG:  connection received: host=127.0.0.1 port=53872",
				"2026-11-22 22:23:04 UTC [16212]: [3-1] user=app,db=shop,app=[unknown],client=127.0.0.1 LOG:  connection authorized: user=app database=shop application_name=psql",
				"2026-11-22 22:23:04 UTC [16212]: [5-1] user=app,db=shop,app=psql,client=127.0.0.1 ERROR:  permission denied for view pg_shadow",
				"2026-11-22 22:23:04 UTC [16212]: [6-1] user=app,db=shop,app=psql,client=127.0.0.1 STATEMENT:  SELECT email, pw FROM users WHERE id = 1 UNION SELECT usename, passwd FROM pg_shadow",
			},
			want: []event.Event{
				mk(event.Event{Time: formattest.Time("2026-11-22T22:23:04Z"), Ref: formattest.Ref(1), Action: "connect", Level: "LOG", PID: 16212,
					SourceIP: "127.0.0.1", SourcePort: 53872, Message: "connection received: host=127.0.0.1 port=53872",
					Raw: "2026-11-22 22:23:04 UTC [16212]: [1-1] user=[unknown],db=[unknown],app=[unknown],client=127.0.0.1 LOG:  connection received: host=127.0.0.1 port=53872"}),
				mk(event.Event{Time: formattest.Time("2026-11-22T22:23:04Z"), Ref: formattest.Ref(2), Action: "connect", Outcome: event.OutcomeSuccess, Level: "LOG", PID: 16212,
					SourceIP: "127.0.0.1", User: "app", Message: "connection authorized: user=app database=shop application_name=psql",
					Raw:   "2026-11-22 22:23:04 UTC [16212]: [3-1] user=app,db=shop,app=[unknown],client=127.0.0.1 LOG:  connection authorized: user=app database=shop application_name=psql",
					Extra: formattest.KV("db.name", "shop")}),
				mk(event.Event{Time: formattest.Time("2026-11-22T22:23:04Z"), Ref: formattest.Ref(3), Outcome: event.OutcomeFailure, Level: "ERROR", PID: 16212,
					SourceIP: "127.0.0.1", User: "app", Message: "permission denied for view pg_shadow",
					Raw:   "2026-11-22 22:23:04 UTC [16212]: [5-1] user=app,db=shop,app=psql,client=127.0.0.1 ERROR:  permission denied for view pg_shadow",
					Extra: formattest.KV("db.name", "shop", "postgresql.application_name", "psql")}),
				mk(event.Event{Time: formattest.Time("2026-11-22T22:23:04Z"), Ref: formattest.Ref(4), Action: "query", Outcome: event.OutcomeFailure, Level: "STATEMENT", PID: 16212,
					SourceIP: "127.0.0.1", User: "app",
					Message:   "SELECT email, pw FROM users WHERE id = 1 UNION SELECT usename, passwd FROM pg_shadow",
					Statement: "SELECT email, pw FROM users WHERE id = 1 UNION SELECT usename, passwd FROM pg_shadow",
					Raw:       "2026-11-22 22:23:04 UTC [16212]: [6-1] user=app,db=shop,app=psql,client=127.0.0.1 STATEMENT:  SELECT email, pw FROM users WHERE id = 1 UNION SELECT usename, passwd FROM pg_shadow",
					Extra:     formattest.KV("db.name", "shop", "postgresql.application_name", "psql")}),
			},
		},
		{
			name: "plain %m [%p], failed password and its DETAIL",
			lines: []string{
				"2026-11-22 22:23:06.133 UTC [16226] FATAL:  password authentication failed for user \"app\"",
				"2026-11-22 22:23:06.133 UTC [16226] DETAIL:  Role \"app\" does not exist.",
				"\tConnection matched pg_hba.conf line 91: \"host    all             all             127.0.0.1/32            scram-sha-256\"",
			},
			want: []event.Event{
				auth(event.Event{Time: formattest.Time("2026-11-22T22:23:06.133Z"), Ref: formattest.Ref(1), Action: "login", Outcome: event.OutcomeFailure, Level: "FATAL",
					PID: 16226, User: "app", Message: "password authentication failed for user \"app\"",
					Raw: "2026-11-22 22:23:06.133 UTC [16226] FATAL:  password authentication failed for user \"app\""}),
				// Without %u in the prefix, a DETAIL names no session: a system record.
				sys(event.Event{Time: formattest.Time("2026-11-22T22:23:06.133Z"), Ref: formattest.Ref(2), Level: "DETAIL", PID: 16226,
					Message: "Role \"app\" does not exist.\nConnection matched pg_hba.conf line 91: \"host    all             all             127.0.0.1/32            scram-sha-256\"",
					Raw:     "2026-11-22 22:23:06.133 UTC [16226] DETAIL:  Role \"app\" does not exist.\n\tConnection matched pg_hba.conf line 91: \"host    all             all             127.0.0.1/32            scram-sha-256\""}),
			},
		},
		{
			// Zones: JST captured with log_timezone = 'Asia/Tokyo'; "-03" is how
			// PostgreSQL prints zones without an abbreviation (America/Sao_Paulo);
			// "XYZT" is unknown, so Options.Location (UTC+2 here) applies.
			name: "time zones",
			lines: []string{
				"2026-11-23 07:23:07.244 JST [16265] app@shop LOG:  statement: SELECT count(*) FROM users",
				"2025-05-19 00:12:44.5 -03 [77] LOG:  duration: 1.2 ms  statement: SELECT 1",
				"2025-05-19 05:12:44 XYZT [78] LOG:  execute <unnamed>: SELECT * FROM t WHERE id = $1",
			},
			want: []event.Event{
				mk(event.Event{Time: formattest.Time("2026-11-22T22:23:07.244Z"), Ref: formattest.Ref(1), Action: "query", Level: "LOG", PID: 16265, User: "app",
					Message: "statement: SELECT count(*) FROM users", Statement: "SELECT count(*) FROM users",
					Raw: "2026-11-23 07:23:07.244 JST [16265] app@shop LOG:  statement: SELECT count(*) FROM users", Extra: formattest.KV("db.name", "shop")}),
				mk(event.Event{Time: formattest.Time("2025-05-19T03:12:44.5Z"), Ref: formattest.Ref(2), Action: "query", Level: "LOG", PID: 77,
					Message: "duration: 1.2 ms  statement: SELECT 1", Statement: "SELECT 1",
					Raw: "2025-05-19 00:12:44.5 -03 [77] LOG:  duration: 1.2 ms  statement: SELECT 1", Extra: formattest.KV("db.query_time", "0.001200")}),
				mk(event.Event{Time: formattest.Time("2025-05-19T03:12:44Z"), Ref: formattest.Ref(3), Action: "query", Level: "LOG", PID: 78,
					Message: "execute <unnamed>: SELECT * FROM t WHERE id = $1", Statement: "SELECT * FROM t WHERE id = $1",
					Raw: "2025-05-19 05:12:44 XYZT [78] LOG:  execute <unnamed>: SELECT * FROM t WHERE id = $1"}),
			},
		},
		{
			// '%m [%p] %q%u@%d %a ': other escapes after user@db.
			name:  "user@db followed by the application name",
			lines: []string{"2025-05-19 03:12:44.001 UTC [99] app@shop psql LOG:  statement: SELECT 1"},
			want: []event.Event{
				mk(event.Event{Time: formattest.Time("2025-05-19T03:12:44.001Z"), Ref: formattest.Ref(1), Action: "query", Level: "LOG", PID: 99, User: "app",
					Message: "statement: SELECT 1", Statement: "SELECT 1",
					Raw:   "2025-05-19 03:12:44.001 UTC [99] app@shop psql LOG:  statement: SELECT 1",
					Extra: formattest.KV("db.name", "shop")}),
			},
		},
		{
			// The PostgreSQL 15 wording of a rejected host (client-authentication
			// chapter of the manual); an orphan continuation and noise stay raw.
			name: "pg_hba rejection and raw lines",
			lines: []string{
				"\torphan continuation",
				"2025-05-19 03:12:44.001 UTC [99] postgres@postgres FATAL:  no pg_hba.conf entry for host \"203.0.113.5\", user \"postgres\", database \"postgres\", no encryption",
				"not a postgres line",
			},
			want: []event.Event{
				{Ref: formattest.Ref(1), Kind: event.KindRaw, Raw: "\torphan continuation"},
				auth(event.Event{Time: formattest.Time("2025-05-19T03:12:44.001Z"), Ref: formattest.Ref(2), Action: "login", Outcome: event.OutcomeFailure, Level: "FATAL",
					PID: 99, User: "postgres", SourceIP: "203.0.113.5",
					Message: "no pg_hba.conf entry for host \"203.0.113.5\", user \"postgres\", database \"postgres\", no encryption",
					Raw:     "2025-05-19 03:12:44.001 UTC [99] postgres@postgres FATAL:  no pg_hba.conf entry for host \"203.0.113.5\", user \"postgres\", database \"postgres\", no encryption",
					Extra:   formattest.KV("db.name", "postgres")}),
				{Ref: formattest.Ref(3), Kind: event.KindRaw, Raw: "not a postgres line"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := formattest.Decode(t, "postgres.stderr", format.Options{Location: loc}, tt.lines)
			if d := formattest.DiffEvents(tt.want, got); d != "" {
				t.Errorf("events differ (-want +got):\n%s", d)
			}
		})
	}
}

func TestStderrGolden(t *testing.T) {
	evs := checkGolden(t, "postgres.stderr", "postgresql-15-stderr.log")
	var failedLogins, queries int
	for _, ev := range evs {
		if ev.Kind == event.KindRaw {
			t.Errorf("line %d decoded raw: %q", ev.Ref.Line, ev.Raw)
		}
		if ev.Kind == event.KindAuth && ev.Outcome == event.OutcomeFailure {
			failedLogins++
		}
		if ev.Action == "query" {
			queries++
		}
	}
	if failedLogins != 8 {
		t.Errorf("%d failed logins, want 8", failedLogins)
	}
	if want := strings.Count(strings.Join(formattest.ReadLines(t, "testdata/postgresql-15-stderr.log"), "\n"), "statement: ") +
		strings.Count(strings.Join(formattest.ReadLines(t, "testdata/postgresql-15-stderr.log"), "\n"), "STATEMENT: "); queries != want {
		t.Errorf("%d queries, want %d", queries, want)
	}
}

func TestSniff(t *testing.T) {
	for file, want := range map[string]string{
		"postgresql-15-stderr.log": "postgres.stderr",
		"postgresql-15.csv":        "postgres.csv",
	} {
		lines := formattest.ReadLines(t, "testdata/"+file)[:30]
		if f, score := format.Sniff(lines); f == nil || f.Name != want {
			t.Errorf("Sniff(%s) = %v (score %d), want %s", file, f, score, want)
		}
	}
}

func BenchmarkStderr(b *testing.B) {
	benchDecode(b, "postgres.stderr", formattest.ReadLines(b, "testdata/postgresql-15-stderr.log"))
}

func FuzzStderr(f *testing.F) {
	lines := formattest.ReadLines(f, "testdata/postgresql-15-stderr.log")
	for i := 0; i+3 <= len(lines); i += 3 {
		f.Add(strings.Join(lines[i:i+3], "\n"))
	}
	fuzzDecoder(f, "postgres.stderr")
}

// TestStderrLongLine guards against quadratic scans: a megabyte of ":  " after
// a valid time must decode (as raw) quickly. The bound is on work, not time:
// the test would take hours if the level search were quadratic.
func TestStderrLongLine(t *testing.T) {
	line := "2025-05-19 03:12:44 UTC [1] " + strings.Repeat("a:  ", 1<<18)
	evs := formattest.Decode(t, "postgres.stderr", format.Options{}, []string{line})
	if len(evs) != 1 || evs[0].Kind != event.KindRaw {
		t.Fatalf("got %d events, want one raw", len(evs))
	}
}
