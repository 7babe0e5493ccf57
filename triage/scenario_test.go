package triage

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// scenario writes a small case modelled on the breaches kizuki exists for, into
// dir, and returns the input paths:
//
//   - 3,000 benign requests from 200 users (192.0.2.0/24), some of them to the
//     same search and personal pages the attacker uses;
//   - 203.0.113.7: gobuster, then sqlmap's UNION injection in q of /search.php
//     (answered 200), then 300 personal pages walked by id;
//   - 198.51.100.23: 40 SSH password failures for ops, a success, sudo to a
//     root shell, and DROP TABLE shop.members in the database;
//   - 203.0.113.50: uploads avatar.php through /upload.php and runs commands
//     through it; 198.51.100.77 later downloads archives and cleans up
//     through the same web shell;
//   - alice (192.0.2.44): an ordinary key login, one mistyped password.
func scenario(t *testing.T, dir string) []string {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	type line struct {
		t    time.Time
		text string
	}
	day := time.Date(2025, 5, 19, 0, 0, 0, 0, time.UTC)
	clf := func(ip string, at time.Time, req string, status, size int, ua string) line {
		return line{at, fmt.Sprintf(`%s - - [%s] "%s HTTP/1.1" %d %d "-" "%s"`, ip, at.Format("02/Jan/2006:15:04:05 -0700"), req, status, size, ua)}
	}
	var web []line
	for i := range 3000 {
		at := day.Add(time.Duration(rng.IntN(86400)) * time.Second)
		ip := fmt.Sprintf("192.0.2.%d", 1+rng.IntN(200))
		path := []string{"/", "/index.php", "/search.php?q=dress", fmt.Sprintf("/mypage.php?id=%d", 1+rng.IntN(5000)), "/static/app.css", "/login.php"}[i%6]
		web = append(web, clf(ip, at, "GET "+path, 200, 200+rng.IntN(9000), "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"))
	}
	atk := "203.0.113.7"
	t0 := day.Add(3 * time.Hour)
	for i := range 80 {
		web = append(web, clf(atk, t0.Add(time.Duration(i)*time.Second/2), fmt.Sprintf("GET /dir%d", i), 404, 153, "gobuster/3.5"))
	}
	for i := range 30 {
		web = append(web, clf(atk, t0.Add(10*time.Minute+time.Duration(i)*time.Second),
			"GET /search.php?q=1%27%20UNION%20ALL%20SELECT%20NULL,CONCAT(0x71,email)%20FROM%20members--%20-", 200, 9120, "sqlmap/1.7.2#stable (https://sqlmap.org)"))
	}
	for i := range 300 {
		web = append(web, clf(atk, t0.Add(20*time.Minute+time.Duration(i)*time.Second), fmt.Sprintf("GET /mypage.php?id=%d", 1000+i), 200, 2210, "python-requests/2.31.0"))
	}
	ws, t6 := "203.0.113.50", day.Add(6*time.Hour)
	web = append(web, clf(ws, t6, "GET /upload.php", 200, 1200, "Mozilla/5.0 (X11; Linux x86_64)"),
		clf(ws, t6.Add(5*time.Second), "POST /upload.php", 200, 310, "Mozilla/5.0 (X11; Linux x86_64)"))
	for i, c := range []string{"id", "uname%20-a", "cat%20/etc/passwd", "tar%20czf%20/tmp/u.tgz%20/var/www/uploads"} {
		web = append(web, clf(ws, t6.Add(time.Minute+time.Duration(i)*10*time.Second), "GET /uploads/avatar.php?cmd="+c, 200, 100+i, "curl/7.88.1"))
	}
	for i := range 5 {
		at := t6.Add(time.Duration(1+i) * time.Hour)
		web = append(web, clf("198.51.100.77", at, fmt.Sprintf("GET /uploads/u%d.tgz", i), 200, 5000000+i, "curl/7.88.1"),
			clf("198.51.100.77", at.Add(time.Second), fmt.Sprintf("GET /uploads/avatar.php?cmd=rm%%20/tmp/u%d.tgz", i), 200, 12, "curl/7.88.1"))
	}
	sort.SliceStable(web, func(i, j int) bool { return web[i].t.Before(web[j].t) })
	var b strings.Builder
	for _, l := range web {
		b.WriteString(l.text + "\n")
	}
	access := filepath.Join(dir, "access.log")
	must(t, os.WriteFile(access, []byte(b.String()), 0o644))

	b.Reset()
	for i := range 40 {
		fmt.Fprintf(&b, "May 19 04:00:%02d web01 sshd[%d]: Failed password for ops from 198.51.100.23 port %d ssh2\n", i, 4000+i, 40000+i)
	}
	b.WriteString("May 19 04:01:02 web01 sshd[4100]: Accepted password for ops from 198.51.100.23 port 41002 ssh2\n")
	b.WriteString("May 19 04:02:30 web01 sudo:      ops : TTY=pts/1 ; PWD=/home/ops ; USER=root ; COMMAND=/bin/bash\n")
	b.WriteString("May 19 08:59:00 web01 sshd[5099]: Failed password for alice from 192.0.2.44 port 50021 ssh2\n")
	b.WriteString("May 19 09:00:00 web01 sshd[5100]: Accepted publickey for alice from 192.0.2.44 port 50022 ssh2: ED25519 SHA256:abc\n")
	auth := filepath.Join(dir, "auth.log")
	must(t, os.WriteFile(auth, []byte(b.String()), 0o644))
	// RFC 3164 has no year: the file's time places it in 2025.
	must(t, os.Chtimes(auth, day.Add(24*time.Hour), day.Add(24*time.Hour)))

	general := filepath.Join(dir, "general.log")
	must(t, os.WriteFile(general, []byte(strings.Join([]string{
		"2025-05-19T04:03:02.123456Z\t   31 Connect\troot@localhost on  using Socket",
		"2025-05-19T04:03:05.123456Z\t   31 Query\tDROP TABLE shop.members",
		"2025-05-19T05:00:00.000000Z\t   12 Query\tSELECT id FROM members WHERE id = 4",
	}, "\n")+"\n"), 0o644))
	return []string{access, auth, general}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
