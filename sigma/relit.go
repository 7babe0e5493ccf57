package sigma

import (
	"regexp/syntax"
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
