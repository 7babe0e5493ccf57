// Package relit finds, in a parsed regular expression, literals that every
// match must contain: a value holding none of them cannot match, so a
// caller can skip running the expression on it after one cheap literal scan
// (the classic prefilter of RE2 and codesearch). The Sigma compiler gates
// its |re values with it, the CRS prefilter its argument expressions.
package relit

import (
	"regexp/syntax"
	"strings"
	"unicode"
)

// maxExact bounds the exact sets the analysis carries: products of
// character classes grow quickly, and a set of a few dozen strings is as
// good a filter as it gets.
const maxExact = 64

// maxClass bounds the bytes of a character class taken as an exact set: a
// larger class says little about a value.
const maxClass = 16

// Required returns literals, all lower case, such that every string over
// ASCII that re matches contains one of them (ignoring ASCII case), or ok
// false when re has a match with no such literal (an empty match, a bare
// character class). ok with no literals means re matches no ASCII string.
//
// Only ASCII strings are covered: a (?i) expression also accepts, for an
// ASCII letter, members of its case-folding orbit outside ASCII ('ſ' for
// 's', the Kelvin sign for 'k'), which no literal here stands for. Callers
// gate ASCII values only, or values that can hold nothing else.
//
// re may be simplified or not: repeats, empty-width assertions, captures
// and OpNoMatch are all understood. TestRequired checks the claim.
func Required(re *syntax.Regexp) (lits []string, ok bool) {
	f := analyse(re)
	need, ok := f.need, f.needOK
	if f.exactOK && !hasEmpty(f.exact) {
		need, ok = f.exact, true
	}
	if !ok || hasEmpty(need) {
		return nil, false
	}
	return dedup(need), true
}

// factors is what the analysis knows of a sub-expression: the exact set of
// strings it matches (lower-cased; exactOK false when unknown or too
// large), and a set of strings one of which every match contains (needOK
// false when there is no such constraint, e.g. a match may be empty).
type factors struct {
	exact   []string
	exactOK bool
	need    []string
	needOK  bool
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
		if len(set) > maxClass {
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
		// Adjacent exact pieces multiply into longer exact strings while
		// the product stays small; every piece, and every product, is
		// required: keep the best.
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

func dedup(set []string) []string {
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

// Longest returns the longest literal that every match of re contains, as
// the parser spells it (not folded), or "" when there is none. Unlike
// Required it neither follows alternations nor spells out classes: one
// literal is what a caller that keys a single string on an expression
// (Sigma's per-rule literal prefilter) can use.
func Longest(re *syntax.Regexp) string {
	switch re.Op {
	case syntax.OpLiteral:
		return string(re.Rune)
	case syntax.OpCapture, syntax.OpPlus:
		return Longest(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return Longest(re.Sub[0])
		}
	case syntax.OpConcat:
		// adjacent literals form one run; keep the longest required piece
		best := ""
		var run strings.Builder
		for _, s := range re.Sub {
			if s.Op == syntax.OpLiteral {
				run.WriteString(string(s.Rune))
				continue
			}
			if run.Len() > len(best) {
				best = run.String()
			}
			run.Reset()
			if l := Longest(s); len(l) > len(best) {
				best = l
			}
		}
		if run.Len() > len(best) {
			best = run.String()
		}
		return best
	}
	return ""
}
