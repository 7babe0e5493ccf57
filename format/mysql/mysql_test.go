package mysql

import (
	"flag"
	"path/filepath"
	"testing"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/format"
	"github.com/kizuki-dfir/kizuki/format/formattest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func checkGolden(t *testing.T, name, in string) []event.Event {
	t.Helper()
	return formattest.GoldenDecode(t, name, in, *update)
}

func TestSniff(t *testing.T) {
	tests := []struct {
		file string
		want string
	}{
		{"mariadb-10.11-general.log", "mysql.general"},
		{"mariadb-10.11-slow.log", "mysql.slow"},
		{"mariadb-10.11-server_audit.log", "mariadb.audit"},
	}
	for _, tt := range tests {
		lines := formattest.ReadLines(t, filepath.Join("testdata", tt.file))
		if len(lines) > 20 {
			lines = lines[:20]
		}
		f, score := format.Sniff(lines)
		if f == nil || f.Name != tt.want {
			t.Errorf("Sniff(%s) = %v (score %d), want %s", tt.file, f, score, tt.want)
		}
	}
}
