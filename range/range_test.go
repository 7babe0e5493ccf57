//go:build range

// The end-to-end run of the attack range: setup, up, run --short, down, then
// checks that each scenario left its traces in the real servers' logs and
// that truth.json agrees with them. It needs root, Debian's apt and about
// three minutes, so it runs only with: sudo go test -tags range ./range/
package rangetest

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kizuki-dfir/kizuki/format"
	"github.com/kizuki-dfir/kizuki/investigate"
	"github.com/kizuki-dfir/kizuki/scan"
	"github.com/kizuki-dfir/kizuki/triage"
)

func TestRangeEndToEnd(t *testing.T) {
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		t.Skip("the range needs root on Linux (private sshd in a mount namespace, apt)")
	}
	dir := t.TempDir()
	// www-data and mysql must traverse the run directory and its parent
	// (t.TempDir creates both 0700).
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	script := func(name string, args ...string) {
		t.Helper()
		cmd := exec.CommandContext(ctx, "./"+name, args...)
		out, err := cmd.CombinedOutput()
		t.Logf("%s:\n%s", name, out)
		if err != nil {
			t.Fatalf("%s %v: %v", name, args, err)
		}
	}
	if os.Getenv("KIZUKI_RANGE_SKIP_SETUP") == "" {
		script("setup.sh")
	}
	script("up.sh", dir)
	t.Cleanup(func() { exec.Command("./down.sh", dir).Run() })
	script("run.sh", dir, "--short")
	script("down.sh", dir)

	truth, err := LoadTruth(filepath.Join(dir, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	read := func(rel string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		if len(b) == 0 {
			t.Fatalf("%s is empty", rel)
		}
		return string(b)
	}
	for name, rel := range truth.Logs {
		if _, err := os.Stat(filepath.Join(dir, rel)); err != nil {
			t.Errorf("log %s: %v", name, err)
		}
	}
	access := read("logs/nginx/access.log")
	auth := read("logs/auth.log")
	general := read("logs/mysql/general.log")
	slow := read("logs/mysql/slow.log")

	traces := []struct{ log, text, content string }{
		{"access", access, `"sqlmap/1.`},
		{"access", access, `"gobuster/`},
		{"access", access, `WhatWeb/`},
		{"access", access, `"python-requests/2.31.0"`},
		{"access", access, `GET /uploads/avatar.php?c=id HTTP/1.1" 200`},
		{"access", access, `POST /upload.php HTTP/1.1" 200`},
		{"access", access, `" 206 65536 `}, // the Range-chunked exfiltration
		{"auth", auth, "Failed password for kzops from 127.0.0.1"},
		{"auth", auth, "Invalid user admin from 127.0.0.1"},
		{"auth", auth, "Accepted password for kzops from 127.0.0.1"},
		{"auth", auth, "Accepted password for kzadmin from 127.0.0.10"},
		{"auth", auth, "Failed password for kzadmin from 127.0.0.10"},
		{"auth", auth, "sudo:    kzops : "},
		{"auth", auth, "DROP TABLE kizuki_shop.orders"},
		{"general", general, "Query\tDROP TABLE kizuki_shop.orders"},
		{"general", general, "Query\tSELECT * FROM members"},
		{"slow", slow, "Rows_sent: 3000"},
	}
	for _, tr := range traces {
		if !strings.Contains(tr.text, tr.content) {
			t.Errorf("%s log lacks %q", tr.log, tr.content)
		}
	}

	// Safety and ground truth together: every client address in the access
	// log is one truth.json names (nothing else reached the range), and the
	// sqlmap requests fall inside the sqlmap phase.
	known := map[string]bool{}
	for _, a := range append(append([]Actor(nil), truth.Actors...), truth.BenignActors...) {
		for _, ip := range a.Addresses {
			known[ip] = true
		}
	}
	sqli := truth.Phase("a3-sqli")
	if sqli == nil {
		t.Fatal("truth has no a3-sqli phase")
	}
	line := regexp.MustCompile(`^(\S+) \S+ \S+ \[([^\]]+)\] "[^"]*" \d+ \d+ "[^"]*" "([^"]*)"$`)
	sc := bufio.NewScanner(strings.NewReader(access))
	n := 0
	for sc.Scan() {
		n++
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			t.Errorf("access.log line %d not combined format: %q", n, sc.Text())
			continue
		}
		if !known[m[1]] {
			t.Errorf("access.log line %d: address %s is not in truth.json", n, m[1])
		}
		if strings.HasPrefix(m[3], "sqlmap/") {
			ts, err := time.Parse("02/Jan/2006:15:04:05 -0700", m[2])
			if err != nil {
				t.Fatal(err)
			}
			if ts.Before(sqli.Start) || ts.After(sqli.End.Add(time.Second)) {
				t.Errorf("sqlmap request at %v outside phase a3-sqli %v..%v", ts, sqli.Start, sqli.End)
			}
		}
	}
	if len(truth.EntryVectors) != 3 || len(truth.RecordsDestroyed) != 1 || truth.DataOutBytes <= 0 {
		t.Errorf("truth: %d entry vectors, %d destroyed, %d bytes out",
			len(truth.EntryVectors), len(truth.RecordsDestroyed), truth.DataOutBytes)
	}

	// kizuki on the fresh logs, held to the same bar as the recorded case.
	inv, err := investigate.LoadInventory("../examples/range/inventory.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := triage.Run(ctx, triage.Config{
		Version: "test", TimeZone: "UTC", Paranoia: 1, Inventory: inv,
		Scan: scan.Config{Args: []string{filepath.Join(dir, "logs")}, Decode: format.Options{Location: time.UTC}},
	})
	if err != nil {
		t.Fatal(err)
	}
	cmp := Compare(truth, res.Findings)
	var table strings.Builder
	cmp.Print(&table)
	t.Logf("kizuki against this run's truth:\n%s", table.String())
	for _, problem := range cmp.Check() {
		t.Error(problem)
	}
}
