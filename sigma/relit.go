package sigma

import (
	"regexp/syntax"
	"slices"

	"github.com/kizuki-dfir/kizuki/internal/relit"
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
	return lower(relit.Longest(re.Simplify()))
}

// regexLiteralSet returns literals, folded, one of which every match of the
// expression in ASCII text contains (relit.Required), or ok false when it
// finds none. Unlike regexLiteral it follows alternations and joins short
// pieces into longer ones: '/(uploads?|img|tmp)/' requires one of
// "/upload/", "/uploads/", "/img/", "/tmp/". Looking for such a set costs
// one scan of the value, a fraction of running the expression over it.
// ok with no literals: the expression matches no ASCII value at all.
func regexLiteralSet(expr string) (set []string, ok bool) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil, false
	}
	set, ok = relit.Required(re.Simplify())
	slices.Sort(set)
	return set, ok
}
