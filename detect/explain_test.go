package detect

import (
	"testing"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/sigma"
)

func TestExplain(t *testing.T) {
	rules, err := sigma.ParseFile("r.yml", []byte(`title: test
id: r1
logsource: {product: kizuki, category: web}
detection:
  tool:
    user_agent.original|contains: sqlmap
  ok:
    - http.response.status_code: 200
    - http.response.status_code: 302
  condition: tool and ok
level: high
`))
	if err != nil {
		t.Fatal(err)
	}
	web := func(ua string, status int, kind event.Kind) *event.Event {
		return &event.Event{Kind: kind, UserAgent: ua, Status: status}
	}
	tests := []struct {
		name                  string
		ev                    *event.Event
		matched, cond, routed bool
		tool, ok              bool
		okBranch1, okBranch2  bool
	}{
		{"fires", web("sqlmap/1.7", 200, event.KindWeb), true, true, true, true, true, true, false},
		{"second branch", web("sqlmap/1.7", 302, event.KindWeb), true, true, true, true, true, false, true},
		{"status fails", web("sqlmap/1.7", 404, event.KindWeb), false, false, true, true, false, false, false},
		{"wrong log source", web("sqlmap/1.7", 200, event.KindAuth), false, true, false, true, true, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := Explain(rules[0], tc.ev, sigma.DefaultPipeline())
			if x.Matched != tc.matched || x.Condition != tc.cond || x.Routed != tc.routed {
				t.Fatalf("matched %v cond %v routed %v; want %v %v %v", x.Matched, x.Condition, x.Routed, tc.matched, tc.cond, tc.routed)
			}
			if len(x.Searches) != 2 || x.Searches[0].Matched != tc.tool || x.Searches[1].Matched != tc.ok {
				t.Fatalf("searches = %+v", x.Searches)
			}
			if b := x.Searches[1].Tests; len(b) != 2 || b[0].Matched != tc.okBranch1 || b[1].Matched != tc.okBranch2 || b[1].Branch != 2 {
				t.Fatalf("ok tests = %+v", b)
			}
		})
	}
}
