package report

import (
	"time"

	"github.com/kizuki-dfir/kizuki/findings"
)

// Hostile payloads planted in every log-derived field of the fixture.
const (
	xssPayload   = `<script>alert(1)</script>`
	csvPayload   = `=cmd|' /C calc'!A0`
	ansiPayload  = "\x1b[2J\x1b]0;pwned\x07"
	mdPayload    = `](javascript:x)`
	rtlPayload   = "invoice\u202Egpj.php" // shows as "invoicephp.jpg" where bidi is honoured
	imgPayload   = `![x](https://evil.example/p.png)`
	c1Payload    = "\u009b31m\u009d0;c1\u009c" // C1 CSI/OSC/ST as UTF-8 runes
	htmlAttrPayl = `" onmouseover="alert(2)`
)

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func tp(s string) *time.Time { t := ts(s); return &t }

const (
	shaAccess = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	shaMySQL  = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"
	shaAuth   = "fd61a03af4f77d870fc21e05e7e80678095c92d808cfb3b5c279ee04c74aca13"
)

// fixture is one realistic incident, SQL injection followed by theft of a
// customer table, with hostile strings wherever an attacker controls text.
//
// Sample lines are modelled on real formats: the access-log lines follow
// nginx's predefined "combined" log_format
// (https://nginx.org/en/docs/http/ngx_http_log_module.html) with sqlmap's
// default User-Agent "sqlmap/1.7.2#stable (https://sqlmap.org)"; the database
// lines follow the MariaDB/MySQL general query log layout
// ("<time>\t<id> Query\t<statement>",
// https://mariadb.com/kb/en/general-query-log/); the auth line is an OpenSSH
// "Failed password" line as in loghub's OpenSSH sample.
func fixture() *findings.Findings {
	evEntry := findings.Evidence{
		Path: "/var/log/nginx/access.log", Line: 48013, Offset: 9120331, SHA256: shaAccess,
		Text: `203.0.113.66 - - [14/Mar/2026:11:11:09 +0900] "GET /product.php?id=1%27%20UNION%20SELECT%20name,email,phone%20FROM%20customers--%20- HTTP/1.1" 200 5120 "-" "sqlmap/1.7.2#stable (https://sqlmap.org) ` + xssPayload + `"`,
	}
	evRecon := findings.Evidence{
		Path: "/var/log/nginx/access.log", Line: 46211, Offset: 8750112, SHA256: shaAccess,
		Text: `203.0.113.66 - - [14/Mar/2026:11:03:41 +0900] "GET /.env HTTP/1.1" 404 153 "-" "sqlmap/1.7.2#stable (https://sqlmap.org)"`,
	}
	evSchema := findings.Evidence{
		Path: "/var/log/mysql/general.log", Line: 90112, Offset: 20011873, SHA256: shaMySQL,
		Text: "2026-03-14T02:13:30.118201Z\t8812 Query\tSELECT table_name FROM information_schema.tables WHERE table_schema='shop' -- " + csvPayload,
	}
	evRead := findings.Evidence{
		Path: "/var/log/mysql/general.log", Line: 90188, Offset: 20024410, SHA256: shaMySQL,
		Text: "2026-03-14T02:19:27.550912Z\t8812 Query\tSELECT name,email,phone FROM customers WHERE 1=1 UNION SELECT 1,2,3 " + ansiPayload,
	}
	evOut := findings.Evidence{
		Path: "/var/log/nginx/access.log", Line: 48420, Offset: 9201877, SHA256: shaAccess,
		Text: `203.0.113.66 - - [14/Mar/2026:11:21:03 +0900] "GET /product.php?id=1%27%20UNION%20SELECT%20... HTTP/1.1" 200 19293184 "` + mdPayload + `" "sqlmap/1.7.2#stable (https://sqlmap.org)"`,
	}
	evDelete := findings.Evidence{
		Path: "/var/log/mysql/general.log", Line: 90301, Offset: 20051002, SHA256: shaMySQL,
		Text: "2026-03-14T02:24:40.002113Z\t8812 Query\tDELETE FROM orders_archive WHERE 1=1",
	}
	evShell := findings.Evidence{
		Path: "/var/log/nginx/access.log", Line: 48611, Offset: 9240087, SHA256: shaAccess,
		Text: `203.0.113.66 - - [14/Mar/2026:11:31:15 +0900] "GET /uploads/` + rtlPayload + `?c=cat+/backup/customers.csv HTTP/1.1" 200 2210931 "-" "` + htmlAttrPayl + `"`,
	}

	stepEntry := findings.Step{
		Time: ts("2026-03-14T02:11:09Z"), Tactic: "initial-access", Attack: []string{"T1190"},
		What:     "SQL injection in GET /product.php parameter id (UNION SELECT) " + xssPayload,
		Evidence: []findings.Evidence{evEntry},
	}
	inc := findings.Incident{
		ID:         "INC-0001",
		Title:      "SQL injection and theft of customer records " + xssPayload,
		Severity:   "critical",
		Confidence: "high",
		ConfidenceReasons: []string{
			"same source address in the web and database logs",
			"database session 8812 ran the injected statements " + mdPayload,
		},
		Actors: []findings.Actor{
			{Kind: "ip", Value: "203.0.113.66"},
			{Kind: "db_connection", Value: "8812 " + ansiPayload},
			{Kind: "webshell", Value: "/uploads/" + rtlPayload},
		},
		EntryVector: &stepEntry,
		Recon: []findings.Step{{
			Time: ts("2026-03-14T02:03:41Z"), Tactic: "TA0043", Attack: []string{"T1595.002"},
			What:     "1,204 requests for missing paths with sqlmap/1.7.2#stable (https://sqlmap.org) " + imgPayload,
			Evidence: []findings.Evidence{evRecon},
		}},
		FirstSeen:     ts("2026-03-14T02:03:41Z"),
		LastSeen:      ts("2026-03-14T02:31:15Z"),
		DwellSeconds:  1654,
		FirstAlert:    tp("2026-03-14T02:11:09Z"),
		DetectSeconds: 448,
		Tactics: []findings.Tactic{
			{ID: "TA0010", Name: "Exfiltration", Techniques: []string{"T1041"}, First: ts("2026-03-14T02:21:03Z"), Last: ts("2026-03-14T02:31:15Z")},
			{ID: "TA0001", Name: "Initial Access", Techniques: []string{"T1190"}, First: ts("2026-03-14T02:11:09Z"), Last: ts("2026-03-14T02:11:09Z")},
			{ID: "TA0043", Name: "Reconnaissance", Techniques: []string{"T1595.002"}, First: ts("2026-03-14T02:03:41Z"), Last: ts("2026-03-14T02:10:58Z")},
			{ID: "TA0007", Name: "Discovery", Techniques: nil, First: ts("2026-03-14T02:13:30Z"), Last: ts("2026-03-14T02:13:30Z")},
			{ID: "TA0009", Name: "Collection", Techniques: []string{"T1213"}, First: ts("2026-03-14T02:19:27Z"), Last: ts("2026-03-14T02:19:27Z")},
			{ID: "TA0040", Name: "Impact", Techniques: []string{"T1485"}, First: ts("2026-03-14T02:24:40Z"), Last: ts("2026-03-14T02:24:40Z")},
			{ID: "TA9999", Name: csvPayload, Techniques: []string{xssPayload}, First: ts("2026-03-14T02:25:00Z"), Last: ts("2026-03-14T02:25:00Z")},
		},
		DataOutBytes:      19293184 + 2210931,
		RecordsRead:       4812,
		RecordsDestroyed:  1200,
		FilesDownloaded:   []string{"/backup/customers.csv", "/uploads/" + rtlPayload},
		AffectedConfirmed: 4812,
		AffectedPossible:  12000,
		AffectedBasis: []string{
			"4,812 distinct e-mail addresses in rows returned to the attacker",
			"customers has 12,000 rows (SELECT COUNT(*) at 02:18:02) " + csvPayload,
		},
		Alerts: []string{"a-3f2c9e1d", "a-77d01b2e", "a-9c4410aa", "a-c0ffee01"},
		Timeline: []findings.Step{
			stepEntry,
			{Time: ts("2026-03-14T02:13:30Z"), Tactic: "Discovery", What: "Enumerated tables through information_schema " + csvPayload, Evidence: []findings.Evidence{evSchema}},
			{Time: ts("2026-03-14T02:19:27Z"), Tactic: "collection", Attack: []string{"T1213"}, What: "Read 4,812 rows of customers (name, email, phone) " + ansiPayload, Evidence: []findings.Evidence{evRead}},
			{Time: ts("2026-03-14T02:21:03Z"), Tactic: "TA0010", Attack: []string{"T1041"}, What: "19,293,184 bytes of query results sent to 203.0.113.66 " + mdPayload, Evidence: []findings.Evidence{evOut}},
			{Time: ts("2026-03-14T02:24:40Z"), Tactic: "impact", Attack: []string{"T1485"}, What: "DELETE FROM orders_archive destroyed 1,200 rows", Evidence: []findings.Evidence{evDelete}},
			{Time: ts("2026-03-14T02:31:15Z"), Tactic: "exfiltration", Attack: []string{"T1041"}, What: "Downloaded /backup/customers.csv through /uploads/" + rtlPayload + " " + c1Payload, Evidence: []findings.Evidence{evShell}},
		},
		Evidence: []findings.Evidence{evRecon, evEntry, evSchema, evRead, evOut, evDelete, evShell},
	}

	alerts := []findings.Alert{
		{
			ID: "a-3f2c9e1d", RuleID: "kizuki-web-sqli-union", Title: "SQL injection: UNION SELECT in request", Severity: "high",
			Source: "sigma", Time: ts("2026-03-14T02:11:09Z"), Detected: ts("2026-03-14T02:11:09Z"), LastTime: ts("2026-03-14T02:21:03Z"), Actor: "203.0.113.66",
			Count: 37, Attack: []string{"T1190"}, Tactics: []string{"initial-access"},
			Detail:   "id=1' UNION SELECT name,email,phone FROM customers-- - " + xssPayload,
			Evidence: []findings.Evidence{evEntry, evOut, evEntry, evOut},
		},
		{
			ID: "a-77d01b2e", RuleID: "942100", Title: "SQL Injection Attack Detected via libinjection", Severity: "critical",
			Source: "crs", Time: ts("2026-03-14T02:11:09Z"), Detected: ts("2026-03-14T02:11:09Z"), LastTime: ts("2026-03-14T02:11:09Z"), Actor: "203.0.113.66",
			Count: 1, Attack: []string{"T1190"}, Tactics: []string{"initial-access"},
			Detail: csvPayload, Evidence: []findings.Evidence{evEntry},
		},
		{
			ID: "a-9c4410aa", RuleID: "kizuki-db-mass-read", Title: "Mass read of a personal-data table", Severity: "high",
			Source: "correlation", Time: ts("2026-03-14T02:19:27Z"), Detected: ts("2026-03-14T02:19:27Z"), LastTime: ts("2026-03-14T02:19:27Z"), Actor: "8812 " + ansiPayload,
			User: "shop_app", Count: 4812, Attack: []string{"T1213"}, Tactics: []string{"collection"},
			Evidence: []findings.Evidence{evRead},
		},
		{
			ID: "a-c0ffee01", RuleID: "kizuki-web-scanner-ua", Title: "Scanner user agent " + mdPayload, Severity: "low",
			Source: "sigma", Time: ts("2026-03-14T02:03:41Z"), Detected: ts("2026-03-14T02:04:12Z"), LastTime: ts("2026-03-14T02:10:58Z"), Actor: "203.0.113.66",
			Count: 1204, Attack: []string{"T1595.002"}, Tactics: []string{"reconnaissance"},
			Evidence: []findings.Evidence{evRecon},
		},
		{
			// sshd logs the user name an attacker typed: "Invalid user <name> from <ip>"
			ID: "a-0be11a57", RuleID: "kizuki-ssh-invalid-user", Title: "Login attempt for a user that does not exist", Severity: "low",
			Source: "sigma", Time: ts("2026-03-14T01:39:12Z"), Detected: ts("2026-03-14T01:39:12Z"), LastTime: ts("2026-03-14T01:39:12Z"), Actor: csvPayload,
			User: csvPayload, Count: 1, Attack: []string{"T1110.001"}, Tactics: []string{"credential-access"},
			Evidence: []findings.Evidence{{
				Path: "logs.tar.gz!var/log/auth.log", Line: 1702, Offset: 176001, SHA256: shaAuth,
				Text: "Mar 14 10:39:12 shop sshd[24188]: Invalid user " + csvPayload + " from 198.51.100.23 port 52790",
			}},
		},
		{
			ID: "a-d15ea5e0", RuleID: "kizuki-ssh-bruteforce", Title: "SSH password guessing", Severity: "medium",
			Source: "correlation", Time: ts("2026-03-14T01:40:02Z"), Detected: ts("2026-03-14T01:41:30Z"), LastTime: ts("2026-03-14T01:52:44Z"), Actor: "198.51.100.23",
			User: "root", Count: 212, Attack: []string{"T1110.001"}, Tactics: []string{"credential-access"},
			Evidence: []findings.Evidence{{
				Path: "logs.tar.gz!var/log/auth.log", Line: 1733, Offset: 180221, SHA256: shaAuth,
				Text: "Mar 14 10:40:02 shop sshd[24200]: Failed password for root from 198.51.100.23 port 52811 ssh2",
			}},
		},
	}

	return &findings.Findings{
		Schema: findings.Schema,
		Tool:   findings.Tool{Name: "kizuki", Version: "0.1.0-test"},
		Options: findings.Options{
			TimeZone: "Asia/Tokyo", Rules: []string{"builtin"}, Paranoia: 1,
			AccessFormat: `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"`,
		},
		Summary: findings.Summary{Inputs: 3, Bytes: 31457280 + 22020096 + 412331, Lines: 48700 + 91234 + 2215,
			Parsed: 48679 + 91234 + 2207, Unparsed: 21 + 3, Events: 142120, Alerts: len(alerts), Incidents: 1},
		Inputs: []findings.Input{
			{
				Path: "/var/log/nginx/access.log", SHA256: shaAccess, Bytes: 31457280, StoredBytes: 31457280,
				Format: "nginx-combined", Sniffed: false, Lines: 48700, Parsed: 48679, Unparsed: 21, Events: 48700,
				FirstTime: tp("2026-03-13T15:00:02Z"), LastTime: tp("2026-03-14T14:59:58Z"),
				Problems: []findings.Problem{
					{Kind: "invalid_utf8", Message: "lines with invalid UTF-8 kept with U+FFFD " + xssPayload, Count: 3},
					{Kind: "overlong_line", Message: "lines longer than 64 KiB cut", Count: 1},
				},
				Samples: []findings.Sample{
					{Line: 47001, Text: "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 binary TLS hello on the HTTP port"},
					{Line: 48500, Text: ansiPayload + " " + htmlAttrPayl + " " + imgPayload + " " + rtlPayload + "\r\n# heading?"},
				},
			},
			{
				Path: "/var/log/mysql/general.log", SHA256: shaMySQL, Bytes: 22020096, StoredBytes: 22020096,
				Format: "mysql-general", Sniffed: true, Lines: 91234, Parsed: 91234, Unparsed: 0, Events: 91020,
				FirstTime: tp("2026-03-13T15:00:00Z"), LastTime: tp("2026-03-14T14:59:59Z"),
			},
			{
				Path: "logs.tar.gz!var/log/auth.log", SHA256: shaAuth, Bytes: 412331, StoredBytes: 61280, Compression: "gzip",
				Format: "auth", Sniffed: true, Lines: 2215, Parsed: 2207, Unparsed: 3, Blank: 5, Events: 2400,
				FirstTime: tp("2026-03-13T15:01:10Z"), LastTime: tp("2026-03-14T14:58:03Z"),
				Samples: []findings.Sample{{Line: 12, Text: "-- MARK --"}},
			},
		},
		Alerts:    alerts,
		Incidents: []findings.Incident{inc},
	}
}
