package sigma

import (
	"fmt"
	"strings"
)

// cond is a parsed condition expression.
type cond interface{ String() string }

type (
	condAnd struct{ l, r cond }
	condOr  struct{ l, r cond }
	condNot struct{ x cond }
	condRef struct{ name string }
	// condOf is "1 of pattern", "all of pattern", "1 of them", "all of them".
	condOf struct {
		all     bool
		pattern string // "them" for every search not starting with _
	}
)

func (c condAnd) String() string { return "(" + c.l.String() + " and " + c.r.String() + ")" }
func (c condOr) String() string  { return "(" + c.l.String() + " or " + c.r.String() + ")" }
func (c condNot) String() string { return "not " + c.x.String() }
func (c condRef) String() string { return c.name }
func (c condOf) String() string {
	if c.all {
		return "all of " + c.pattern
	}
	return "1 of " + c.pattern
}

type token struct {
	kind string // "(" ")" "and" "or" "not" "of" "1" "all" "them" "|" "id"
	text string
	pos  int
}

// maxCondition bounds the length and nesting a hostile condition can have.
const (
	maxCondition = 64 << 10
	maxDepth     = 200
)

func lexCondition(s string) ([]token, error) {
	if len(s) > maxCondition {
		return nil, fmt.Errorf("condition longer than %d bytes", maxCondition)
	}
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')' || c == '|':
			toks = append(toks, token{kind: string(c), text: string(c), pos: i})
			i++
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n\r()|", rune(s[j])) {
				j++
			}
			w := s[i:j]
			kind := "id"
			switch strings.ToLower(w) {
			case "and", "or", "not", "of", "all", "them":
				kind = strings.ToLower(w)
			case "1":
				kind = "1"
			}
			toks = append(toks, token{kind: kind, text: w, pos: i})
			i = j
		}
	}
	return toks, nil
}

type condParser struct {
	toks  []token
	i     int
	depth int
}

// parseCondition parses a Sigma condition with precedence
// or < and < not < "x of" < parentheses.
func parseCondition(s string) (cond, error) {
	toks, err := lexCondition(s)
	if err != nil {
		return nil, err
	}
	for _, t := range toks {
		if t.kind == "|" {
			return nil, fmt.Errorf("aggregation expressions (%q) are the obsolete Sigma 1.0 syntax; use a correlation rule", strings.TrimSpace(s[t.pos:]))
		}
	}
	if len(toks) == 0 {
		return nil, fmt.Errorf("empty condition")
	}
	p := &condParser{toks: toks}
	c, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		t := p.toks[p.i]
		return nil, fmt.Errorf("unexpected %q at offset %d", t.text, t.pos)
	}
	return c, nil
}

func (p *condParser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i].kind
	}
	return ""
}

func (p *condParser) or() (cond, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.peek() == "or" {
		p.i++
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l = condOr{l, r}
	}
	return l, nil
}

func (p *condParser) and() (cond, error) {
	l, err := p.not()
	if err != nil {
		return nil, err
	}
	for p.peek() == "and" {
		p.i++
		r, err := p.not()
		if err != nil {
			return nil, err
		}
		l = condAnd{l, r}
	}
	return l, nil
}

func (p *condParser) not() (cond, error) {
	if p.peek() == "not" {
		p.i++
		p.depth++
		if p.depth > maxDepth {
			return nil, fmt.Errorf("condition nested deeper than %d", maxDepth)
		}
		x, err := p.not()
		p.depth--
		if err != nil {
			return nil, err
		}
		return condNot{x}, nil
	}
	return p.primary()
}

func (p *condParser) primary() (cond, error) {
	if p.i >= len(p.toks) {
		return nil, fmt.Errorf("condition ends where an identifier or ( was expected")
	}
	t := p.toks[p.i]
	switch t.kind {
	case "(":
		p.i++
		p.depth++
		if p.depth > maxDepth {
			return nil, fmt.Errorf("condition nested deeper than %d", maxDepth)
		}
		x, err := p.or()
		p.depth--
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			return nil, fmt.Errorf("missing ) for ( at offset %d", t.pos)
		}
		p.i++
		return x, nil
	case "1", "all":
		p.i++
		if p.peek() != "of" {
			if t.kind == "1" {
				return nil, fmt.Errorf("expected \"of\" after %q at offset %d", t.text, t.pos)
			}
			return nil, fmt.Errorf("expected \"of\" after \"all\" at offset %d", t.pos)
		}
		p.i++
		if p.i >= len(p.toks) {
			return nil, fmt.Errorf("condition ends after \"of\"")
		}
		n := p.toks[p.i]
		p.i++
		switch n.kind {
		case "them":
			return condOf{all: t.kind == "all", pattern: "them"}, nil
		case "id":
			return condOf{all: t.kind == "all", pattern: n.text}, nil
		}
		return nil, fmt.Errorf("expected a search pattern after \"of\" at offset %d, got %q", n.pos, n.text)
	case "id":
		p.i++
		if p.peek() == "of" {
			return nil, fmt.Errorf("only \"1 of\" and \"all of\" are defined, not %q of (offset %d)", t.text, t.pos)
		}
		if strings.ContainsAny(t.text, "*") {
			return nil, fmt.Errorf("wildcard %q outside of \"1 of\"/\"all of\" (offset %d)", t.text, t.pos)
		}
		return condRef{t.text}, nil
	}
	return nil, fmt.Errorf("unexpected %q at offset %d", t.text, t.pos)
}

// globMatch reports whether name matches a condition pattern in which *
// stands for any run of characters. Greedy with one backtrack point: linear
// in practice, never exponential.
func globMatch(pattern, name string) bool {
	p, n := 0, 0
	starP, starN := -1, 0
	for n < len(name) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			starP, starN = p, n
			p++
		case p < len(pattern) && pattern[p] == name[n]:
			p++
			n++
		case starP >= 0:
			starN++
			p, n = starP+1, starN
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
