package crs

import (
	"regexp/syntax"
	"unicode"
)

// alphabet is a set of ASCII bytes: the only bytes a value handed to one of
// the prefilter's checks can hold, because the shape checks before it
// reject every other byte.
type alphabet [128]bool

func alphabetOf(chars string) *alphabet {
	var a alphabet
	for i := 0; i < len(chars); i++ {
		a[chars[i]] = true
	}
	return &a
}

func (a *alphabet) has(r rune) bool { return 0 <= r && r < 128 && a[r] }

// within reports whether every byte of s is in a.
func (a *alphabet) within(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 128 || !a[s[i]] {
			return false
		}
	}
	return true
}

// keepWithin returns the literals made only of a's bytes: any other literal
// holds a byte no checked value can contain, so it can never occur in one.
func keepWithin(lits []string, a *alphabet) []string {
	var out []string
	for _, l := range lits {
		if a.within(l) {
			out = append(out, l)
		}
	}
	return out
}

// classWhere is the character class of the runes of a for which in holds,
// or an expression matching nothing when there are none.
func classWhere(a *alphabet, flags syntax.Flags, in func(rune) bool) *syntax.Regexp {
	var ranges []rune
	for r := rune(0); r < 128; r++ {
		if !a.has(r) || !in(r) {
			continue
		}
		if n := len(ranges); n > 0 && ranges[n-1] == r-1 {
			ranges[n-1] = r
		} else {
			ranges = append(ranges, r, r)
		}
	}
	if len(ranges) == 0 {
		return noMatch()
	}
	return &syntax.Regexp{Op: syntax.OpCharClass, Flags: flags, Rune: ranges}
}

// restrict rewrites re into an expression that accepts exactly the strings
// over a that re accepts. CRS's patterns over arguments are written for
// shell syntax, quotes and punctuation; a plain query value has none of
// that, so most of their alternatives need a character the value cannot
// hold. Those are cut away here, and the engine has far less to run.
//
// L(re) ∩ a* is built leaf by leaf: a character set becomes its
// intersection with a, and an empty one matches nothing (OpNoMatch), which
// then propagates: a concatenation with a part that matches nothing matches
// nothing, an alternation drops such branches, x* and x? of nothing match
// only the empty string, x+ and x{n,} with n ≥ 1 of nothing match nothing.
// Empty-width assertions (^, $, \b) read the same characters as before and
// stay as they are. TestRestrictedPatterns checks the claim.
func restrict(re *syntax.Regexp, a *alphabet) *syntax.Regexp {
	switch re.Op {
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			if !matchesIn(r, re.Flags&syntax.FoldCase != 0, a) {
				return noMatch()
			}
		}
		return re
	case syntax.OpCharClass:
		return classWhere(a, re.Flags, func(r rune) bool {
			for i := 0; i+1 < len(re.Rune); i += 2 {
				if re.Rune[i] <= r && r <= re.Rune[i+1] {
					return true
				}
			}
			return false
		})
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return classWhere(a, re.Flags, func(r rune) bool { return r != '\n' || re.Op == syntax.OpAnyChar })
	case syntax.OpCapture:
		sub := restrict(re.Sub[0], a)
		if sub.Op == syntax.OpNoMatch {
			return sub
		}
		c := *re
		c.Sub = []*syntax.Regexp{sub}
		return &c
	case syntax.OpStar, syntax.OpQuest, syntax.OpPlus, syntax.OpRepeat:
		sub := restrict(re.Sub[0], a)
		if sub.Op == syntax.OpNoMatch {
			if re.Op == syntax.OpStar || re.Op == syntax.OpQuest || re.Op == syntax.OpRepeat && re.Min == 0 {
				return &syntax.Regexp{Op: syntax.OpEmptyMatch}
			}
			return sub
		}
		c := *re
		c.Sub = []*syntax.Regexp{sub}
		return &c
	case syntax.OpConcat:
		subs := make([]*syntax.Regexp, len(re.Sub))
		for i, s := range re.Sub {
			if subs[i] = restrict(s, a); subs[i].Op == syntax.OpNoMatch {
				return subs[i]
			}
		}
		c := *re
		c.Sub = subs
		return &c
	case syntax.OpAlternate:
		var subs []*syntax.Regexp
		for _, s := range re.Sub {
			if r := restrict(s, a); r.Op != syntax.OpNoMatch {
				subs = append(subs, r)
			}
		}
		switch len(subs) {
		case 0:
			return noMatch()
		case 1:
			return subs[0]
		}
		c := *re
		c.Sub = subs
		return &c
	}
	// OpEmptyMatch, OpNoMatch and the empty-width assertions.
	return re
}

func noMatch() *syntax.Regexp { return &syntax.Regexp{Op: syntax.OpNoMatch} }

// matchesIn reports whether the literal rune r (with fold, any rune of its
// case-folding orbit) can be matched by a byte of a.
func matchesIn(r rune, fold bool, a *alphabet) bool {
	if a.has(r) {
		return true
	}
	if !fold {
		return false
	}
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if a.has(f) {
			return true
		}
	}
	return false
}

// factors is what the analysis below knows of a sub-expression: the exact
// set of strings it matches (lower-cased; exactOK false when unknown or too
// large), and a set of strings one of which every match contains (needOK
// false when there is no such constraint, e.g. a match may be empty).
type factors struct {
	exact   []string
	exactOK bool
	need    []string
	needOK  bool
}

// maxExact bounds the exact sets the analysis carries: products of
// character classes grow quickly, and a set of a few dozen strings is as
// good a filter as it gets.
const maxExact = 64

// required returns literals, all lower case, such that every string over
// ASCII that re matches contains one of them (ignoring ASCII case), or ok
// false when re has a match with no such literal (an empty match, a bare
// character class). This is the classic prefilter of RE2 and codesearch: a
// value holding none of the literals cannot match, and the regular
// expression need not run. TestRequiredLiterals checks the claim.
func required(re *syntax.Regexp) (lits []string, ok bool) {
	f := analyse(re)
	need, ok := f.need, f.needOK
	if f.exactOK && !hasEmpty(f.exact) {
		need, ok = f.exact, true
	}
	if !ok || hasEmpty(need) {
		return nil, false
	}
	return dedupStrings(need), true
}

func analyse(re *syntax.Regexp) factors {
	switch re.Op {
	case syntax.OpNoMatch:
		// matches nothing: the empty set is an exact (and vacuous) answer
		return factors{exactOK: true, needOK: true}
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return factors{exact: []string{""}, exactOK: true}
	case syntax.OpLiteral:
		b := make([]byte, 0, len(re.Rune))
		for _, r := range re.Rune {
			c, ok := asciiOf(r, re.Flags&syntax.FoldCase != 0)
			if !ok {
				// a rune no ASCII byte matches: re matches no ASCII string
				return factors{exactOK: true, needOK: true}
			}
			b = append(b, c)
		}
		s := string(b)
		return factors{exact: []string{s}, exactOK: true, need: []string{s}, needOK: true}
	case syntax.OpCharClass:
		var set []string
		seen := map[byte]bool{}
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for r := re.Rune[i]; r <= re.Rune[i+1] && r < 128; r++ {
				c := lowerByte(byte(r))
				if !seen[c] {
					seen[c] = true
					set = append(set, string(c))
				}
			}
		}
		if len(set) > 16 {
			return factors{}
		}
		return factors{exact: set, exactOK: true, need: set, needOK: true}
	case syntax.OpCapture:
		return analyse(re.Sub[0])
	case syntax.OpQuest:
		s := analyse(re.Sub[0])
		if s.exactOK && len(s.exact) < maxExact {
			return factors{exact: append(append([]string(nil), s.exact...), ""), exactOK: true}
		}
		return factors{}
	case syntax.OpStar:
		return factors{}
	case syntax.OpPlus:
		s := analyse(re.Sub[0])
		return factors{need: s.best(), needOK: s.usable()}
	case syntax.OpRepeat:
		if re.Min == 0 {
			return factors{}
		}
		s := analyse(re.Sub[0])
		return factors{need: s.best(), needOK: s.usable()}
	case syntax.OpConcat:
		var cands [][]string
		cur, curOK := []string{""}, true
		all := true // every part exact, and the product small
		for _, sub := range re.Sub {
			s := analyse(sub)
			if s.exactOK && curOK && len(cur)*len(s.exact) <= maxExact {
				cur = product(cur, s.exact)
				continue
			}
			all = false
			if curOK {
				cands = append(cands, cur)
			}
			if s.exactOK {
				cur, curOK = s.exact, true
			} else {
				cur, curOK = nil, false
				if s.needOK {
					cands = append(cands, s.need)
				}
			}
		}
		if all {
			return factors{exact: cur, exactOK: true, need: cur, needOK: !hasEmpty(cur)}
		}
		if curOK {
			cands = append(cands, cur)
		}
		var best []string
		for _, c := range cands {
			if !hasEmpty(c) && (best == nil || better(c, best)) {
				best = c
			}
		}
		return factors{need: best, needOK: best != nil}
	case syntax.OpAlternate:
		var exact, need []string
		exactOK, needOK := true, true
		for _, sub := range re.Sub {
			s := analyse(sub)
			if exactOK && s.exactOK && len(exact)+len(s.exact) <= maxExact {
				exact = append(exact, s.exact...)
			} else {
				exactOK = false
			}
			if n := s.best(); needOK && s.usable() {
				need = append(need, n...)
			} else {
				needOK = false
			}
		}
		return factors{exact: exact, exactOK: exactOK, need: need, needOK: needOK}
	}
	// OpAnyChar, OpAnyCharNotNL and anything unknown: no constraint.
	return factors{}
}

// best is the strongest requirement f knows: its exact set when it has one
// without the empty string, else its need.
func (f factors) best() []string {
	if f.exactOK && !hasEmpty(f.exact) {
		return f.exact
	}
	return f.need
}

func (f factors) usable() bool {
	return f.exactOK && !hasEmpty(f.exact) || f.needOK && !hasEmpty(f.need)
}

// better prefers the set whose shortest string is longer (rarer in values),
// then the smaller set.
func better(a, b []string) bool {
	ma, mb := minLen(a), minLen(b)
	if ma != mb {
		return ma > mb
	}
	return len(a) < len(b)
}

func minLen(set []string) int {
	m := -1
	for _, s := range set {
		if m < 0 || len(s) < m {
			m = len(s)
		}
	}
	return m
}

func hasEmpty(set []string) bool {
	for _, s := range set {
		if s == "" {
			return true
		}
	}
	return false
}

func product(a, b []string) []string {
	out := make([]string, 0, len(a)*len(b))
	for _, x := range a {
		for _, y := range b {
			out = append(out, x+y)
		}
	}
	return out
}

func dedupStrings(set []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range set {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// asciiOf maps a literal rune to the lower-case ASCII byte that stands for
// it in a scan folding ASCII case: the rune itself, or with fold a member of
// its case orbit. ok is false when no ASCII byte matches r.
func asciiOf(r rune, fold bool) (byte, bool) {
	if 0 <= r && r < 128 {
		return lowerByte(byte(r)), true
	}
	if fold {
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if f < 128 {
				return lowerByte(byte(f)), true
			}
		}
	}
	return 0, false
}

func lowerByte(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
