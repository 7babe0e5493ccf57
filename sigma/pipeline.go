package sigma

import (
	_ "embed"
	"fmt"
	"sort"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/kizuki-dfir/kizuki/event"
)

// A Pipeline maps Sigma log sources and field names to kizuki events. It is
// data, like a pySigma processing pipeline: which events a log source applies
// to (event kinds and datasets), which event fields its Sigma field names
// read, which fields kizuki cannot provide and why, and the values of
// placeholders for the expand modifier.
type Pipeline struct {
	Name         string
	sources      []*sourceMap
	placeholders map[string][]string
}

// sourceMap is the pipeline's entry for one log source.
type sourceMap struct {
	ls          LogSource
	unsupported string // non-empty: rules of this log source cannot run, and why
	kinds       []event.Kind
	datasets    []string // exact names, or prefixes ending in *
	keywords    []string // fields keyword searches look in
	fields      map[string]string
	unavailable map[string]string
	maxLevel    string // rules of this log source raise at most this level ("" = as written)
	line        int
}

//go:embed pipelines/kizuki.yaml
var defaultPipelineYAML []byte

var (
	defaultOnce     sync.Once
	defaultPipeline *Pipeline
)

// DefaultPipeline returns kizuki's own pipeline (pipelines/kizuki.yaml).
func DefaultPipeline() *Pipeline {
	defaultOnce.Do(func() {
		p, err := LoadPipeline(defaultPipelineYAML)
		if err != nil {
			panic("sigma: embedded pipeline: " + err.Error()) // a build defect, caught by tests
		}
		defaultPipeline = p
	})
	return defaultPipeline
}

type pipelineYAML struct {
	Name         string              `yaml:"name"`
	Placeholders map[string][]string `yaml:"placeholders"`
	LogSources   []struct {
		LogSource struct {
			Category, Product, Service string
		} `yaml:"logsource"`
		Unsupported string            `yaml:"unsupported"`
		Kinds       []string          `yaml:"kinds"`
		Datasets    []string          `yaml:"datasets"`
		Keywords    []string          `yaml:"keywords"`
		Fields      map[string]string `yaml:"fields"`
		Unavailable map[string]string `yaml:"unavailable"`
		MaxLevel    string            `yaml:"max_level"`
	} `yaml:"logsources"`
}

// LoadPipeline parses and validates a pipeline. Every target field name must
// be a kizuki field (typed, or a dotted extra name) and every kind known.
func LoadPipeline(data []byte) (*Pipeline, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	var y pipelineYAML
	if err := root.Decode(&y); err != nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	lines := sourceLines(&root)
	kinds := map[string]event.Kind{}
	for k := event.KindRaw; k <= event.KindSystem; k++ {
		kinds[k.String()] = k
	}
	p := &Pipeline{Name: y.Name, placeholders: y.Placeholders}
	seen := map[LogSource]int{}
	for i, s := range y.LogSources {
		line := 0
		if i < len(lines) {
			line = lines[i]
		}
		sm := &sourceMap{
			ls: LogSource{
				Category: strings.ToLower(s.LogSource.Category),
				Product:  strings.ToLower(s.LogSource.Product),
				Service:  strings.ToLower(s.LogSource.Service),
			},
			unsupported: s.Unsupported,
			datasets:    s.Datasets,
			keywords:    s.Keywords,
			fields:      s.Fields,
			unavailable: s.Unavailable,
			maxLevel:    strings.ToLower(s.MaxLevel),
			line:        line,
		}
		switch sm.maxLevel {
		case "", "informational", "low", "medium", "high", "critical":
		default:
			return nil, fmt.Errorf("pipeline:%d: max_level %q is not a Sigma level", line, s.MaxLevel)
		}
		if prev, dup := seen[sm.ls]; dup {
			return nil, fmt.Errorf("pipeline:%d: log source %s already mapped at line %d", line, sm.ls, prev)
		}
		seen[sm.ls] = line
		for _, k := range s.Kinds {
			kind, ok := kinds[k]
			if !ok {
				return nil, fmt.Errorf("pipeline:%d: unknown event kind %q", line, k)
			}
			sm.kinds = append(sm.kinds, kind)
		}
		if sm.unsupported == "" && len(sm.kinds) == 0 && len(sm.datasets) == 0 {
			return nil, fmt.Errorf("pipeline:%d: log source %s selects no events (give kinds or datasets)", line, sm.ls)
		}
		for _, f := range sm.keywords {
			if !validTarget(f) {
				return nil, fmt.Errorf("pipeline:%d: keyword field %q is not a kizuki field", line, f)
			}
		}
		for from, to := range sm.fields {
			if !validTarget(to) {
				return nil, fmt.Errorf("pipeline:%d: field %s maps to %q, not a kizuki field", line, from, to)
			}
		}
		p.sources = append(p.sources, sm)
	}
	return p, nil
}

func sourceLines(root *yaml.Node) []int {
	doc := root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		doc = doc.Content[0]
	}
	ls := mapGet(doc, "logsources")
	if ls == nil || ls.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]int, len(ls.Content))
	for i, n := range ls.Content {
		out[i] = n.Line
	}
	return out
}

// validTarget accepts typed event fields and dotted ECS-style extra names.
func validTarget(name string) bool {
	if _, ok := event.LookupField(name); ok {
		return true
	}
	return strings.Contains(name, ".") && !strings.ContainsAny(name, " \t|")
}

// source returns the entry for a rule's log source: the one whose category,
// product and service all equal the rule's.
func (p *Pipeline) source(ls LogSource) *sourceMap {
	key := LogSource{Category: ls.Category, Product: ls.Product, Service: ls.Service}
	for _, s := range p.sources {
		if s.ls == key {
			return s
		}
	}
	return nil
}

// LogSources lists the log sources the pipeline maps, for documentation.
func (p *Pipeline) LogSources() []LogSource {
	out := make([]LogSource, 0, len(p.sources))
	for _, s := range p.sources {
		if s.unsupported == "" {
			out = append(out, s.ls)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// field resolves a Sigma field name for this log source.
func (s *sourceMap) field(name string) (string, error) {
	if to, ok := s.fields[name]; ok {
		return to, nil
	}
	if why, ok := s.unavailable[name]; ok {
		return "", fmt.Errorf("field %s is not available in kizuki events for %s: %s", name, s.ls, why)
	}
	for from, to := range s.fields { // Sigma field names are matched case-insensitively as a fallback
		if strings.EqualFold(from, name) {
			return to, nil
		}
	}
	if validTarget(name) {
		return name, nil // already a kizuki (ECS) name
	}
	return "", fmt.Errorf("field %s is not mapped for log source %s", name, s.ls)
}

// accepts reports whether an event belongs to this log source. The caller
// already routed by kind.
func (s *sourceMap) acceptsDataset(ds string) bool {
	if len(s.datasets) == 0 {
		return true
	}
	for _, d := range s.datasets {
		if strings.HasSuffix(d, "*") {
			if strings.HasPrefix(ds, d[:len(d)-1]) {
				return true
			}
		} else if ds == d {
			return true
		}
	}
	return false
}

func (s *sourceMap) routeKinds() []event.Kind {
	if len(s.kinds) > 0 {
		return s.kinds
	}
	var all []event.Kind
	for k := event.KindRaw; k <= event.KindSystem; k++ {
		all = append(all, k)
	}
	return all
}
