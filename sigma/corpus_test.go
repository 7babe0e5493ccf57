package sigma

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/kizuki-dfir/kizuki/internal/shareddata"
)

// loadRules parses every .yml under the given directories.
func loadRules(t testing.TB, dirs ...string) []*Rule {
	t.Helper()
	var rules []*Rule
	for _, d := range dirs {
		err := filepath.WalkDir(d, func(path string, e os.DirEntry, err error) error {
			if err != nil || e.IsDir() || !strings.HasSuffix(path, ".yml") {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			rs, err := ParseFile(path, data)
			if err != nil {
				t.Errorf("parse: %v", err)
			}
			rules = append(rules, rs...)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return rules
}

// TestSigmaHQCorpus compiles SigmaHQ's web and linux rules (read in place,
// DRL 1.1) and pins the counts so support cannot regress silently.
func TestSigmaHQCorpus(t *testing.T) {
	base := shareddata.Path(t, "sigma/rules")
	for _, tc := range []struct {
		dir                             string
		total, compiled, unsupported    int
		supportedSource, unsupportedSrc int // rules whose log source kizuki maps / does not
	}{
		{"web", 45, 45, 0, 45, 0},
		{"linux", 210, 197, 13, 197, 13},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			rules := loadRules(t, filepath.Join(base, tc.dir))
			rs, unsup := Compile(rules, DefaultPipeline())
			reasons := map[string]int{}
			srcUnsup := 0
			for _, u := range unsup {
				if u.Reason == "" {
					t.Errorf("%s: unsupported without a reason", u.Path)
				}
				r := u.Reason
				if strings.HasPrefix(r, "log source") {
					srcUnsup++
				}
				if i := strings.Index(r, ": "); i > 0 && strings.HasPrefix(r, "log source") {
					r = r[:i]
				}
				reasons[r]++
			}
			var keys []string
			for k := range reasons {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				t.Logf("%4d  %s", reasons[k], k)
			}
			for _, u := range unsup {
				if !strings.HasPrefix(u.Reason, "log source") {
					t.Logf("unsupported: %s", u)
				}
			}
			compiled := len(rs.Rules())
			t.Logf("%s: %d rules, %d compiled, %d unsupported (%d by log source)", tc.dir, len(rules), compiled, len(unsup), srcUnsup)
			if len(rules) != tc.total || compiled != tc.compiled || len(unsup) != tc.unsupported {
				t.Errorf("counts: total %d compiled %d unsupported %d; want %d %d %d", len(rules), compiled, len(unsup), tc.total, tc.compiled, tc.unsupported)
			}
			if len(rules)-srcUnsup != tc.supportedSource || srcUnsup != tc.unsupportedSrc {
				t.Errorf("log sources: supported %d unsupported %d; want %d %d", len(rules)-srcUnsup, srcUnsup, tc.supportedSource, tc.unsupportedSrc)
			}
			if supported := len(rules) - srcUnsup; compiled*100 < supported*99 {
				t.Errorf("only %d of %d rules with a supported log source compiled (< 99%%)", compiled, supported)
			}
		})
	}
}

// TestSpecSchemaExamples parses the Sigma specification's schema examples
// (sigma-specification/tests/schema, public domain), read in place.
func TestSpecSchemaExamples(t *testing.T) {
	base := shareddata.Path(t, "sigma-specification/tests/schema")
	want := map[string]string{ // file -> what it must parse into
		"correlation/event_count.yml":      "event_count",
		"correlation/event_count_ecs.yml":  "event_count",
		"correlation/value_count.yml":      "value_count",
		"correlation/temporal.yml":         "temporal",
		"correlation/temporal_ordered.yml": "temporal_ordered",
		"correlation/value_sum.yml":        "value_sum",
		"correlation/value_avg.yml":        "value_avg",
		"correlation/value_percentile.yml": "value_percentile",
		"rules/rule_1.yml":                 "detection",
		"rules/rule_ecs.yml":               "detection",
		"filter/filter_1.yml":              "filter",
		"filter/filter_ecs.yml":            "filter",
	}
	for file, kind := range want {
		data, err := os.ReadFile(filepath.Join(base, file))
		if err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		rules, err := ParseFile(file, data)
		if err != nil || len(rules) != 1 {
			t.Errorf("%s: %d rules, %v", file, len(rules), err)
			continue
		}
		r := rules[0]
		got := "detection"
		switch {
		case r.Correlation != nil:
			got = r.Correlation.Type
			if r.Correlation.Timespan <= 0 || len(r.Correlation.Rules) == 0 {
				t.Errorf("%s: timespan %v rules %v", file, r.Correlation.Timespan, r.Correlation.Rules)
			}
		case r.Filter != nil:
			got = "filter"
		}
		if got != kind {
			t.Errorf("%s parsed as %s, want %s", file, got, kind)
		}
		// alone, every one is unsupported with a reason (unmapped log
		// source, or references to rules that are not loaded)
		_, unsup := Compile(rules, DefaultPipeline())
		if r.Filter == nil && (len(unsup) != 1 || unsup[0].Reason == "") {
			t.Errorf("%s: unsupported %v", file, unsup)
		}
	}
}
