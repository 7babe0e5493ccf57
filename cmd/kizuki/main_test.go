package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// run executes the CLI in-process and returns its output and exit code.
func run(t *testing.T, args ...string) (string, int) {
	t.Helper()
	root := newRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.Execute()
	code := exitOK
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		code = ee.code
	case err != nil:
		code = exitUsage
	}
	return out.String(), code
}

const sshBurst = `May 19 04:00:%02d web01 sshd[4000]: Failed password for ops from 198.51.100.23 port 40000 ssh2`

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := range 20 {
		b.WriteString(strings.Replace(sshBurst, "%02d", string([]byte{byte('0' + i/10), byte('0' + i%10)}), 1) + "\n")
	}
	b.WriteString("May 19 04:01:02 web01 sshd[4100]: Accepted password for ops from 198.51.100.23 port 41002 ssh2\n")
	b.WriteString("May 19 04:02:30 web01 sudo:      ops : TTY=pts/1 ; PWD=/home/ops ; USER=root ; COMMAND=/bin/bash\n")
	attack := filepath.Join(dir, "auth.log")
	os.WriteFile(attack, []byte(b.String()), 0o644)
	benign := filepath.Join(dir, "benign.log")
	os.WriteFile(benign, []byte("May 19 09:00:00 web01 sshd[5100]: Accepted publickey for alice from 192.0.2.44 port 50022 ssh2: ED25519 SHA256:abc\n"), 0o644)

	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"nothing found", []string{"scan", benign, "--out", filepath.Join(dir, "c1"), "-q"}, exitOK, ""},
		{"incident found", []string{"scan", attack, "--out", filepath.Join(dir, "c2"), "-q"}, exitFindings, ""},
		{"incident below --fail-on", []string{"scan", attack, "--out", filepath.Join(dir, "c3"), "-q", "--fail-on", "none"}, exitOK, ""},
		{"case folder not empty", []string{"scan", benign, "--out", filepath.Join(dir, "c1"), "-q"}, exitUsage, "not empty"},
		{"missing input", []string{"scan", filepath.Join(dir, "nope.log"), "--out", filepath.Join(dir, "c4")}, exitUsage, "nope.log"},
		{"bad time zone", []string{"scan", benign, "--tz", "Mars/Olympus", "--out", filepath.Join(dir, "c5")}, exitUsage, "Mars/Olympus"},
		{"bad format", []string{"scan", benign, "--format", "nope", "--out", filepath.Join(dir, "c6")}, exitUsage, "unknown format"},
		{"verify intact", []string{"verify", filepath.Join(dir, "c2"), "--inputs"}, exitOK, "verification passed"},
		{"verify not a case", []string{"verify", dir}, exitUsage, "not a kizuki case folder"},
		{"rules test", []string{"rules", "test"}, exitOK, "0 failed"},
		{"formats", []string{"formats"}, exitOK, "access.combined"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, code := run(t, tc.args...)
			if code != tc.code {
				t.Fatalf("exit code %d, want %d; output:\n%s", code, tc.code, out)
			}
			if tc.want != "" && !strings.Contains(out, tc.want) {
				// Errors are printed by main(); in-process they are the returned error.
				root := newRoot()
				root.SetArgs(tc.args)
				root.SetOut(&bytes.Buffer{})
				if err := root.Execute(); err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("output %q and error %v do not mention %q", out, err, tc.want)
				}
			}
		})
	}

	// Tamper with an output: verify must fail with exit code 1.
	p := filepath.Join(dir, "c2", "findings.json")
	data, _ := os.ReadFile(p)
	os.WriteFile(p, append(data, ' '), 0o644)
	if out, code := run(t, "verify", filepath.Join(dir, "c2")); code != exitFindings || !strings.Contains(out, "MISMATCH") {
		t.Fatalf("tampered case: exit %d, output:\n%s", code, out)
	}
}

// TestHelpTeaches: every command's help carries examples.
func TestHelpTeaches(t *testing.T) {
	for _, c := range newRoot().Commands() {
		if c.Name() == "help" || c.Name() == "completion" {
			continue
		}
		if c.Example == "" && len(c.Commands()) == 0 {
			t.Errorf("kizuki %s --help has no example", c.Name())
		}
		for _, sub := range c.Commands() {
			if sub.Example == "" {
				t.Errorf("kizuki %s %s --help has no example", c.Name(), sub.Name())
			}
		}
	}
}
