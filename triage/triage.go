// Package triage runs a whole kizuki scan and writes its case folder: it reads
// the inputs through the pipeline (scan) with detection attached (detect),
// turns alerts into incidents (investigate), renders every output (report)
// and records the evidence trail (evidence). The CLI only parses flags and
// calls Run.
package triage

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/kizuki-dfir/kizuki/detect"
	"github.com/kizuki-dfir/kizuki/detect/crs"
	"github.com/kizuki-dfir/kizuki/findings"
	"github.com/kizuki-dfir/kizuki/investigate"
	"github.com/kizuki-dfir/kizuki/rules"
	"github.com/kizuki-dfir/kizuki/scan"
	"github.com/kizuki-dfir/kizuki/sigma"
)

// Config is one scan's settings.
type Config struct {
	Scan     scan.Config
	Version  string
	TimeZone string // name of the zone assumed for zone-less timestamps ("UTC", "Asia/Tokyo")

	RuleDirs  []string // user rule folders added to (or, with RulesOnly, replacing) the built-in pack
	RulesOnly bool
	Paranoia  int                    // OWASP CRS paranoia level 1-4; 0 turns CRS off
	Inventory *investigate.Inventory // what the systems held, for "affected people (possible)"
	// TimelineAll writes every decoded event to timeline.csv after the
	// incidents' rows (a third, single-threaded pass, so rows keep input and
	// line order).
	TimelineAll bool
}

// Result is what a scan produced.
type Result struct {
	Findings    *findings.Findings
	Scan        *scan.Result
	Unsupported []sigma.Unsupported // rules that could not be used, with the reason
	CRS         *crs.Stats
	cfg         Config
}

// Rules loads and compiles the rule sources a config names.
func Rules(cfg Config) (*sigma.RuleSet, []sigma.Unsupported, []string, error) {
	var srcs []detect.RuleSource
	var names []string
	if !cfg.RulesOnly {
		srcs = append(srcs, detect.RuleSource{Name: "builtin", FS: rules.FS})
		names = append(names, "builtin")
	}
	for _, d := range cfg.RuleDirs {
		s, err := detect.DirSource(d)
		if err != nil {
			return nil, nil, nil, err
		}
		srcs = append(srcs, s)
		names = append(names, d)
	}
	loaded, err := detect.LoadRules(srcs...)
	if err != nil {
		return nil, nil, nil, err
	}
	rs, unsupported := sigma.Compile(loaded.Rules, sigma.DefaultPipeline())
	return rs, append(loaded.ParseErrors, unsupported...), names, nil
}

// Run scans and assembles the findings.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	rs, unsupported, ruleNames, err := Rules(cfg)
	if err != nil {
		return nil, err
	}
	dcfg := detect.Config{Rules: rs}
	if cfg.Paranoia > 0 {
		c, err := crs.New(crs.Options{Paranoia: cfg.Paranoia})
		if err != nil {
			return nil, fmt.Errorf("OWASP CRS: %w", err)
		}
		dcfg.CRS = c
	}
	engine := detect.New(dcfg)
	sc := cfg.Scan
	sc.Handler = engine
	res, err := scan.Run(ctx, sc)
	if err != nil {
		return nil, err
	}
	if len(res.Inputs) == 0 {
		return nil, fmt.Errorf("no input could be read")
	}
	resolve := func(id int32) (string, string) {
		in := res.Input(id)
		if in == nil {
			return "", ""
		}
		return in.Path, in.SHA256
	}
	f := &findings.Findings{
		Schema: findings.Schema,
		Tool:   findings.Tool{Name: "kizuki", Version: cfg.Version},
		Options: findings.Options{
			TimeZone:     cfg.TimeZone,
			Format:       cfg.Scan.Format,
			AccessFormat: cfg.Scan.Decode.AccessFormat,
			Rules:        ruleNames,
			Paranoia:     cfg.Paranoia,
		},
		Summary:   res.Summary(),
		Inputs:    make([]findings.Input, 0, len(res.Inputs)),
		Alerts:    engine.Alerts(resolve),
		Incidents: []findings.Incident{},
	}
	for _, in := range res.Inputs {
		fi := in.Input
		fi.FirstTime = utcPtr(fi.FirstTime)
		fi.LastTime = utcPtr(fi.LastTime)
		f.Inputs = append(f.Inputs, fi)
	}
	f.Summary.Alerts = len(f.Alerts)
	f.Skipped = append([]string{}, res.Problems...)
	f.RulesUnsupported = []findings.RuleProblem{}
	for _, u := range unsupported {
		f.RulesUnsupported = append(f.RulesUnsupported, findings.RuleProblem{Path: u.Path, ID: u.ID, Reason: u.Reason})
	}

	// Second pass: the facts about the actors the alerts named. Standard
	// input cannot be read twice; its incidents rest on the alerts alone.
	x := investigate.New(f, cfg.Inventory, cfg.Scan.Decode)
	var coll *investigate.Collector
	pathOf := resolve
	if len(f.Alerts) > 0 && !slices.Contains(cfg.Scan.Args, "-") {
		ips, shells := x.Suspects()
		coll = investigate.NewCollector(ips, shells)
		sc2 := cfg.Scan
		sc2.Handler = coll
		sc2.Skip = coll.Skip
		sc2.Progress = nil
		res2, err := scan.Run(ctx, sc2)
		if err != nil {
			return nil, fmt.Errorf("second pass: %w", err)
		}
		pathOf = func(id int32) (string, string) {
			in := res2.Input(id)
			if in == nil {
				return "", ""
			}
			return in.Path, in.SHA256
		}
	}
	f.Incidents = x.Incidents(coll, pathOf)
	if f.Incidents == nil {
		f.Incidents = []findings.Incident{}
	}
	f.Summary.Incidents = len(f.Incidents)
	out := &Result{Findings: f, Scan: res, Unsupported: unsupported, cfg: cfg}
	if dcfg.CRS != nil {
		st := dcfg.CRS.Stats()
		out.CRS = &st
	}
	return out, nil
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
