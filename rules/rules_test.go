package rules_test

import (
	"testing"

	"github.com/kizuki-dfir/kizuki/detect"
	_ "github.com/kizuki-dfir/kizuki/format/all"
	"github.com/kizuki-dfir/kizuki/rules"
	"github.com/kizuki-dfir/kizuki/sigma"
)

var builtin = detect.RuleSource{Name: "rules", FS: rules.FS}

// TestPackCompiles: every rule of the pack compiles, and carries what the
// project requires of its rules.
func TestPackCompiles(t *testing.T) {
	loaded, err := detect.LoadRules(builtin)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range loaded.ParseErrors {
		t.Errorf("%s: %s", e.Path, e.Reason)
	}
	_, unsupported := sigma.Compile(loaded.Rules, sigma.DefaultPipeline())
	for _, u := range unsupported {
		t.Errorf("%s", u)
	}
	ids := map[string]string{}
	for _, r := range loaded.Rules {
		if r.Filter != nil {
			continue
		}
		if prev, dup := ids[r.ID]; dup || r.ID == "" {
			t.Errorf("%s: id %q missing or also used by %s", r.Path, r.ID, prev)
		}
		ids[r.ID] = r.Path
		if r.Level == "" || len(r.FalsePositives) == 0 {
			t.Errorf("%s: every rule needs a level and a falsepositives note", r.Path)
		}
		hasAttack := false
		for _, tag := range r.Tags {
			hasAttack = hasAttack || len(tag) > 7 && tag[:7] == "attack."
		}
		if !hasAttack {
			t.Errorf("%s: no ATT&CK tag", r.Path)
		}
	}
	if len(ids) == 0 {
		t.Fatal("the rule pack is empty")
	}
}

// TestPackOwnTests runs every rule's positive and negative cases.
func TestPackOwnTests(t *testing.T) {
	results, err := detect.RunRuleTests(builtin)
	if err != nil {
		t.Fatal(err)
	}
	withTests := map[string]bool{}
	for _, r := range results {
		withTests[r.ID] = true
		for _, f := range r.Failures {
			t.Errorf("%s (%s): %s", r.Path, r.Title, f)
		}
	}
	loaded, _ := detect.LoadRules(builtin)
	for _, r := range loaded.Rules {
		// A correlation that only feeds another never fires on its own; the
		// chained rule's tests exercise it.
		feedsOnly := r.Correlation != nil && r.Level == "informational"
		if r.Filter == nil && !feedsOnly && !withTests[r.ID] {
			t.Errorf("%s: rule %q has no tests", r.Path, r.Title)
		}
	}
}
