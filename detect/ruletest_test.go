package detect

import (
	"strings"
	"testing"
	"testing/fstest"

	_ "github.com/kizuki-dfir/kizuki/format/all"
)

const sqlmapLine = `203.0.113.7 - - [19/May/2025:03:12:44 +0000] "GET /search.php?q=1 HTTP/1.1" 200 512 "-" "sqlmap/1.7.2#stable (https://sqlmap.org)"`
const benignLine = `83.149.9.216 - - [17/May/2015:10:05:03 +0000] "GET /index.html HTTP/1.1" 200 203 "-" "Mozilla/5.0"`

func ruleFile(match, nomatch string) string {
	return `title: sqlmap user agent
id: 11111111-2222-3333-4444-555555555555
logsource: {product: kizuki, category: web}
detection:
  sel:
    user_agent.original|contains: sqlmap
  condition: sel
level: high
tags: [attack.initial-access, attack.t1190]
falsepositives: [pentests]
tests:
  format: access.combined
  match: ['` + strings.ReplaceAll(match, "'", "''") + `']
  nomatch: ['` + strings.ReplaceAll(nomatch, "'", "''") + `']
`
}

func TestRunRuleTests(t *testing.T) {
	tests := []struct {
		name         string
		match, nomat string
		wantFail     string
	}{
		{"passes", sqlmapLine, benignLine, ""},
		{"positive case misses", benignLine, benignLine, "did not match"},
		{"negative case fires", sqlmapLine, sqlmapLine, "matched"},
		{"line not in format", "not an access log line", benignLine, "not decoded"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{"r.yml": {Data: []byte(ruleFile(tc.match, tc.nomat))}}
			res, err := RunRuleTests(RuleSource{Name: "t", FS: fsys})
			if err != nil {
				t.Fatal(err)
			}
			if len(res) != 1 || res[0].Cases != 2 {
				t.Fatalf("results = %+v", res)
			}
			got := strings.Join(res[0].Failures, "\n")
			if tc.wantFail == "" && got != "" || tc.wantFail != "" && !strings.Contains(got, tc.wantFail) {
				t.Errorf("failures %q, want %q", got, tc.wantFail)
			}
		})
	}
}
