package investigate

import (
	"reflect"
	"testing"
)

func TestCommandPurpose(t *testing.T) {
	tactics := func(ps []purpose) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.tactic)
		}
		return out
	}
	tests := []struct {
		cmd  string
		want []string
	}{
		{"id", []string{"TA0007"}},
		{"uname -a", []string{"TA0007"}},
		{"cat /etc/passwd", []string{"TA0006"}},
		{"ls -la .. ; cat ../config.php", []string{"TA0007", "TA0006"}},
		{"tar czf /tmp/u.tgz /var/www/uploads", []string{"TA0009"}},
		{"rm /tmp/u.tgz", []string{"TA0005"}},
		{"/usr/bin/mysqldump shop", []string{"TA0009"}},
		{"echo ssh-ed25519 AAAA >> /root/.ssh/authorized_keys", []string{"TA0006", "TA0003"}},
		{"identify image.png", nil}, // "id" is a word, not a prefix
		{"farm --help", nil},
	}
	for _, tc := range tests {
		if got := tactics(commandPurpose(tc.cmd)); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("commandPurpose(%q) = %v, want %v", tc.cmd, got, tc.want)
		}
	}
}

func TestInjectedSQL(t *testing.T) {
	for stmt, want := range map[string]bool{
		"SELECT id FROM members WHERE family LIKE '%-4279' OR 8698=8698#%' ORDER BY id LIMIT 20": true,
		"SELECT * FROM members WHERE id=1 UNION ALL SELECT NULL,CONCAT(0x71786b7a71,email)":      true,
		"SELECT table_name FROM information_schema.tables":                                       true,
		"SELECT id, given, family FROM members WHERE family LIKE '%Sato%' ORDER BY id LIMIT 20":  false,
		"SELECT * FROM members":                      false,
		"DELETE FROM sessions WHERE expires < NOW()": false,
	} {
		if got := injectedSQL(stmt); got != want {
			t.Errorf("injectedSQL(%q) = %v, want %v", stmt, got, want)
		}
	}
}

func TestCollectorSkip(t *testing.T) {
	c := NewCollector([]string{"203.0.113.7", "2001:db8::AB"}, []string{"/uploads/avatar.php"})
	for line, skip := range map[string]bool{
		`203.0.113.7 - - [19/May/2025:03:10:00 +0000] "GET / HTTP/1.1" 200 5 "-" "x"`:                      false,
		`2001:db8::ab - - [19/May/2025:03:10:00 +0000] "GET / HTTP/1.1" 200 5 "-" "x"`:                     false, // case of hex digits
		`192.0.2.10 - - [19/May/2025:03:10:00 +0000] "GET /uploads/avatar.php?c=id HTTP/1.1" 200 5`:        false, // the shell from another address
		`May 19 04:02:30 web01 sudo:      ops : TTY=pts/1 ; PWD=/home/ops ; USER=root ; COMMAND=/bin/bash`: false,
		`type=EXECVE msg=audit(1716089410.123:881): argc=2 a0="ls" a1="-la"`:                               false,
		`20250519 03:12:44,db,app,localhost,12,345,QUERY,shop,'DROP TABLE members',0`:                      false,
		`192.0.2.10 - - [19/May/2025:03:10:00 +0000] "GET /index.html HTTP/1.1" 200 5 "-" "Mozilla/5.0"`:   true,
		`May 19 09:00:00 web01 CRON[5100]: (root) CMD (run-parts /etc/cron.hourly)`:                        true,
	} {
		if got := c.Skip(line); got != skip {
			t.Errorf("Skip(%q) = %v, want %v", line, got, skip)
		}
	}
}
