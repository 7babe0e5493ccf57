// Package shareddata locates the project's shared sample data for tests: the
// real public logs, Sigma rules and CRS payloads in ../shared/data beside the
// repository, which may not be copied into it (see its README for licences).
// Tests that need it skip, with a message saying so, where it is absent.
package shareddata

import (
	"os"
	"path/filepath"
	"testing"
)

// Path returns ../shared/data (joined with rel) seen from the repository
// root, found by walking up from the test's directory to go.mod. It skips
// the test when the data is not there.
func Path(t testing.TB, rel ...string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("go.mod not found above the test directory")
		}
		dir = parent
	}
	p := filepath.Join(append([]string{dir, "..", "shared", "data"}, rel...)...)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared test data %s is absent (%v): skipping", p, err)
	}
	return p
}
