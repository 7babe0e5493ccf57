// Package formattest holds what decoder tests share, as net/http/httptest
// does for handlers: decoding sample lines, reading sample files, and
// comparing output with golden files.
package formattest

import (
	"bufio"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/format"
)

// Decode runs lines through a fresh decoder of the named format (see
// format.DecodeLines) and fails the test if the format cannot be made.
func Decode(t testing.TB, name string, opts format.Options, lines []string) []event.Event {
	t.Helper()
	evs, err := format.DecodeLines(name, opts, lines)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// ReadLines returns the lines of a sample file.
func ReadLines(t testing.TB, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// Golden compares got with the golden file at path, rewriting it first when
// update is set (the -update flag of the calling test).
func Golden(t testing.TB, path string, got []byte, update bool) {
	t.Helper()
	if update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("%s differs from its golden file (-want +got):\n%s", path, d)
	}
}
