package mysql

import (
	"strings"
	"testing"
	"time"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/format"
	"github.com/kizuki-dfir/kizuki/format/formattest"
)

func TestGeneral(t *testing.T) {
	jst := time.FixedZone("JST", 9*3600)
	tests := []struct {
		name  string
		opts  format.Options
		lines []string
		want  []event.Event
	}{
		{
			// MySQL 8.0 layout (log_timestamps=UTC), as in the MySQL 8.0 reference
			// manual, "The General Query Log", and mysqld 8.0 output.
			name: "mysql8",
			lines: []string{
				"/usr/sbin/mysqld, Version: 8.0.36 (MySQL Community Server - GPL). started with:",
				"Tcp port: 3306  Unix socket: /var/run/mysqld/mysqld.sock",
				"Time                 Id Command    Argument",
				"2025-05-19T03:12:44.123456Z\t   12 Connect\tapp@10.0.0.5 on shop using SSL/TLS",
				"2025-05-19T03:12:44.200000Z\t   12 Query\tSELECT id,",
				"  email FROM users",
				"WHERE id = '1' OR '1'='1'",
				"2025-05-19T03:12:45.000001Z\t   12 Quit\t",
			},
			want: []event.Event{
				{Ref: formattest.Ref(1), Kind: event.KindSystem, Dataset: "mysql.general", Action: "server_start", Process: "mysqld",
					Message: "/usr/sbin/mysqld, Version: 8.0.36 (MySQL Community Server - GPL). started with:",
					Raw:     "/usr/sbin/mysqld, Version: 8.0.36 (MySQL Community Server - GPL). started with:",
					Extra:   formattest.KV("service.version", "8.0.36")},
				{Ref: formattest.Ref(2), Kind: event.KindSystem, Dataset: "mysql.general", Action: "server_listen",
					Message: "Tcp port: 3306  Unix socket: /var/run/mysqld/mysqld.sock", Raw: "Tcp port: 3306  Unix socket: /var/run/mysqld/mysqld.sock"},
				{Ref: formattest.Ref(3), Kind: event.KindSystem, Dataset: "mysql.general", Action: "log_header",
					Message: "Time                 Id Command    Argument", Raw: "Time                 Id Command    Argument"},
				{Time: formattest.Time("2025-05-19T03:12:44.123456Z"), Ref: formattest.Ref(4), Kind: event.KindDB, Dataset: "mysql.general", Action: "connect",
					User: "app", SourceIP: "10.0.0.5", Message: "app@10.0.0.5 on shop using SSL/TLS",
					Raw:   "2025-05-19T03:12:44.123456Z\t   12 Connect\tapp@10.0.0.5 on shop using SSL/TLS",
					Extra: formattest.KV("db.connection_id", "12", "db.name", "shop")},
				{Time: formattest.Time("2025-05-19T03:12:44.2Z"), Ref: formattest.Ref(5), Kind: event.KindDB, Dataset: "mysql.general", Action: "query",
					Statement: "SELECT id,\n  email FROM users\nWHERE id = '1' OR '1'='1'",
					Raw:       "2025-05-19T03:12:44.200000Z\t   12 Query\tSELECT id,\n  email FROM users\nWHERE id = '1' OR '1'='1'",
					Extra:     formattest.KV("db.connection_id", "12")},
				{Time: formattest.Time("2025-05-19T03:12:45.000001Z"), Ref: formattest.Ref(8), Kind: event.KindDB, Dataset: "mysql.general", Action: "quit",
					Raw: "2025-05-19T03:12:45.000001Z\t   12 Quit\t", Extra: formattest.KV("db.connection_id", "12")},
			},
		},
		{
			// MariaDB layout: the time only when the second changes, then two tabs
			// (captured from MariaDB 10.11, see testdata/README.md). Times are in
			// Options.Location.
			name: "mariadb same-second lines and a failed login",
			opts: format.Options{Location: jst},
			lines: []string{
				"250519  3:12:44\t     6 Connect\tapp@localhost on shop using TCP/IP",
				"\t\t     6 Connect\tAccess denied for user 'app'@'localhost' (using password: YES)",
				"\t\t     7 Init DB\tshop",
				"\t\t     7 Field List\tusers ",
			},
			want: []event.Event{
				{Time: formattest.Time("2025-05-18T18:12:44Z"), Ref: formattest.Ref(1), Kind: event.KindDB, Dataset: "mysql.general", Action: "connect",
					User: "app", Message: "app@localhost on shop using TCP/IP",
					Raw:   "250519  3:12:44\t     6 Connect\tapp@localhost on shop using TCP/IP",
					Extra: formattest.KV("db.connection_id", "6", "source.domain", "localhost", "db.name", "shop")},
				{Time: formattest.Time("2025-05-18T18:12:44Z"), Ref: formattest.Ref(2), Kind: event.KindDB, Dataset: "mysql.general", Action: "connect",
					Outcome: event.OutcomeFailure, User: "app", Message: "Access denied for user 'app'@'localhost' (using password: YES)",
					Raw:   "\t\t     6 Connect\tAccess denied for user 'app'@'localhost' (using password: YES)",
					Extra: formattest.KV("db.connection_id", "6", "source.domain", "localhost")},
				{Time: formattest.Time("2025-05-18T18:12:44Z"), Ref: formattest.Ref(3), Kind: event.KindDB, Dataset: "mysql.general", Action: "init_db",
					Raw: "\t\t     7 Init DB\tshop", Extra: formattest.KV("db.connection_id", "7", "db.name", "shop")},
				{Time: formattest.Time("2025-05-18T18:12:44Z"), Ref: formattest.Ref(4), Kind: event.KindDB, Dataset: "mysql.general", Action: "field_list",
					Message: "users ", Raw: "\t\t     7 Field List\tusers ", Extra: formattest.KV("db.connection_id", "7")},
			},
		},
		{
			// A log cut in the middle of a statement: the orphan continuation
			// line has no record to join, so it is kept raw; so is binary noise.
			name: "orphans and garbage",
			lines: []string{
				"FROM users WHERE 1",
				"\x00\xff\xfe garbage",
				"261122 22:22:39\t     3 Query\tSELECT 1",
			},
			want: []event.Event{
				{Ref: formattest.Ref(1), Kind: event.KindRaw, Raw: "FROM users WHERE 1"},
				{Ref: formattest.Ref(2), Kind: event.KindRaw, Raw: "\x00\xff\xfe garbage"},
				{Time: formattest.Time("2026-11-22T22:22:39Z"), Ref: formattest.Ref(3), Kind: event.KindDB, Dataset: "mysql.general", Action: "query",
					Statement: "SELECT 1", Raw: "261122 22:22:39\t     3 Query\tSELECT 1", Extra: formattest.KV("db.connection_id", "3")},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := formattest.Decode(t, "mysql.general", tt.opts, tt.lines)
			if d := formattest.DiffEvents(tt.want, got); d != "" {
				t.Errorf("events differ (-want +got):\n%s", d)
			}
		})
	}
}

func TestGeneralRecordCap(t *testing.T) {
	lines := []string{"261122 22:22:39\t     3 Query\tSELECT"}
	long := strings.Repeat("x", 1000)
	for range maxRecord/1000 + 10 {
		lines = append(lines, long)
	}
	lines = append(lines, "\t\t     3 Quit\t")
	evs := formattest.Decode(t, "mysql.general", format.Options{}, lines)
	if evs[0].Kind != event.KindDB || len(evs[0].Raw) > maxRecord {
		t.Fatalf("first event: kind %v, %d bytes; want a db event of at most %d bytes", evs[0].Kind, len(evs[0].Raw), maxRecord)
	}
	raw := 0
	for _, ev := range evs[1 : len(evs)-1] {
		if ev.Kind != event.KindRaw {
			t.Fatalf("line %d: kind %v, want raw past the record cap", ev.Ref.Line, ev.Kind)
		}
		raw++
	}
	if last := evs[len(evs)-1]; last.Action != "quit" {
		t.Errorf("last event action %q, want quit: the cap must end at the next header", last.Action)
	}
	// Every input line is accounted for: joined into the record or raw.
	if n := strings.Count(evs[0].Raw, "\n") + 1 + raw + 1; n != len(lines) {
		t.Errorf("%d lines accounted for, want %d", n, len(lines))
	}
}

func TestGeneralGolden(t *testing.T) {
	evs := checkGolden(t, "mysql.general", "mariadb-10.11-general.log")
	var failed, multi int
	for _, ev := range evs {
		if ev.Kind == event.KindRaw {
			t.Errorf("line %d decoded raw: %q", ev.Ref.Line, ev.Raw)
		}
		if ev.Outcome == event.OutcomeFailure {
			failed++
		}
		if strings.Contains(ev.Statement, "\n") {
			multi++
		}
	}
	if failed != 2 || multi != 1 {
		t.Errorf("got %d failed logins and %d multi-line statements, want 2 and 1", failed, multi)
	}
}

func BenchmarkGeneral(b *testing.B) {
	lines := formattest.ReadLines(b, "testdata/mariadb-10.11-general.log")
	benchDecode(b, "mysql.general", lines)
}

func benchDecode(b *testing.B, name string, lines []string) {
	f, err := format.Lookup(name)
	if err != nil {
		b.Fatal(err)
	}
	var size int64
	for _, l := range lines {
		size += int64(len(l)) + 1
	}
	n := 0
	emit := func(*event.Event) { n++ }
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		d, _ := f.New(format.Options{})
		for i, l := range lines {
			d.Decode(l, event.Ref{Line: int64(i + 1)}, emit)
		}
		d.Flush(emit)
	}
}

func FuzzGeneral(f *testing.F) {
	for _, l := range formattest.ReadLines(f, "testdata/mariadb-10.11-general.log") {
		f.Add(l)
	}
	f.Add("2025-05-19T03:12:44.123456Z\t   12 Query\tSELECT 1\nFROM t")
	fuzzDecoder(f, "mysql.general")
}

// fuzzDecoder feeds the fuzz input, split into lines, to a decoder and checks
// that it neither panics nor loses a line: every line is in some event's Raw.
func fuzzDecoder(f *testing.F, name string) {
	f.Fuzz(func(t *testing.T, in string) {
		lines := strings.Split(in, "\n")
		evs := formattest.Decode(t, name, format.Options{}, lines)
		var all strings.Builder
		for _, ev := range evs {
			all.WriteString(ev.Raw)
			all.WriteByte('\n')
		}
		if got := all.String(); got != in+"\n" {
			t.Fatalf("events' Raw do not reproduce the input:\n got %q\nwant %q", got, in+"\n")
		}
	})
}
