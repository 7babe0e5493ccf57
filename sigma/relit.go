package sigma

import (
	"regexp/syntax"
	"slices"
	"strings"
)

// regexLiteral returns a literal that every match of the expression
// contains, folded, or "" when there is none (alternations, optional
// parts). The prefilter uses it to skip regular expressions that cannot
// match.
func regexLiteral(expr string) string {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return ""
	}
	return lower(requiredLiteral(re.Simplify()))
}

func requiredLiteral(re *syntax.Regexp) string {
	switch re.Op {
	case syntax.OpLiteral:
		return string(re.Rune)
	case syntax.OpCapture:
		return requiredLiteral(re.Sub[0])
	case syntax.OpPlus:
		return requiredLiteral(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return requiredLiteral(re.Sub[0])
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
			if l := requiredLiteral(s); len(l) > len(best) {
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

// regexLiteralSet returns literals, folded, one of which every match of the
// expression contains, or nil when it finds none. Unlike regexLiteral it
// follows alternations and joins short pieces into longer ones:
// '/(uploads?|img|tmp)/' requires one of "/upload/", "/uploads/",
// "/img/", "/tmp/". Looking for such a set costs one scan of the value, a
// fraction of running the expression over it.
//
// The literals of a (?i) expression are in the form the parser keeps (the
// least rune of each case-folding orbit), lower-cased: a match in ASCII
// text contains one of them up to ASCII case.
func regexLiteralSet(expr string) []string {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil
	}
	set := analyze(re.Simplify()).required()
	out := make([]string, 0, len(set))
	for _, l := range set {
		out = append(out, lower(l))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// maxExact bounds the strings of an exact set (and so the cross products
// of a concatenation), and maxClass the runes of a character class taken
// as an exact set.
const (
	maxExact = 64
	maxClass = 10
)

// litInfo is what analyze knows of the matches of an expression.
type litInfo struct {
	exact []string // every match is one of these; nil: not known
	match []string // every match contains one of these; nil: nothing known
}

// required returns a set of literals one of which every match contains, or
// nil.
func (li litInfo) required() []string {
	if li.exact == nil {
		return li.match
	}
	if slices.Contains(li.exact, "") {
		return nil // the empty match contains nothing
	}
	return li.exact
}

func analyze(re *syntax.Regexp) litInfo {
	switch re.Op {
	case syntax.OpLiteral:
		return litInfo{exact: []string{string(re.Rune)}}
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return litInfo{exact: []string{""}}
	case syntax.OpCharClass:
		var runes []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			if len(runes)+int(re.Rune[i+1]-re.Rune[i])+1 > maxClass {
				return litInfo{}
			}
			for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
				runes = append(runes, string(r))
			}
		}
		if len(runes) == 0 {
			return litInfo{}
		}
		return litInfo{exact: runes}
	case syntax.OpCapture:
		return analyze(re.Sub[0])
	case syntax.OpQuest:
		if sub := analyze(re.Sub[0]); sub.exact != nil && len(sub.exact) < maxExact {
			return litInfo{exact: append(slices.Clone(sub.exact), "")}
		}
	case syntax.OpPlus:
		return litInfo{match: analyze(re.Sub[0]).required()}
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return litInfo{match: analyze(re.Sub[0]).required()}
		}
	case syntax.OpAlternate:
		var exact, match []string
		exactOK, matchOK := true, true
		for _, s := range re.Sub {
			sub := analyze(s)
			if exactOK = exactOK && sub.exact != nil && len(exact)+len(sub.exact) <= maxExact; exactOK {
				exact = append(exact, sub.exact...)
			}
			req := sub.required()
			if matchOK = matchOK && req != nil; matchOK {
				match = append(match, req...)
			}
		}
		switch {
		case exactOK:
			return litInfo{exact: exact}
		case matchOK:
			return litInfo{match: match}
		}
	case syntax.OpConcat:
		// Adjacent exact pieces multiply into longer exact strings while
		// the product stays small; every piece, and every product, is
		// required: keep the best.
		var best []string
		consider := func(set []string) {
			if setBetter(set, best) {
				best = set
			}
		}
		cur, allExact := []string{""}, true
		for _, s := range re.Sub {
			sub := analyze(s)
			if sub.exact != nil && len(cur)*len(sub.exact) <= maxExact {
				cur = product(cur, sub.exact)
				continue
			}
			allExact = false
			consider(litInfo{exact: cur}.required())
			if sub.exact != nil {
				cur = sub.exact
			} else {
				consider(sub.match)
				cur = []string{""}
			}
		}
		if allExact {
			return litInfo{exact: cur}
		}
		consider(litInfo{exact: cur}.required())
		return litInfo{match: best}
	}
	return litInfo{}
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

// setBetter reports whether set a is a better filter than b: its shortest
// literal is longer (short literals occur everywhere), or as long and it has
// fewer literals.
func setBetter(a, b []string) bool {
	if len(a) == 0 {
		return false
	}
	if len(b) == 0 {
		return true
	}
	ma, mb := shortest(a), shortest(b)
	if ma != mb {
		return ma > mb
	}
	return len(a) < len(b)
}

func shortest(set []string) int {
	m := len(set[0])
	for _, l := range set[1:] {
		m = min(m, len(l))
	}
	return m
}
