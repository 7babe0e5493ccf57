package crs

import (
	"math/rand"
	"net/url"
	"regexp"
	"regexp/syntax"
	"strings"
	"testing"

	coreruleset "github.com/corazawaf/coraza-coreruleset/v4"

	"github.com/kizuki-dfir/kizuki/internal/relit"
)

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

// TestRestrictExhaustive proves restrict and relit.Required on small patterns
// built to hit every case of the rewrite (classes emptied by the alphabet,
// folded literals, stars, pluses and repeats of nothing, alternations left
// with one branch, assertions), over every string up to length 6 of a small
// alphabet: the cut pattern and the patternSet accept exactly what the
// original does, and every match holds a required literal.
func TestRestrictExhaustive(t *testing.T) {
	const letters = "abK =" // K, = and space are in the alphabet; ';' and '|' are not
	a := alphabetOf(letters)
	pats := []string{
		`a[^a]b`, `(?i)k`, `k`, `\x{212A}`, `(?i)\x{212A}a`, `x*;?a`, `(?:;|b)+a`, `(?:;|b)*a`, `\bab\b`, `[;|]?ab`,
		`a{2,}`, `;{0,2}b`, `;{1,2}b`, `(?i)AB|;ls|b;`, `^ab|b$`, `(?:a|;)(?:b|\|)`, `a.b`, `(?s)a.b`, `(a)(;)?b`,
		`=[a-z]{2}=`, `(?:^|;)b{1,3}\b`, `\Bb`, `(?i)(?:ab|ba)K(?:a|b)`, `[^ab]`, `(?:)`, `;`, `a(?:b|;)*$`,
		`(?i:B)(?:A)(?:)(?:)K`, `[ab]{2}[ =]`,
	}
	for _, pat := range pats {
		full := regexp.MustCompile(pat)
		re, err := syntax.Parse(pat, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		cut := regexp.MustCompile(restrict(re, a).String())
		set, err := compilePatterns(pat, a)
		if err != nil {
			t.Fatalf("%s: %v", pat, err)
		}
		scratch := make([]uint64, set.words())
		need, needOK := relit.Required(restrict(re, a))
		matches := 0
		enumerate(letters, 6, func(s string) {
			want := full.MatchString(s)
			if got := cut.MatchString(s); got != want {
				t.Fatalf("%s cut to %s: %q got %v want %v", pat, cut, s, got, want)
			}
			if got := set.MatchString(s, scratch); got != want {
				t.Fatalf("%s as a patternSet: %q got %v want %v", pat, s, got, want)
			}
			if want && needOK && !containsAnyFold(s, need) {
				t.Fatalf("%s matches %q, which holds none of its required literals %q", pat, s, need)
			}
			if want {
				matches++
			}
		})
		t.Logf("%-28s cut to %-40s required %v %q; %d matches", pat, cut, needOK, need, matches)
	}
}

func containsAnyFold(s string, lits []string) bool {
	l := strings.ToLower(s)
	for _, w := range lits {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

// TestRestrictedPatterns checks the argument patterns the prefilter runs
// (cut to rceAlphabet, split, gated by required literals) against the full
// alternation CRS's rules make, on values over that alphabet: words taken
// from the patterns themselves and from the regression payloads, joined in
// random ways, in random case, and the payload values themselves with every
// byte outside the alphabet dropped.
func TestRestrictedPatterns(t *testing.T) {
	if testing.Short() {
		t.Skip("runs CRS's full argument patterns on thousands of values")
	}
	root := embeddedFS{coreruleset.FS}
	pat, ok, err := argPatternSource(root)
	if err != nil || !ok {
		t.Fatalf("argument patterns: ok %v, %v", ok, err)
	}
	full := regexp.MustCompile(pat)
	set, noQueries, err := argPatterns(root)
	if err != nil || noQueries || set == nil {
		t.Fatalf("argPatterns: %v %v %v", set, noQueries, err)
	}
	scratch := make([]uint64, set.words())
	var values []string
	plain := func(s string) string {
		return strings.Map(func(r rune) rune {
			if rceAlphabet.has(r) {
				return r
			}
			return -1
		}, s)
	}
	for _, tc := range loadRegression(t) {
		u := tc.ev.URL
		if i := strings.IndexByte(u, '?'); i >= 0 {
			for _, pair := range strings.Split(u[i+1:], "&") {
				name, value, _ := strings.Cut(pair, "=")
				for _, s := range []string{name, value} {
					if d, err := url.QueryUnescape(s); err == nil {
						s = d
					}
					values = append(values, plain(s), plain(strings.ReplaceAll(s, " ", "")))
				}
			}
		}
	}
	words := regexp.MustCompile(`[A-Za-z0-9_.=+ -]{2,}`).FindAllString(pat, -1)
	for _, v := range values {
		words = append(words, strings.Fields(v)...)
	}
	r := rand.New(rand.NewSource(1))
	seps := []string{"", " ", "  ", "+", "=", ".", "-", "_", " -", "= "}
	for i := 0; i < 30000; i++ {
		var b strings.Builder
		for k := r.Intn(4); k >= 0; k-- {
			if r.Intn(3) == 0 {
				b.WriteString(seps[r.Intn(len(seps))])
			}
			w := words[r.Intn(len(words))]
			switch r.Intn(3) {
			case 0:
				w = strings.ToUpper(w)
			case 1:
				w = strings.ToLower(w)
			}
			b.WriteString(w)
		}
		values = append(values, b.String())
	}
	matched := 0
	for _, v := range values {
		if !rceAlphabet.within(v) {
			t.Fatalf("generated %q outside the alphabet", v)
		}
		want := full.MatchString(v)
		if got := set.MatchString(v, scratch); got != want {
			t.Fatalf("%q: patternSet says %v, the full patterns %v", v, got, want)
		}
		if want {
			matched++
		}
	}
	t.Logf("%d values, %d matched; %d branches (%d always run), literal table %d bytes", len(values), matched,
		len(set.branches), len(set.always), set.lits.Size())
	// Not vacuous: hundreds of values match, and most do not.
	if matched < 300 || matched > len(values)/2 {
		t.Errorf("%d of %d values match: the sample does not exercise both answers", matched, len(values))
	}
}
