package crs

import (
	"reflect"
	"testing"

	coreruleset "github.com/corazawaf/coraza-coreruleset/v4"
)

// TestHeaderAndQueryRules: the prefilter's one reading of the rule files
// lists exactly the rules headerRules and queryRules list, in order.
func TestHeaderAndQueryRules(t *testing.T) {
	root := embeddedFS{coreruleset.FS}
	h, q, err := headerAndQueryRules(root)
	if err != nil {
		t.Fatal(err)
	}
	wantH, err := headerRules(root)
	if err != nil {
		t.Fatal(err)
	}
	wantQ, err := queryRules(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(wantH) == 0 || len(wantQ) == 0 {
		t.Fatalf("%d header rules, %d query rules: the test compares nothing", len(wantH), len(wantQ))
	}
	if !reflect.DeepEqual(h, wantH) {
		t.Errorf("header rules differ: %d, want %d", len(h), len(wantH))
	}
	if !reflect.DeepEqual(q, wantQ) {
		t.Errorf("query rules differ: %d, want %d", len(q), len(wantQ))
	}
}
