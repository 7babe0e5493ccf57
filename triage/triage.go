// Package triage runs a whole kizuki scan and writes its case folder: it reads
// the inputs through the pipeline (scan) with detection attached (detect),
// turns alerts into incidents (investigate), renders every output (report)
// and records the evidence trail (evidence). The CLI only parses flags and
// calls Run.
package triage

import (
	"context"
	"fmt"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/kizuki-dfir/kizuki/detect"
	"github.com/kizuki-dfir/kizuki/detect/crs"
	"github.com/kizuki-dfir/kizuki/findings"
	"github.com/kizuki-dfir/kizuki/investigate"
	"github.com/kizuki-dfir/kizuki/rules"
	"github.com/kizuki-dfir/kizuki/scan"
	"github.com/kizuki-dfir/kizuki/sigma"
	"github.com/kizuki-dfir/kizuki/source"
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
	res, err := runLabelled(ctx, "detect", sc)
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
		var changed []string
		coll, pathOf, changed, err = secondPass(ctx, cfg.Scan, res, ips, shells)
		if err != nil {
			return nil, fmt.Errorf("second pass: %w", err)
		}
		noteChanged(f, changed, "the file changed between the detection pass and the investigation pass: "+
			"the alerts and this account rest on the first read, the incidents' facts and evidence on the second (cited with its own SHA-256)")
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

// secondPass reads the inputs again with the investigation's collector, for
// the facts about the suspects (ips, shells). It returns the collector, the
// path and SHA-256 to cite for the pass's input ids, and the files that
// changed since the first pass.
//
// The pass does not hash the files again: SHA-256 and SHA-1 cost more than
// the rest of it. Each file's fingerprint (source.Digest.Fingerprint, a
// keyed hash computed in both reads at a tenth of the cost) shows that this
// read met the bytes the first pass hashed, so the facts cite the first
// pass's digests. A file that changed in between (a live log that grew, a
// file replaced or edited, one that appeared in a folder) fails the check;
// the pass is then run again hashing everything, so that every digest cited
// is of the bytes the facts were read from, and the change is reported.
//
// Its first run leaves out the UTF-8 checks the first pass made of the same
// bytes (TrustText), and where the collector's filter rules lines out by
// their first field and request target, it passes over them a run at a
// time (scan.Config.Seek, investigate.Collector.Seek).
func secondPass(ctx context.Context, sc scan.Config, first *scan.Result, ips, shells []string) (*investigate.Collector, func(int32) (string, string), []string, error) {
	before := map[string]*scan.Input{} // input path -> its first-pass account
	for _, in := range first.Inputs {
		before[in.Path] = in
	}
	// The first run trusts the first pass's shapes of the inputs (which lines
	// can matter), as it trusts its digests: both hold only for the same
	// bytes, which the fingerprints check once it is over. The run that
	// follows a change decides from the lines alone.
	run := func(fingerprintOnly bool) (*investigate.Collector, *scan.Result, error) {
		coll := investigate.NewCollector(ips, shells)
		sc.Handler, sc.Progress = coll, nil
		sc.Skip = func(*scan.Input) func(string) bool { return coll.Skip }
		sc.Seek = nil
		if fingerprintOnly {
			sc.Skip = func(in *scan.Input) func(string) bool {
				if p := before[in.Path]; p != nil && p.Format == in.Format {
					return coll.Filter(p.Shape)
				}
				return coll.Skip
			}
			sc.Seek = func(in *scan.Input) func(string) (int, int64, int64) {
				if p := before[in.Path]; p != nil && p.Format == in.Format {
					return coll.Seek(p.Shape)
				}
				return nil
			}
		}
		sc.Source.FingerprintOnly = fingerprintOnly
		sc.TrustText = fingerprintOnly // the first pass checked these bytes' text, and the account is its
		res, err := runLabelled(ctx, "investigate", sc)
		return coll, res, err
	}
	coll, res, err := run(true)
	if err != nil {
		return nil, nil, nil, err
	}
	changed := changedFiles(first, res)
	if len(changed) == 0 {
		return coll, func(id int32) (string, string) {
			in := res.Input(id)
			if in == nil {
				return "", ""
			}
			if p := before[in.Path]; p != nil {
				return in.Path, p.SHA256
			}
			return in.Path, ""
		}, nil, nil
	}
	coll, res, err = run(false)
	if err != nil {
		return nil, nil, nil, err
	}
	return coll, func(id int32) (string, string) {
		in := res.Input(id)
		if in == nil {
			return "", ""
		}
		return in.Path, in.SHA256
	}, changed, nil
}

// changedFiles lists the paths of the files the second pass read whose bytes
// are not those the first pass hashed. A file read in neither (it could not
// be opened) is not a change: no fact comes from it.
func changedFiles(first, second *scan.Result) []string {
	before := map[string]scan.File{}
	for _, f := range first.Files {
		if f.File != nil {
			before[f.Abs] = f
		}
	}
	var changed []string
	for _, f := range second.Files {
		if f.File == nil {
			continue
		}
		var lines int64
		for _, in := range f.Inputs {
			lines += in.Lines
		}
		if f.Digest == (source.Digest{}) && lines == 0 {
			continue
		}
		b, ok := before[f.Abs]
		if !ok || b.Digest.SHA256 == "" || b.Digest.Bytes != f.Digest.Bytes || b.Digest.Fingerprint != f.Digest.Fingerprint {
			changed = append(changed, f.Path)
		}
	}
	return changed
}

// noteChanged records in the accounts of the inputs of the changed files
// that a later pass read other bytes than the first: msg says what rests on
// which read.
func noteChanged(f *findings.Findings, paths []string, msg string) {
	for _, p := range paths {
		for i := range f.Inputs {
			in := &f.Inputs[i]
			if in.Path != p && !strings.HasPrefix(in.Path, p+"!") {
				continue
			}
			in.Problems = append(in.Problems, findings.Problem{Kind: "changed_between_passes", Count: 1, Message: msg})
			slices.SortStableFunc(in.Problems, func(a, b findings.Problem) int { return strings.Compare(a.Kind, b.Kind) })
		}
	}
}

// runLabelled is scan.Run with its goroutines labelled pass=name in CPU
// profiles, so a profile of a scan tells the passes apart
// (go tool pprof -tagfocus pass=investigate).
func runLabelled(ctx context.Context, name string, sc scan.Config) (res *scan.Result, err error) {
	pprof.Do(ctx, pprof.Labels("pass", name), func(ctx context.Context) {
		res, err = scan.Run(ctx, sc)
	})
	return res, err
}
