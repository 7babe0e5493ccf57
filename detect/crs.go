package detect

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/kizuki-dfir/kizuki/detect/crs"
	"github.com/kizuki-dfir/kizuki/event"
)

// crsClasses describes the CRS attack classes: title, severity and the ATT&CK
// tags their alerts carry. Exploitation classes are initial access through
// T1190; scanners are reconnaissance (T1595).
var crsClasses = map[string]struct {
	title, level string
	tags         []string
}{
	"sqli":              {"SQL injection (OWASP CRS)", "high", []string{"attack.initial-access", "attack.t1190"}},
	"xss":               {"Cross-site scripting (OWASP CRS)", "medium", []string{"attack.initial-access", "attack.t1190", "attack.t1189"}},
	"lfi":               {"Path traversal / local file inclusion (OWASP CRS)", "high", []string{"attack.initial-access", "attack.t1190"}},
	"rfi":               {"Remote file inclusion (OWASP CRS)", "high", []string{"attack.initial-access", "attack.t1190"}},
	"rce":               {"Remote command execution (OWASP CRS)", "high", []string{"attack.initial-access", "attack.execution", "attack.t1190", "attack.t1059"}},
	"php-injection":     {"PHP injection (OWASP CRS)", "high", []string{"attack.initial-access", "attack.t1190"}},
	"generic-injection": {"Injection attack (OWASP CRS)", "high", []string{"attack.initial-access", "attack.t1190"}},
	"java-injection":    {"Java injection (OWASP CRS)", "high", []string{"attack.initial-access", "attack.t1190"}},
	"ssrf":              {"Server-side request forgery (OWASP CRS)", "high", []string{"attack.initial-access", "attack.t1190"}},
	"ssti":              {"Server-side template injection (OWASP CRS)", "high", []string{"attack.initial-access", "attack.t1190"}},
	"session-fixation":  {"Session fixation (OWASP CRS)", "medium", []string{"attack.credential-access", "attack.t1539"}},
	"scanner":           {"Web scanner (OWASP CRS)", "low", []string{"attack.reconnaissance", "attack.t1595"}},
	"protocol":          {"HTTP protocol anomaly (OWASP CRS)", "low", []string{"attack.reconnaissance", "attack.t1595"}},
	"policy":            {"Request for a file type restricted by policy (OWASP CRS)", "low", []string{"attack.reconnaissance", "attack.t1595.003"}},
}

// policyRules are CRS rules that flag what a site's policy forbids rather
// than an attack: a request for config.xml or a .log file. Crawlers make them
// all day; alone, they say nothing about intent.
var policyRules = map[int]bool{
	920420: true, // request content type not allowed by policy
	920430: true, // HTTP protocol version not allowed by policy
	920440: true, // URL file extension restricted by policy
	920500: true, // attempt to access a backup or working file
	930130: true, // restricted file access attempt (config.xml, .git/, .env ...)
}

// crsRank orders classes when a request hits several: the most dangerous
// names the alert.
var crsRank = map[string]int{"rce": 7, "sqli": 6, "java-injection": 6, "ssti": 6, "php-injection": 5, "generic-injection": 5, "ssrf": 5,
	"rfi": 4, "lfi": 3, "xss": 2, "session-fixation": 2, "scanner": 1, "protocol": 0}

// crsSummary returns the class a verdict is filed under and its rule ids.
func crsSummary(v crs.Verdict) (string, []int) {
	best, rank := "", -1
	ids := make([]int, 0, len(v.Hits))
	policyOnly := true
	for _, h := range v.Hits {
		ids = append(ids, h.RuleID)
		if !policyRules[h.RuleID] && h.Class != "protocol" {
			policyOnly = false
		}
		if policyRules[h.RuleID] {
			continue
		}
		r, known := crsRank[h.Class]
		if !known {
			r = 1
		}
		if r > rank || (r == rank && h.Class < best) {
			best, rank = h.Class, r
		}
	}
	if policyOnly {
		for _, h := range v.Hits {
			if policyRules[h.RuleID] {
				return "policy", ids
			}
		}
	}
	return cmp.Or(best, "protocol"), ids
}

func crsGroup(cls string, v crs.Verdict) *group {
	c, ok := crsClasses[cls]
	if !ok {
		c.title, c.level, c.tags = "Web attack: "+cls+" (OWASP CRS)", "medium", []string{"attack.initial-access", "attack.t1190"}
	}
	return &group{source: "crs", ruleID: "crs-" + cls, title: c.title, level: c.level, tags: c.tags, crsRules: map[int]bool{}}
}

func (g *group) addCRS(ev *event.Event, ids []int) {
	for _, id := range ids {
		g.crsRules[id] = true
	}
	g.add(ev)
}

// describe returns the alert's detail line: for CRS, the rule ids that fired.
func (g *group) describe() string {
	if len(g.crsRules) == 0 {
		return g.detail
	}
	ids := make([]int, 0, len(g.crsRules))
	for id := range g.crsRules {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.Itoa(id)
	}
	return "CRS rules " + strings.Join(parts, ", ")
}
