package crs

import (
	"regexp"
	"testing"

	coreruleset "github.com/corazawaf/coraza-coreruleset/v4"
)

// TestPatternBranchesCompile is the warrant for compiling a patternSet's
// branches on first use: every branch of the prefilter's sets (argument,
// header and query patterns) compiles, so none ever falls back to "may
// match", and compiled alone it is the language the set was built from
// (the same source; TestRestrictedPatterns checks the sets' answers).
func TestPatternBranchesCompile(t *testing.T) {
	f, err := newPrefilter(embeddedFS{coreruleset.FS})
	if err != nil {
		t.Fatal(err)
	}
	wideRx, _ := f.wide()
	n := 0
	for name, set := range map[string]*patternSet{"argRCE": f.argRCE, "headerRx": f.headerRx, "wideRx": wideRx} {
		if set == nil || len(set.branches) == 0 {
			t.Errorf("%s: no patterns", name)
			continue
		}
		for i := range set.branches {
			b := &set.branches[i]
			if _, err := regexp.Compile(b.src); err != nil {
				t.Errorf("%s branch %d: %v", name, i, err)
			}
			if b.compile() == nil {
				t.Errorf("%s branch %d does not compile", name, i)
			}
			n++
		}
	}
	t.Logf("%d branches", n)
}

// TestBranchCannotTell: a branch that does not compile answers "may
// match" (the value goes to Coraza), never "no".
func TestBranchCannotTell(t *testing.T) {
	b := &branch{src: "(unclosed"}
	if !b.MatchString("anything") {
		t.Error("a branch that does not compile ruled a value out")
	}
	ok := &branch{src: "(?i:abc)"}
	if ok.MatchString("xyz") || !ok.MatchString("xABCx") {
		t.Error("compiled branch answers wrong")
	}
}
