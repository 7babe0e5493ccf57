package crs

import (
	"fmt"
	"math/bits"
	"regexp"
	"regexp/syntax"
	"sync"

	"github.com/kizuki-dfir/kizuki/internal/ac"
	"github.com/kizuki-dfir/kizuki/internal/relit"
)

// patternSet answers whether any of many regular expressions matches a
// value, for values over a known alphabet. Run as one alternation, CRS's
// argument patterns cost microseconds a value: the engine follows every
// branch at every byte. Here the alternation is cut down to the alphabet
// (restrict), split into its branches, and each branch runs only when the
// value holds one of the literals all its matches contain (relit.Required),
// found by one automaton pass for all branches together.
type patternSet struct {
	branches []branch
	always   []int       // branches with no required literal: they always run
	lits     *ac.Matcher // owners: branch numbers
}

// branch is one branch of a patternSet, compiled the first time a value
// needs it: most values are ruled out by the literals, so a scan runs few
// of the ~140 branches, and compiling them all took a fifth of what the
// prefilter's construction cost. A branch is the printed form of an
// expression that parsed, so it compiles (TestPatternBranchesCompile
// compiles every one); should one not, it answers "may match", which only
// sends the value to Coraza.
type branch struct {
	src  string
	once sync.Once
	re   *regexp.Regexp // nil once compiled: src did not compile
}

// MatchString reports whether the branch matches v, true if it cannot
// tell.
func (b *branch) MatchString(v string) bool {
	re := b.compile()
	return re == nil || re.MatchString(v)
}

func (b *branch) compile() *regexp.Regexp {
	b.once.Do(func() { b.re, _ = regexp.Compile(b.src) })
	return b.re
}

// compilePatterns builds a patternSet accepting exactly the strings over a
// that pat (RE2 syntax, Perl flags) accepts.
func compilePatterns(pat string, a *alphabet) (*patternSet, error) {
	re, err := syntax.Parse(pat, syntax.Perl)
	if err != nil {
		return nil, err
	}
	return compileParsed(re, a)
}

// compileParsed is compilePatterns of a parsed expression.
func compileParsed(re *syntax.Regexp, a *alphabet) (*patternSet, error) {
	p := &patternSet{}
	var lits []string
	var owners [][]int32
	for _, b := range alternatives(restrict(re, a)) {
		if b.Op == syntax.OpNoMatch {
			continue
		}
		// String prints the flags each part was parsed with ((?i:...)),
		// so a branch compiles alone to the same language.
		n := int32(len(p.branches))
		p.branches = append(p.branches, branch{src: b.String()})
		need, ok := relit.Required(b)
		if !ok {
			p.always = append(p.always, int(n))
			continue
		}
		for _, l := range need {
			lits = append(lits, l)
			owners = append(owners, []int32{n})
		}
	}
	if p.lits = ac.New(lits, owners); p.lits == nil {
		return nil, fmt.Errorf("literal automaton of %d words too large", len(lits))
	}
	return p, nil
}

// alternatives flattens the top-level alternation of re (through capture
// groups, which a yes/no match does not need).
func alternatives(re *syntax.Regexp) []*syntax.Regexp {
	switch re.Op {
	case syntax.OpAlternate:
		var out []*syntax.Regexp
		for _, s := range re.Sub {
			out = append(out, alternatives(s)...)
		}
		return out
	case syntax.OpCapture:
		return alternatives(re.Sub[0])
	}
	return []*syntax.Regexp{re}
}

// words is the size of the scratch bitset MatchString needs.
func (p *patternSet) words() int { return (len(p.branches) + 63) / 64 }

// mayMatch reports whether some pattern could match v: one always runs, or
// v holds a literal one needs. false means MatchString is false.
func (p *patternSet) mayMatch(v string, scratch []uint64) bool {
	if len(p.always) > 0 {
		return true
	}
	clear(scratch)
	p.lits.Scan(v, scratch)
	for _, x := range scratch {
		if x != 0 {
			return true
		}
	}
	return false
}

// MatchString reports whether some pattern matches v. scratch holds
// words() words.
func (p *patternSet) MatchString(v string, scratch []uint64) bool {
	for _, i := range p.always {
		if p.branches[i].MatchString(v) {
			return true
		}
	}
	clear(scratch)
	p.lits.Scan(v, scratch)
	for w, x := range scratch {
		for x != 0 {
			i := w*64 + bits.TrailingZeros64(x)
			x &= x - 1
			if p.branches[i].MatchString(v) {
				return true
			}
		}
	}
	return false
}
