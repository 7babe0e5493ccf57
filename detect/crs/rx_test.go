package crs

import (
	"io/fs"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"

	coreruleset "github.com/corazawaf/coraza-coreruleset/v4"
	"github.com/corazawaf/coraza/v3/experimental/plugins/plugintypes"

	"github.com/kizuki-dfir/kizuki/event"
)

// TestGatedRxSameVerdicts is the warrant for kizuki_rx (rx.go): every CRS
// regression request (as the Checker would send it from an access-log
// line), and variants that attack a literal gate's weak spots, are
// evaluated with kizuki_rx and with Coraza's own rx; verdicts (score and
// every hit with its message and data) must be equal. At paranoia 4 every
// rule is active, so every @rx pattern of the request rules is exercised.
// (Coraza's SecRxPreFilter fails this test: 942220 on
// '?i=2.2250738585072011e-308'.)
//
// The variants: upper-cased (case-sensitive patterns must still refuse, and
// (?i) ones still match), and letters replaced by the non-ASCII runes Go's
// (?i) folds onto ASCII ones (ſ with s, K (Kelvin) with k), raw in headers and
// percent-encoded in the URL: a prefilter that compared lower-cased ASCII
// literals without knowing about those folds would rule such values out
// though the pattern matches them.
func TestGatedRxSameVerdicts(t *testing.T) {
	if testing.Short() {
		t.Skip("replays thousands of requests through Coraza twice")
	}
	on, err := New(Options{Paranoia: 4, CacheSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	off, err := New(Options{Paranoia: 4, CacheSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	off.plainRx = true

	seen := map[request]bool{}
	var reqs []request
	add := func(ev event.Event) {
		r := requestOf(&ev)
		if !seen[r] {
			seen[r] = true
			reqs = append(reqs, r)
		}
	}
	urlFold := strings.NewReplacer("s", "%C5%BF", "k", "%E2%84%AA")
	rawFold := strings.NewReplacer("s", "ſ", "k", "K")
	for _, tc := range loadRegression(t) {
		ev := tc.ev
		add(ev)
		up := ev
		up.URL, up.UserAgent, up.Referrer = strings.ToUpper(ev.URL), strings.ToUpper(ev.UserAgent), strings.ToUpper(ev.Referrer)
		add(up)
		fold := ev
		fold.URL, fold.UserAgent, fold.Referrer = urlFold.Replace(ev.URL), rawFold.Replace(ev.UserAgent), rawFold.Replace(ev.Referrer)
		add(fold)
	}
	var attacks, differ int
	for _, r := range reqs {
		a, b := on.evaluate(&r), off.evaluate(&r)
		if b.Attack() {
			attacks++
		}
		if !reflect.DeepEqual(comparable(a), comparable(b)) {
			differ++
			if differ <= 10 {
				t.Errorf("%s %q UA %q: with kizuki_rx %v, with rx %v", r.method, r.uri, r.ua, ruleIDs(a), ruleIDs(b))
			}
		}
	}
	if on.Stats().Errors+off.Stats().Errors > 0 {
		t.Errorf("Coraza errors: %d with, %d without", on.Stats().Errors, off.Stats().Errors)
	}
	// The corpus must really be attacks, or equal verdicts would prove nothing.
	if attacks < len(reqs)/4 {
		t.Errorf("only %d of %d requests are attacks", attacks, len(reqs))
	}
	t.Logf("%d requests (%d attacks), %d differ", len(reqs), attacks, differ)
}

// orderDependent are the rules whose verdict depends on the order Coraza
// meets a collection's variables, which is Go map order: each chains on
// TX:1, captured from whichever argument (or name) of ARGS/ARGS_NAMES the
// parent matched last. '?x=1'+or+'1'='1&y=2'+union+select+1--' fires 942521
// on some runs and not on others. All three are paranoia 2 and above;
// docs/DETECTION.md says so.
var orderDependent = map[int]bool{942130: true, 942131: true, 942521: true}

// comparable is v without the order-dependent rules, and without the score
// when one of them fired (it adds to the score).
func comparable(v Verdict) Verdict {
	out := Verdict{Score: v.Score}
	for _, h := range v.Hits {
		if orderDependent[h.RuleID] {
			out.Score = -1
			continue
		}
		out.Hits = append(out.Hits, h)
	}
	return out
}

// TestVerdictDeterministic evaluates requests whose rules match several
// arguments many times: the verdict, messages and matched data included,
// must not change from one evaluation to the next (Coraza meets arguments
// in map order; messageData picks a fixed one).
func TestVerdictDeterministic(t *testing.T) {
	uris := []string{
		"/?foo[1]a=bar&foo[1]b=<evil>",
		"/?a=<script>alert(1)</script>&b=<script>alert(2)</script>&c=<img+src=x+onerror=alert(3)>",
		"/?a=../../etc/passwd&b=../../../etc/shadow&c=;cat+/etc/passwd",
		"/?x=1'+or+'1'='1&y=2'+union+select+1--&z=sleep(5)",
		"/?q=php://filter/resource=x&r=file:///etc/hosts&s=http://10.0.0.1/a.txt?",
	}
	for _, pl := range []int{1, 4} {
		c := checker(t, pl)
		for _, u := range uris {
			r := request{method: "GET", uri: u, proto: "HTTP/1.1", ua: "Mozilla/5.0"}
			first := comparable(c.evaluate(&r))
			if len(first.Hits) == 0 && pl == 4 {
				t.Errorf("PL%d %s: no hits; the test needs attacks", pl, u)
			}
			for i := 0; i < 25; i++ {
				if v := comparable(c.evaluate(&r)); !reflect.DeepEqual(v, first) {
					t.Errorf("PL%d %s: evaluation %d differs:\n%+v\n%+v", pl, u, i, first, v)
					break
				}
			}
		}
	}
}

// crsRxArgs returns the argument of every @rx in the request rules and the
// setup file, as Coraza's parser unquotes it.
func crsRxArgs(t *testing.T) []string {
	t.Helper()
	names, err := fs.Glob(coreruleset.FS, "@owasp_crs/REQUEST-*.conf")
	if err != nil || len(names) == 0 {
		t.Fatalf("CRS rule files: %v", err)
	}
	names = append(names, "@crs-setup.conf.example")
	op := regexp.MustCompile(`"!?@rx ((?:[^"\\]|\\.)*)"`)
	var args []string
	for _, n := range names {
		b, err := fs.ReadFile(coreruleset.FS, n)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range op.FindAllStringSubmatch(string(b), -1) {
			args = append(args, strings.ReplaceAll(m[1], `\"`, `"`))
		}
	}
	return args
}

// TestGatedRxSound checks the gate of every CRS expression on its own:
// over the values regression requests carry (URL-decoded arguments, paths,
// User-Agents, upper-cased too), an expression whose gate says a value
// cannot match must indeed not match it. This covers expressions no
// regression request reaches through a whole rule.
func TestGatedRxSound(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every CRS expression over thousands of values")
	}
	seen := map[string]bool{}
	var values []string
	add := func(v string) {
		if v != "" && !seen[v] {
			seen[v] = true
			values = append(values, v, strings.ToUpper(v))
		}
	}
	for _, tc := range loadRegression(t) {
		add(tc.ev.UserAgent)
		add(tc.ev.Referrer)
		path, query, _ := strings.Cut(tc.ev.URL, "?")
		add(path)
		for _, kv := range strings.Split(query, "&") {
			k, v, _ := strings.Cut(kv, "=")
			if dk, err := url.QueryUnescape(k); err == nil {
				add(dk)
			}
			if dv, err := url.QueryUnescape(v); err == nil {
				add(dv)
			}
		}
	}
	var compiled, gated, ruledOut int
	for _, arg := range crsRxArgs(t) {
		op, err := newGatedRx(plugintypes.OperatorOptions{Arguments: arg})
		if err != nil {
			t.Errorf("%q: %v", arg, err)
			continue
		}
		g, ok := op.(*gatedRx)
		if !ok {
			continue
		}
		if err := g.compile(); err != nil {
			t.Errorf("%q: %v", arg, err)
			continue
		}
		compiled++
		if g.gate == nil && !g.noASCII {
			continue
		}
		gated++
		for _, v := range values {
			if !g.mayMatch(v) {
				ruledOut++
				if g.re.MatchString(v) {
					t.Errorf("%q: gate rules out %q, which the expression matches", arg, v)
				}
			}
		}
	}
	if compiled < 250 || gated < compiled/2 {
		t.Errorf("%d expressions compiled, %d gated: the test does not cover CRS", compiled, gated)
	}
	t.Logf("%d expressions, %d gated, %d values, %d (expression, value) pairs ruled out", compiled, gated, len(values), ruledOut)
}

// TestLazyRxCompiles is the warrant for compiling kizuki_rx operators on
// first use (rx.go): every operator Coraza builds from the embedded CRS, at
// any paranoia level (all rule files are parsed whatever the level), must
// compile, or a scan could meet the error only when a request needs that
// rule. Every @rx of the rule files must be among the operators seen.
func TestLazyRxCompiles(t *testing.T) {
	var ops []interface{ compile() error }
	testOnNewRx = func(op interface{ compile() error }) { ops = append(ops, op) }
	defer func() { testOnNewRx = nil }()
	c, err := New(Options{Paranoia: 4, CacheSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	c.evaluate(&request{method: "GET", uri: "/", proto: "HTTP/1.1"}) // builds Coraza's WAF
	if c.wafErr != nil {
		t.Fatal(c.wafErr)
	}
	testOnNewRx = nil
	// crsRxArgs also reads one commented-out example rule of the setup
	// file, which Coraza does not build.
	if want := len(crsRxArgs(t)) - 1; len(ops) != want {
		t.Errorf("%d kizuki_rx operators built, the rule files hold %d @rx", len(ops), want)
	}
	for _, op := range ops {
		if err := op.compile(); err != nil {
			t.Error(err)
		}
	}
}

// TestLazyRxError: an expression that does not compile is an error on
// first use, which Evaluate turns into a panic the Checker recovers from
// and counts (Checker.evaluate), never a silent "no match".
func TestLazyRxError(t *testing.T) {
	for arg, binary := range map[string]bool{`(unclosed`: false, `\xff(unclosed`: true} {
		op, err := newGatedRx(plugintypes.OperatorOptions{Arguments: arg})
		if err != nil {
			t.Fatalf("%q: error at construction: %v", arg, err)
		}
		if _, ok := op.(*binaryRx); ok != binary {
			t.Errorf("%q: operator %T", arg, op)
		}
		if err := op.(interface{ compile() error }).compile(); err == nil {
			t.Errorf("%q: compiled", arg)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%q: Evaluate did not panic", arg)
				}
			}()
			op.Evaluate(nil, "x")
		}()
	}
}

// TestGatedFSRewritesEveryRx: the rule files Coraza reads name kizuki_rx
// wherever they named rx, and no rule lost its operator.
func TestGatedFSRewritesEveryRx(t *testing.T) {
	names, err := fs.Glob(coreruleset.FS, "@owasp_crs/REQUEST-*.conf")
	if err != nil {
		t.Fatal(err)
	}
	names = append(names, "@crs-setup.conf.example")
	for _, n := range names {
		orig, err := fs.ReadFile(coreruleset.FS, n)
		if err != nil {
			t.Fatal(err)
		}
		got, err := gatedFS{embeddedFS{coreruleset.FS}}.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		if c := strings.Count(string(got), "@rx"); c != 0 {
			t.Errorf("%s: %d @rx left", n, c)
		}
		if a, b := strings.Count(string(orig), "@rx"), strings.Count(string(got), "@"+gatedRxName+" "); a != b {
			t.Errorf("%s: %d @rx became %d @%s", n, a, b, gatedRxName)
		}
	}
}
