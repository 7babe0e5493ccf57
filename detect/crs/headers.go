package crs

import (
	"fmt"
	"io/fs"
	"regexp"
	"regexp/syntax"
	"strings"
)

// headerRule is the first condition of a paranoia-1 request rule that reads
// the User-Agent or the Referer: the only conditions that can make CRS fire
// on a header value (a chained condition only narrows its rule).
type headerRule struct {
	file, id string
	targets  string // as written: "REQUEST_HEADERS|!REQUEST_HEADERS:Cookie|…"
	operator string // "@rx …", "@pmFromFile …", "@detectSQLi", …
	trans    []string
}

// headerTargets are the collections whose members include User-Agent or
// Referer. REQUEST_HEADERS_NAMES reads names, not values; counts (&…) read
// neither.
var headerTargets = map[string]bool{
	"REQUEST_HEADERS":            true,
	"REQUEST_HEADERS:User-Agent": true,
	"REQUEST_HEADERS:Referer":    true,
}

var (
	continuationRE = regexp.MustCompile(`\\\n[ \t]*`)
	secRuleRE      = regexp.MustCompile(`^SecRule\s+(\S+)\s+"((?:[^"\\]|\\.)*)"\s*(?:"(.*)")?`)
	ruleIDRE       = regexp.MustCompile(`\bid:(\d+)`)
	transRE        = regexp.MustCompile(`\bt:(\w+)`)
)

// reads reports whether r's targets include the request header named
// header ("User-Agent", "Referer"): the whole REQUEST_HEADERS collection
// or that member, and not excluded by a "!REQUEST_HEADERS:" target. Header
// names compare without regard to case, as Coraza's collection keys do.
func (r headerRule) reads(header string) bool {
	in := false
	for _, t := range strings.Split(r.targets, "|") {
		name, member, _ := strings.Cut(t, ":")
		switch {
		case strings.EqualFold(name, "!REQUEST_HEADERS") && strings.EqualFold(member, header):
			return false
		case strings.EqualFold(name, "REQUEST_HEADERS") && (member == "" || strings.EqualFold(member, header)):
			in = true
		}
	}
	return in
}

// headerRules lists the first conditions of the paranoia-1 request rules
// over User-Agent or Referer, in rule-file order.
func headerRules(root fs.FS) ([]headerRule, error) {
	return firstConditions(root, func(t string) bool { return headerTargets[t] })
}

// requestRuleFiles are the rule files firstConditions reads: the request
// rules, those of the arguments (argRuleFiles) and the others.
func requestRuleFiles() []string {
	return append([]string{
		"@owasp_crs/REQUEST-905-COMMON-EXCEPTIONS.conf",
		"@owasp_crs/REQUEST-911-METHOD-ENFORCEMENT.conf",
		"@owasp_crs/REQUEST-913-SCANNER-DETECTION.conf",
		"@owasp_crs/REQUEST-922-MULTIPART-ATTACK.conf",
	}, argRuleFiles...)
}

// pl1SecRules returns the SecRule lines of a rule file (continuations
// joined) before its paranoia-level-2 marker: the rules paranoia 1 runs.
func pl1SecRules(conf []byte) []string {
	pl1 := string(conf)
	if i := strings.Index(pl1, `"@lt 2"`); i >= 0 {
		pl1 = pl1[:strings.LastIndexByte(pl1[:i], '\n')+1] // the level-2 marker's line on
	}
	var out []string
	for _, line := range strings.Split(continuationRE.ReplaceAllString(pl1, " "), "\n") {
		if line = strings.TrimSpace(line); strings.HasPrefix(line, "SecRule ") {
			out = append(out, line)
		}
	}
	return out
}

// firstConditions lists the first conditions of the paranoia-1 request
// rules with a target for which reads holds, in rule-file order.
func firstConditions(root fs.FS, reads func(target string) bool) ([]headerRule, error) {
	var out []headerRule
	for _, name := range requestRuleFiles() {
		conf, err := fs.ReadFile(root, name)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		chained := false // the previous SecRule asked for a chain
		for _, line := range pl1SecRules(conf) {
			m := secRuleRE.FindStringSubmatch(line)
			if m == nil {
				return nil, fmt.Errorf("%s: cannot read rule %.80q", name, line)
			}
			first := !chained
			chained = strings.Contains(m[3], "chain")
			if !first {
				continue
			}
			hit := false
			for _, t := range strings.Split(m[1], "|") {
				hit = hit || reads(t)
			}
			if !hit {
				continue
			}
			r := headerRule{file: name, targets: m[1], operator: m[2]}
			if id := ruleIDRE.FindStringSubmatch(m[3]); id != nil {
				r.id = id[1]
			}
			for _, t := range transRE.FindAllStringSubmatch(m[3], -1) {
				r.trans = append(r.trans, t[1])
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// rulePatterns compiles the @rx patterns of rules (each made
// case-insensitive, which only widens what it accepts and covers
// t:lowercase) into one set over alpha: headerBytes for the User-Agent's
// rules, refBytes for the Referer's, wideRxBytes for the query rules. It returns nil when no rule has one.
func rulePatterns(rules []headerRule, alpha *alphabet) (*patternSet, error) {
	alt := &syntax.Regexp{Op: syntax.OpAlternate}
	for _, r := range rules {
		pat, ok := strings.CutPrefix(r.operator, "@rx ")
		if !ok {
			continue
		}
		re, err := syntax.Parse("(?i)(?:"+pat+")", syntax.Perl)
		if err != nil {
			return nil, fmt.Errorf("rule %s: %w", r.id, err)
		}
		alt.Sub = append(alt.Sub, re)
	}
	if len(alt.Sub) == 0 {
		return nil, nil
	}
	return compileParsed(alt, alpha)
}

// headerBytes are the bytes a header value the prefilter may call plain is
// made of, as written and once URL-decoded: headerAlphabet in both cases.
var headerBytes = alphabetOf("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_/:~. ,+();@!?=&%#")

// refBytes are the bytes a Referer the prefilter may call plain is made
// of, as written and once URL-decoded: headerBytes and the quotes, the
// backtick and the tab that real Referers hold escaped ("%27s_guide",
// "%22name%22", "q=%60www", "/%094"). No rule that reads the Referer
// decodes them into something else: on ASCII without a backslash or NUL,
// t:utf8toUnicode, t:jsDecode, t:cssDecode and t:removeNulls change
// nothing, and t:removeWhitespace (refererForms) drops the tab with the
// spaces. The Referer's rules are asked over this alphabet (refRx) and
// libinjection reads the quotes, so a quote can only send a value on.
var refBytes = alphabetOf("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_/:~. ,+();@!?=&%#'\"`\t")

// refAlphabet is refBytes lowered: what refWords reads.
var refAlphabet = alphabetOf("abcdefghijklmnopqrstuvwxyz0123456789-_/:~. ,+();@!?=&%#'\"`\t")
