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
