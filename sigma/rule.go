package sigma

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Rule is one parsed Sigma document: a detection rule, a correlation rule or a
// global filter. Exactly one of Detection, Correlation and Filter is set.
type Rule struct {
	ID, Name, Title, Status, Description, Level, Author, Date, Modified string

	Tags, References, FalsePositives, Fields []string
	LogSource                                LogSource

	Detection   *Detection
	Correlation *Correlation
	Filter      *Filter

	Path string // file the rule was read from
	Line int    // line of the document's first key
}

// LogSource is a rule's logsource section. Values are lower-cased on parse.
type LogSource struct{ Category, Product, Service, Definition string }

func (ls LogSource) String() string {
	var parts []string
	if ls.Product != "" {
		parts = append(parts, "product="+ls.Product)
	}
	if ls.Category != "" {
		parts = append(parts, "category="+ls.Category)
	}
	if ls.Service != "" {
		parts = append(parts, "service="+ls.Service)
	}
	if len(parts) == 0 {
		return "(empty)"
	}
	return strings.Join(parts, " ")
}

// Detection is a rule's detection section: named searches and the condition.
type Detection struct {
	Searches   []*Search // in document order
	Conditions []string  // several conditions are OR-ed
	Line       int
	CondLine   int
}

// Search is one search identifier: an OR of Branches, each an AND of Items.
type Search struct {
	Name     string
	Line     int
	Branches [][]Item
}

// Item is one field test ("Field|mod1|mod2: values"). Field is empty for a
// keyword search, which matches anywhere in the record.
type Item struct {
	Field     string
	Modifiers []string
	Values    []Value
	Line      int
}

// Value is one YAML scalar of a detection.
type Value struct {
	S    string
	Kind ValueKind
}

// ValueKind is the YAML type of a detection value.
type ValueKind uint8

const (
	ValueString ValueKind = iota
	ValueNumber
	ValueBool
	ValueNull
)

// Correlation is a correlation rule's correlation section.
type Correlation struct {
	Type      string // event_count, value_count, temporal, temporal_ordered, value_sum, value_avg, value_percentile
	Rules     []string
	GroupBy   []string
	Timespan  time.Duration
	Condition []CountCondition // AND-ed
	Field     []string         // value_count / value_* field(s)
	Aliases   map[string]map[string]string
	Generate  bool
	Line      int
}

// CountCondition is one criterion of a correlation condition ("gte: 10").
type CountCondition struct {
	Op    string // gt gte lt lte eq neq
	Value float64
}

func (c CountCondition) holds(n float64) bool {
	switch c.Op {
	case "gt":
		return n > c.Value
	case "gte":
		return n >= c.Value
	case "lt":
		return n < c.Value
	case "lte":
		return n <= c.Value
	case "eq":
		return n == c.Value
	case "neq":
		return n != c.Value
	}
	return false
}

// Filter is a Sigma global filter (meta filter): its condition is AND-ed to
// the condition of every rule it names, as pySigma does.
type Filter struct {
	Rules     []string
	Detection *Detection
}

// maxDocs bounds the work a single hostile file can cause.
const maxDocs = 10000

// ParseFile parses every YAML document in data: detection rules, correlation
// rules, global filters, and the "action: global / reset / repeat" collection
// convention. Errors carry path:line.
func ParseFile(path string, data []byte) ([]*Rule, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var (
		rules  []*Rule
		global *yaml.Node
		last   *yaml.Node
		budget = maxValues
	)
	for i := 0; ; i++ {
		if i >= maxDocs {
			return rules, fmt.Errorf("%s: more than %d YAML documents", path, maxDocs)
		}
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return rules, fmt.Errorf("%s: %w", path, err)
		}
		if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
			continue
		}
		root := doc.Content[0]
		if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
			continue // empty document, e.g. a trailing ---
		}
		if root.Kind != yaml.MappingNode {
			return rules, fmt.Errorf("%s:%d: a Sigma document must be a mapping", path, root.Line)
		}
		action := ""
		if a := mapGet(root, "action"); a != nil && a.Kind == yaml.ScalarNode {
			action = a.Value
		}
		switch action {
		case "global":
			global = root
			continue
		case "reset":
			global = nil
			continue
		case "repeat":
			if last == nil {
				return rules, fmt.Errorf("%s:%d: action: repeat without a previous rule", path, root.Line)
			}
			root = mergeNodes(last, root)
		case "":
			if global != nil {
				root = mergeNodes(global, root)
			}
		default:
			return rules, fmt.Errorf("%s:%d: unknown action %q", path, root.Line, action)
		}
		last = root
		r, err := parseRule(parser{path, &budget}, root)
		if err != nil {
			return rules, err
		}
		rules = append(rules, r)
	}
	return rules, nil
}

// mergeNodes returns a deep merge of two mappings; over wins for scalars and
// lists, mappings merge recursively. Neither input is modified.
func mergeNodes(base, over *yaml.Node) *yaml.Node {
	if base == nil || base.Kind != yaml.MappingNode || over.Kind != yaml.MappingNode {
		return over
	}
	out := &yaml.Node{Kind: yaml.MappingNode, Tag: over.Tag, Line: over.Line, Column: over.Column}
	seen := map[string]bool{}
	for i := 0; i+1 < len(base.Content); i += 2 {
		k := base.Content[i].Value
		if k == "action" {
			continue
		}
		v := base.Content[i+1]
		if ov := mapGet(over, k); ov != nil {
			v = mergeNodes(v, ov)
		}
		seen[k] = true
		out.Content = append(out.Content, base.Content[i], v)
	}
	for i := 0; i+1 < len(over.Content); i += 2 {
		k := over.Content[i].Value
		if seen[k] || k == "action" {
			continue
		}
		out.Content = append(out.Content, over.Content[i], over.Content[i+1])
	}
	return out
}

func mapGet(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return resolveAlias(m.Content[i+1])
		}
	}
	return nil
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for depth := 0; n != nil && n.Kind == yaml.AliasNode && depth < 16; depth++ {
		n = n.Alias
	}
	return n
}

type parser struct {
	path string
	// budget bounds the values one file may expand to: YAML aliases can
	// make a small document reference the same large list many times.
	budget *int
}

// maxValues is the value budget of one file.
const maxValues = 1 << 20

func (p parser) spend(n *yaml.Node, k int) error {
	*p.budget -= k
	if *p.budget < 0 {
		return p.errf(n, "file expands to more than %d values (YAML aliases?)", maxValues)
	}
	return nil
}

func (p parser) errf(n *yaml.Node, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return fmt.Errorf("%s:%d: %s", p.path, line, fmt.Sprintf(format, args...))
}

func (p parser) str(n *yaml.Node, what string) (string, error) {
	n = resolveAlias(n)
	if n == nil {
		return "", nil
	}
	if n.Kind != yaml.ScalarNode {
		return "", p.errf(n, "%s must be a string", what)
	}
	return n.Value, nil
}

// strs accepts a list of scalars or a single scalar.
func (p parser) strs(n *yaml.Node, what string) ([]string, error) {
	n = resolveAlias(n)
	if n == nil {
		return nil, nil
	}
	if n.Kind == yaml.ScalarNode {
		if n.Tag == "!!null" {
			return nil, nil
		}
		return []string{n.Value}, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, p.errf(n, "%s must be a list of strings", what)
	}
	out := make([]string, 0, len(n.Content))
	for _, c := range n.Content {
		c = resolveAlias(c)
		if c == nil || c.Kind != yaml.ScalarNode {
			return nil, p.errf(n, "%s must be a list of strings", what)
		}
		out = append(out, c.Value)
	}
	return out, nil
}

func parseRule(p parser, root *yaml.Node) (*Rule, error) {
	r := &Rule{Path: p.path, Line: root.Line}
	var err error
	for _, f := range []struct {
		key string
		dst *string
	}{
		{"id", &r.ID}, {"name", &r.Name}, {"title", &r.Title}, {"status", &r.Status},
		{"description", &r.Description}, {"level", &r.Level}, {"author", &r.Author},
		{"date", &r.Date}, {"modified", &r.Modified},
	} {
		if *f.dst, err = p.str(mapGet(root, f.key), f.key); err != nil {
			return nil, err
		}
	}
	for _, f := range []struct {
		key string
		dst *[]string
	}{
		{"tags", &r.Tags}, {"references", &r.References}, {"falsepositives", &r.FalsePositives}, {"fields", &r.Fields},
	} {
		if *f.dst, err = p.strs(mapGet(root, f.key), f.key); err != nil {
			return nil, err
		}
	}
	if ls := mapGet(root, "logsource"); ls != nil {
		if ls.Kind != yaml.MappingNode {
			return nil, p.errf(ls, "logsource must be a mapping")
		}
		for _, f := range []struct {
			key string
			dst *string
		}{{"category", &r.LogSource.Category}, {"product", &r.LogSource.Product}, {"service", &r.LogSource.Service}, {"definition", &r.LogSource.Definition}} {
			if *f.dst, err = p.str(mapGet(ls, f.key), "logsource."+f.key); err != nil {
				return nil, err
			}
		}
		r.LogSource.Category = strings.ToLower(r.LogSource.Category)
		r.LogSource.Product = strings.ToLower(r.LogSource.Product)
		r.LogSource.Service = strings.ToLower(r.LogSource.Service)
	}
	det, corr, filt := mapGet(root, "detection"), mapGet(root, "correlation"), mapGet(root, "filter")
	switch {
	case corr != nil:
		if r.Correlation, err = p.correlation(corr); err != nil {
			return nil, err
		}
	case filt != nil:
		if filt.Kind != yaml.MappingNode {
			return nil, p.errf(filt, "filter must be a mapping")
		}
		f := &Filter{}
		if f.Rules, err = p.strs(mapGet(filt, "rules"), "filter.rules"); err != nil {
			return nil, err
		}
		if len(f.Rules) == 0 {
			return nil, p.errf(filt, "filter.rules is empty")
		}
		if f.Detection, err = p.detection(filt, "rules"); err != nil {
			return nil, err
		}
		r.Filter = f
	case det != nil:
		if r.Detection, err = p.detection(det, ""); err != nil {
			return nil, err
		}
	default:
		return nil, p.errf(root, "document has no detection, correlation or filter section")
	}
	return r, nil
}

// detection parses a detection (or filter) mapping; skip names one more key
// that is not a search identifier.
func (p parser) detection(n *yaml.Node, skip string) (*Detection, error) {
	if n.Kind != yaml.MappingNode {
		return nil, p.errf(n, "detection must be a mapping")
	}
	d := &Detection{Line: n.Line}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolveAlias(n.Content[i+1])
		switch k.Value {
		case "condition":
			d.CondLine = v.Line
			conds, err := p.strs(v, "condition")
			if err != nil {
				return nil, err
			}
			d.Conditions = conds
		case "timeframe", skip:
			// timeframe belonged to the obsolete aggregation syntax; the
			// condition parser reports such rules as unsupported.
		default:
			s, err := p.search(k.Value, v)
			if err != nil {
				return nil, err
			}
			d.Searches = append(d.Searches, s)
		}
	}
	if len(d.Conditions) == 0 {
		return nil, p.errf(n, "detection has no condition")
	}
	return d, nil
}

func (p parser) search(name string, n *yaml.Node) (*Search, error) {
	s := &Search{Name: name, Line: n.Line}
	switch n.Kind {
	case yaml.MappingNode:
		b, err := p.branch(n)
		if err != nil {
			return nil, err
		}
		s.Branches = append(s.Branches, b)
	case yaml.SequenceNode:
		kw := Item{Line: n.Line}
		for _, c := range n.Content {
			c = resolveAlias(c)
			switch c.Kind {
			case yaml.MappingNode:
				b, err := p.branch(c)
				if err != nil {
					return nil, err
				}
				s.Branches = append(s.Branches, b)
			case yaml.ScalarNode:
				if err := p.spend(c, 1); err != nil {
					return nil, err
				}
				kw.Values = append(kw.Values, scalarValue(c))
			default:
				return nil, p.errf(c, "search %q: list items must be strings or mappings", name)
			}
		}
		if len(kw.Values) > 0 {
			s.Branches = append(s.Branches, []Item{kw})
		}
	case yaml.ScalarNode:
		s.Branches = append(s.Branches, []Item{{Line: n.Line, Values: []Value{scalarValue(n)}}})
	default:
		return nil, p.errf(n, "search %q must be a mapping or a list", name)
	}
	return s, nil
}

func (p parser) branch(n *yaml.Node) ([]Item, error) {
	var b []Item
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolveAlias(n.Content[i+1])
		if err := p.spend(k, 1+len(v.Content)); err != nil {
			return nil, err
		}
		parts := strings.Split(k.Value, "|")
		it := Item{Field: parts[0], Modifiers: parts[1:], Line: k.Line}
		switch v.Kind {
		case yaml.ScalarNode:
			it.Values = []Value{scalarValue(v)}
		case yaml.SequenceNode:
			for _, c := range v.Content {
				c = resolveAlias(c)
				if c == nil || c.Kind != yaml.ScalarNode {
					return nil, p.errf(v, "field %q: values must be scalars", k.Value)
				}
				it.Values = append(it.Values, scalarValue(c))
			}
			if len(it.Values) == 0 {
				return nil, p.errf(v, "field %q: empty value list", k.Value)
			}
		default:
			return nil, p.errf(v, "field %q: value must be a scalar or a list", k.Value)
		}
		b = append(b, it)
	}
	return b, nil
}

func scalarValue(n *yaml.Node) Value {
	switch n.ShortTag() {
	case "!!null":
		return Value{Kind: ValueNull}
	case "!!int", "!!float":
		return Value{S: n.Value, Kind: ValueNumber}
	case "!!bool":
		return Value{S: strings.ToLower(n.Value), Kind: ValueBool}
	}
	return Value{S: n.Value}
}

func (p parser) correlation(n *yaml.Node) (*Correlation, error) {
	if n.Kind != yaml.MappingNode {
		return nil, p.errf(n, "correlation must be a mapping")
	}
	c := &Correlation{Line: n.Line}
	var err error
	if c.Type, err = p.str(mapGet(n, "type"), "correlation.type"); err != nil {
		return nil, err
	}
	switch c.Type {
	case "event_count", "value_count", "temporal", "temporal_ordered", "value_sum", "value_avg", "value_percentile":
	case "":
		return nil, p.errf(n, "correlation.type is missing")
	default:
		return nil, p.errf(mapGet(n, "type"), "unknown correlation type %q", c.Type)
	}
	if c.Rules, err = p.strs(mapGet(n, "rules"), "correlation.rules"); err != nil {
		return nil, err
	}
	if len(c.Rules) == 0 {
		return nil, p.errf(n, "correlation.rules is empty")
	}
	if c.GroupBy, err = p.strs(mapGet(n, "group-by"), "correlation.group-by"); err != nil {
		return nil, err
	}
	ts := mapGet(n, "timespan")
	if ts == nil {
		ts = mapGet(n, "timeframe") // pre-2.0 name, still seen in the wild
	}
	tsText, err := p.str(ts, "correlation.timespan")
	if err != nil {
		return nil, err
	}
	if tsText == "" {
		return nil, p.errf(n, "correlation.timespan is missing")
	}
	if c.Timespan, err = parseTimespan(tsText); err != nil {
		return nil, p.errf(ts, "correlation.timespan: %v", err)
	}
	if g := mapGet(n, "generate"); g != nil {
		c.Generate = g.Kind == yaml.ScalarNode && strings.EqualFold(g.Value, "true")
	}
	if cond := mapGet(n, "condition"); cond != nil {
		if cond.Kind != yaml.MappingNode {
			return nil, p.errf(cond, "correlation.condition must be a mapping")
		}
		for i := 0; i+1 < len(cond.Content); i += 2 {
			k, v := cond.Content[i].Value, resolveAlias(cond.Content[i+1])
			switch k {
			case "field":
				if c.Field, err = p.strs(v, "correlation.condition.field"); err != nil {
					return nil, err
				}
			case "gt", "gte", "lt", "lte", "eq", "neq":
				if v.Kind != yaml.ScalarNode {
					return nil, p.errf(v, "correlation.condition.%s must be a number", k)
				}
				f, err := strconv.ParseFloat(v.Value, 64)
				if err != nil {
					return nil, p.errf(v, "correlation.condition.%s: %q is not a number", k, v.Value)
				}
				c.Condition = append(c.Condition, CountCondition{k, f})
			default:
				return nil, p.errf(cond.Content[i], "unknown correlation condition operator %q", k)
			}
		}
	}
	if a := mapGet(n, "aliases"); a != nil {
		if a.Kind != yaml.MappingNode {
			return nil, p.errf(a, "correlation.aliases must be a mapping")
		}
		c.Aliases = map[string]map[string]string{}
		for i := 0; i+1 < len(a.Content); i += 2 {
			alias, m := a.Content[i].Value, resolveAlias(a.Content[i+1])
			if m.Kind != yaml.MappingNode {
				return nil, p.errf(m, "correlation.aliases.%s must map rule names to fields", alias)
			}
			c.Aliases[alias] = map[string]string{}
			for j := 0; j+1 < len(m.Content); j += 2 {
				c.Aliases[alias][m.Content[j].Value] = m.Content[j+1].Value
			}
		}
	}
	switch c.Type {
	case "event_count", "value_count", "value_sum", "value_avg", "value_percentile":
		if len(c.Condition) == 0 {
			return nil, p.errf(n, "%s correlation needs a condition", c.Type)
		}
	}
	if strings.HasPrefix(c.Type, "value_") && len(c.Field) == 0 {
		return nil, p.errf(n, "%s correlation needs condition.field", c.Type)
	}
	return c, nil
}

// parseTimespan reads "30s", "5m", "1h", "7d" (and w, M, y as pySigma does).
func parseTimespan(s string) (time.Duration, error) {
	if len(s) < 2 {
		return 0, fmt.Errorf("%q: want a number and a unit (s, m, h, d)", s)
	}
	n, err := strconv.ParseInt(s[:len(s)-1], 10, 32)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q: want a positive number and a unit (s, m, h, d)", s)
	}
	var unit time.Duration
	switch s[len(s)-1] {
	case 's':
		unit = time.Second
	case 'm':
		unit = time.Minute
	case 'h':
		unit = time.Hour
	case 'd':
		unit = 24 * time.Hour
	case 'w':
		unit = 7 * 24 * time.Hour
	case 'M':
		unit = 30 * 24 * time.Hour
	case 'y':
		unit = 365 * 24 * time.Hour
	default:
		return 0, fmt.Errorf("%q: unknown unit %q (want s, m, h, d)", s, s[len(s)-1:])
	}
	return time.Duration(n) * unit, nil
}

// Techniques returns the MITRE ATT&CK technique ids of the rule's tags
// ("attack.t1190" -> "T1190", "attack.t1562.001" -> "T1562.001"), in tag
// order, without duplicates.
func (r *Rule) Techniques() []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range r.Tags {
		t = strings.ToLower(t)
		if !strings.HasPrefix(t, "attack.t") || len(t) < len("attack.t1000") {
			continue
		}
		id := strings.ToUpper(t[len("attack."):])
		if _, err := strconv.Atoi(id[1:5]); err != nil || seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, id)
	}
	return out
}
