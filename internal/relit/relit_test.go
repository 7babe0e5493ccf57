package relit

import (
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"testing"
)

func parse(t *testing.T, expr string, simplify bool) *syntax.Regexp {
	t.Helper()
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		t.Fatalf("%q: %v", expr, err)
	}
	if simplify {
		return re.Simplify()
	}
	return re
}

// none is the want of an expression with a match holding no literal.
var none []string

// TestRequired pins the sets: want nil is "none" (ok false), an empty
// non-nil want is "matches no ASCII string" (ok true, no literals). The
// Sigma compiler simplifies first, the CRS prefilter does not; simplify
// marks the cases where that changes the answer.
func TestRequired(t *testing.T) {
	for _, tt := range []struct {
		expr     string
		simplify bool
		want     []string
	}{
		// the Sigma gate's cases
		{`(?i)/(uploads?|images?|tmp)/x`, true, []string{"/upload/x", "/uploads/x", "/image/x", "/images/x", "/tmp/x"}},
		{`(?i)/(uploads?|images?|tmp)/[^?#]*\.(php|pl)`, true, []string{"/upload/", "/uploads/", "/image/", "/images/", "/tmp/"}},
		{`abc`, false, []string{"abc"}},
		{`(?i)ABC|dEf`, false, []string{"abc", "def"}},
		{`a(b|c*)d`, false, []string{"a"}}, // a branch requiring nothing
		{`(x|y*)`, false, none},            // nothing is required
		{`[?&](id|no)=[0-9]+`, true, []string{"?id=", "&id=", "?no=", "&no="}},
		{`x[0-9a-z]y|zz`, false, []string{"x", "zz"}}, // a class too large to spell out
		{`x[0-9a-f]y`, false, []string{"x0y", "x1y", "x2y", "x3y", "x4y", "x5y", "x6y", "x7y", "x8y", "x9y", "xay", "xby", "xcy", "xdy", "xey", "xfy"}},
		{`^(ab)?c$`, false, []string{"abc", "c"}},
		{`(?i)ſ`, false, []string{"s"}},          // the parser keeps the least of the orbit
		{`(?i)\x{212A}a`, false, []string{"ka"}}, // the Kelvin sign folds to k
		{`[Aa][Bb]`, false, []string{"ab"}},      // case twins count once
		// no ASCII string matches
		{`é`, false, []string{}},
		{`\x{212A}`, false, []string{}},
		{`(?i)éte|µσx`, false, []string{}},
		{`[^\x00-\x7f]`, false, []string{}},
		{`a|[^\x00-\x7f]`, false, []string{"a"}},
		// the CRS prefilter's cases (TestRestrictExhaustive's patterns)
		{`a[^a]b`, false, []string{"a"}},
		{`(?i)k`, false, []string{"k"}},
		{`x*;?a`, false, []string{";a", "a"}},
		{`(?:;|b)+a`, false, []string{"a"}},
		{`(?:;|b)*a`, false, []string{"a"}},
		{`\bab\b`, false, []string{"ab"}},
		{`[;|]?ab`, false, []string{";ab", "ab", "|ab"}},
		{`a{2,}`, false, []string{"a"}},
		{`;{0,2}b`, false, []string{"b"}},
		{`;{0,2}b`, true, []string{";;b", ";b", "b"}},
		{`;{1,2}b`, false, []string{";"}},
		{`;{1,2}b`, true, []string{";;b", ";b"}},
		{`(?i)AB|;ls|b;`, false, []string{";ls", "ab", "b;"}},
		{`^ab|b$`, false, []string{"ab", "b"}},
		{`(?:a|;)(?:b|\|)`, false, []string{";b", ";|", "ab", "a|"}},
		{`a.b`, false, []string{"a"}},
		{`(?s)a.b`, false, []string{"a"}},
		{`(a)(;)?b`, false, []string{"a;b", "ab"}},
		{`=[a-z]{2}=`, false, []string{"="}},
		{`(?:^|;)b{1,3}\b`, false, []string{"b"}},
		{`(?:^|;)b{1,3}\b`, true, []string{";b", ";bb", ";bbb", "b", "bb", "bbb"}},
		{`\Bb`, false, []string{"b"}},
		{`(?i)(?:ab|ba)K(?:a|b)`, false, []string{"abka", "abkb", "baka", "bakb"}},
		{`[^ab]`, false, none},
		{`(?:)`, false, none},
		{`;`, false, []string{";"}},
		{`a(?:b|;)*$`, false, []string{"a"}},
		{`(?i:B)(?:A)(?:)(?:)K`, false, []string{"bak"}},
		{`[ab]{2}[ =]`, false, []string{"a", "b"}},
		{`[ab]{2}[ =]`, true, []string{"aa ", "aa=", "ab ", "ab=", "ba ", "ba=", "bb ", "bb="}},
		{`x*`, false, none},
		{`(ab|c)?`, false, none},
	} {
		got, ok := Required(parse(t, tt.expr, tt.simplify))
		if ok != (tt.want != nil) {
			t.Errorf("Required(%q, simplified %v): ok %v, want %v (%q)", tt.expr, tt.simplify, ok, tt.want != nil, got)
			continue
		}
		slices.Sort(got)
		want := slices.Clone(tt.want)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("Required(%q, simplified %v) = %q, want %q", tt.expr, tt.simplify, got, want)
		}
	}
}

func TestLongest(t *testing.T) {
	for _, tt := range []struct{ expr, want string }{
		{`^/presentations/[a-z]+`, "/presentations/"},
		{`(?i)Select.+From`, "SELECT"}, // as the parser spells it: the caller folds
		{`a|b`, ""},
		{`(foo)?bar`, "bar"},
		{`(abc)+x`, "abc"},
		{`x*`, ""},
		{`a{2,}`, "a"},
		{`(?i)\binto\s+(outfile|dumpfile)\b`, "INTO"},
	} {
		if got := Longest(parse(t, tt.expr, true)); got != tt.want {
			t.Errorf("Longest(%q) = %q, want %q", tt.expr, got, tt.want)
		}
	}
}

// enumerate calls f on every string over alpha of length 0 to n.
func enumerate(alpha string, n int, f func(string)) {
	var rec func(prefix []byte)
	rec = func(prefix []byte) {
		f(string(prefix))
		if len(prefix) == n {
			return
		}
		for i := 0; i < len(alpha); i++ {
			rec(append(prefix, alpha[i]))
		}
	}
	rec(nil)
}

// TestSound proves the claims on every string up to length 5 over a small
// alphabet (with both cases of a letter, and bytes the patterns use as
// punctuation): every match holds one of Required's literals ignoring
// ASCII case, an expression with ok and no literals matches nothing, and
// every match holds Longest's literal ignoring case. Both the parsed and
// the simplified tree are checked, since callers hand in either.
func TestSound(t *testing.T) {
	const letters = "abAK =;|"
	pats := []string{
		`a[^a]b`, `(?i)k`, `k`, `\x{212A}`, `(?i)\x{212A}a`, `x*;?a`, `(?:;|b)+a`, `(?:;|b)*a`, `\bab\b`, `[;|]?ab`,
		`a{2,}`, `;{0,2}b`, `;{1,2}b`, `(?i)AB|;ls|b;`, `^ab|b$`, `(?:a|;)(?:b|\|)`, `a.b`, `(?s)a.b`, `(a)(;)?b`,
		`=[a-z]{2}=`, `(?:^|;)b{1,3}\b`, `\Bb`, `(?i)(?:ab|ba)K(?:a|b)`, `[^ab]`, `(?:)`, `;`, `a(?:b|;)*$`,
		`(?i:B)(?:A)(?:)(?:)K`, `[ab]{2}[ =]`, `a(b|;*)b`, `(?i)(a|b;)+k`, `[aA][bB]|K=`, `(?i)a|é`, `é`, `ab?a`,
		`(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)`, `[ab]{1,3}=`, `A[b=]{2}`, `\b(ab|ba)\b|;`,
	}
	for _, pat := range pats {
		full := regexp.MustCompile(pat)
		for _, simplify := range []bool{false, true} {
			re := parse(t, pat, simplify)
			need, ok := Required(re)
			long := strings.ToLower(Longest(re))
			matches := 0
			enumerate(letters, 5, func(s string) {
				if !full.MatchString(s) {
					return
				}
				matches++
				l := strings.ToLower(s)
				if ok && !slices.ContainsFunc(need, func(w string) bool { return strings.Contains(l, w) }) {
					t.Fatalf("%s (simplified %v) matches %q, which holds none of its required literals %q", pat, simplify, s, need)
				}
				if !strings.Contains(l, long) {
					t.Fatalf("%s (simplified %v) matches %q, which lacks its longest literal %q", pat, simplify, s, long)
				}
			})
			t.Logf("%-40s simplified %-5v required %v %q, longest %q; %d matches", pat, simplify, ok, need, long, matches)
		}
	}
}
