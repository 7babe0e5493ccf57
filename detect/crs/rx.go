package crs

import (
	"fmt"
	"io/fs"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/corazawaf/coraza/v3/experimental/plugins"
	"github.com/corazawaf/coraza/v3/experimental/plugins/plugintypes"
	"rsc.io/binaryregexp"

	"github.com/kizuki-dfir/kizuki/internal/ac"
	"github.com/kizuki-dfir/kizuki/internal/relit"
)

// Most of what a request that reaches Coraza costs is CRS's regular
// expressions run, over every argument and header, by the Go regexp engine,
// and most of those runs find nothing. kizuki_rx is Coraza's @rx operator
// with a gate in front: the literals every match must contain (relit), one
// of which an ASCII value must hold for the expression to have a chance.
// A value without any is answered false without running the expression,
// which is what the expression would have answered; nothing else changes
// (a run that does not match captures nothing either way), so verdicts are
// the same, matched data included. Non-ASCII values always run the
// expression: (?i) folds 'ſ' onto 's' and the Kelvin sign onto 'k', which
// no ASCII literal stands for.
//
// Coraza's own SecRxPreFilter does the same in principle, but it is marked
// experimental, and it is wrong: with it, 942220 ("magic number" integer
// overflow, '?i=2.2250738585072011e-308') no longer fires
// (TestGatedRxSameVerdicts found it). So the CRS files Coraza reads are
// rewritten to name kizuki_rx instead of rx (gatedFS), per Checker, and the
// built-in operator stays as it was for everything else.
const gatedRxName = "kizuki_rx"

func init() { plugins.RegisterOperator(gatedRxName, newGatedRx) }

type gatedRx struct {
	expr string // the argument with Coraza's flags, as compiled

	// Built on first use: CRS has some 260 @rx operators and a scan's few
	// requests that reach Coraza run a fraction of them (rules above the
	// paranoia level, or over variables an access log never has, are never
	// evaluated), so most are never built. The gate is built on the first
	// Evaluate, the expression on the first value the gate lets through
	// (half the operators a scan evaluates never see one). Every CRS
	// expression compiles (TestLazyRxCompiles builds each operator the rule
	// set creates); should one ever fail, Evaluate panics and the Checker
	// counts an error for that request (Checker.evaluate).
	gateOnce sync.Once
	gateErr  error
	// gate holds the required literals; nil when there are none to use.
	// noASCII: the expression matches no ASCII string at all.
	gate    *ac.Matcher
	noASCII bool

	reOnce sync.Once
	reErr  error
	re     *regexp.Regexp
}

// newGatedRx is Coraza's rx with a gate: the expression is compiled as
// Coraza's rx compiles it (dot-all and multi-line flags first,
// byte-oriented matching for expressions that match bytes outside UTF-8),
// on first use, and the gate is built with it. Operators with the same
// expression share one compilation (Coraza's memoizer).
func newGatedRx(o plugintypes.OperatorOptions) (plugintypes.Operator, error) {
	data := "(?sm)" + o.Arguments
	if matchesArbitraryBytes(data) {
		re, err := memoize(o.Memoizer, "kizuki_rx:binary:"+o.Arguments, func() (any, error) {
			return &binaryRx{expr: o.Arguments}, nil
		})
		if err != nil {
			return nil, err
		}
		if testOnNewRx != nil {
			testOnNewRx(re.(*binaryRx))
		}
		return re.(*binaryRx), nil
	}
	g, err := memoize(o.Memoizer, "kizuki_rx:"+data, func() (any, error) {
		return &gatedRx{expr: data}, nil
	})
	if err != nil {
		return nil, err
	}
	if testOnNewRx != nil {
		testOnNewRx(g.(*gatedRx))
	}
	return g.(*gatedRx), nil
}

// testOnNewRx, when a test sets it, is told of every operator newGatedRx
// returns (TestLazyRxCompiles compiles them all).
var testOnNewRx func(interface{ compile() error })

// buildGate parses the expression and builds its gate, once; later calls
// cost an atomic load. A parse error is the error regexp.Compile would
// report.
func (o *gatedRx) buildGate() error {
	o.gateOnce.Do(func() {
		p, err := syntax.Parse(o.expr, syntax.Perl)
		if err != nil {
			o.gateErr = fmt.Errorf("crs: %s %q: %w", gatedRxName, o.expr, err)
			return
		}
		if lits, ok := relit.Required(p.Simplify()); ok {
			if len(lits) == 0 {
				o.noASCII = true
			} else {
				o.gate = ac.New(lits, nil) // nil (too large): no gate
			}
		}
	})
	return o.gateErr
}

// expression compiles the expression once.
func (o *gatedRx) expression() (*regexp.Regexp, error) {
	o.reOnce.Do(func() {
		o.re, o.reErr = regexp.Compile(o.expr)
		if o.reErr != nil {
			o.reErr = fmt.Errorf("crs: %s %q: %w", gatedRxName, o.expr, o.reErr)
		}
	})
	return o.re, o.reErr
}

// compile builds the gate and the expression.
func (o *gatedRx) compile() error {
	if err := o.buildGate(); err != nil {
		return err
	}
	_, err := o.expression()
	return err
}

// mayMatch reports whether the expression can match v: false only for an
// ASCII value that holds none of the required literals. The gate is built.
func (o *gatedRx) mayMatch(v string) bool {
	if (o.gate == nil && !o.noASCII) || !isASCII(v) {
		return true
	}
	return !o.noASCII && o.gate.Contains(v)
}

// Evaluate is Coraza's rx Evaluate behind the gate.
func (o *gatedRx) Evaluate(tx plugintypes.TransactionState, value string) bool {
	if err := o.buildGate(); err != nil {
		panic(err)
	}
	if !o.mayMatch(value) {
		return false
	}
	re, err := o.expression()
	if err != nil {
		panic(err)
	}
	if !tx.Capturing() {
		return re.MatchString(value)
	}
	m := re.FindStringSubmatchIndex(value)
	if m == nil {
		return false
	}
	for i := 0; i < len(m)/2; i++ {
		if i == 9 { // TX.0 to TX.8, as Coraza
			return true
		}
		if m[2*i] >= 0 {
			tx.CaptureField(i, value[m[2*i]:m[2*i+1]])
		} else {
			tx.CaptureField(i, "")
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// binaryRx is Coraza's rx for expressions over arbitrary bytes, ungated,
// compiled on first use like gatedRx.
type binaryRx struct {
	expr string
	once sync.Once
	err  error
	re   *binaryregexp.Regexp
}

func (o *binaryRx) compile() error {
	o.once.Do(func() {
		o.re, o.err = binaryregexp.Compile(o.expr)
		if o.err != nil {
			o.err = fmt.Errorf("crs: %s %q: %w", gatedRxName, o.expr, o.err)
		}
	})
	return o.err
}

func (o *binaryRx) Evaluate(tx plugintypes.TransactionState, value string) bool {
	if err := o.compile(); err != nil {
		panic(err)
	}
	if !tx.Capturing() {
		return o.re.MatchString(value)
	}
	m := o.re.FindStringSubmatch(value)
	if len(m) == 0 {
		return false
	}
	for i, c := range m {
		if i == 9 {
			return true
		}
		tx.CaptureField(i, c)
	}
	return true
}

func memoize(m plugintypes.Memoizer, key string, fn func() (any, error)) (any, error) {
	if m != nil {
		return m.Do(key, fn)
	}
	return fn()
}

// matchesArbitraryBytes is Coraza's test (internal/operators/rx.go,
// Apache-2.0) for expressions that must match bytes rather than UTF-8: with
// its \xNN escapes decoded, the expression is not valid UTF-8.
func matchesArbitraryBytes(expr string) bool {
	decoded := make([]byte, 0, len(expr))
	for i := 0; i < len(expr); i++ {
		c := expr[i]
		if c != '\\' {
			decoded = append(decoded, c)
			continue
		}
		if i+3 >= len(expr) {
			decoded = append(decoded, expr[i:]...)
			break
		}
		if expr[i+1] != 'x' {
			decoded = append(decoded, expr[i])
			continue
		}
		sub := expr[i:]
		advance := 3
		if len(sub) >= 6 && sub[2] == '{' {
			if end := strings.IndexByte(sub, '}'); end != -1 {
				sub = `\x` + sub[3:end]
				advance = end
			}
		}
		v, mb, _, err := strconv.UnquoteChar(sub, 0)
		if err != nil || mb {
			decoded = append(decoded, expr[i])
			continue
		}
		decoded = append(decoded, byte(v))
		i += advance
	}
	return !utf8.Valid(decoded)
}

// gatedFS is the embedded CRS as Coraza reads it for a gated Checker: rule
// files name kizuki_rx where they name rx. Every @rx in CRS is explicit
// (TestGatedFSRewritesEveryRx).
type gatedFS struct{ embeddedFS }

func (g gatedFS) ReadFile(name string) ([]byte, error) {
	b, err := g.embeddedFS.ReadFile(name)
	if err != nil || !strings.HasSuffix(name, ".conf") && !strings.HasSuffix(name, ".example") {
		return b, err
	}
	return []byte(strings.ReplaceAll(string(b), "@rx ", "@"+gatedRxName+" ")), nil
}

var _ fs.ReadFileFS = gatedFS{}
