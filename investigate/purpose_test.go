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
