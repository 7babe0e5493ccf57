// Package triage runs a whole kizuki scan and writes its case folder: it reads
// the inputs through the pipeline (scan) with detection attached, turns alerts
// into incidents (investigate), renders every output (report) and records the
// evidence trail (evidence). The CLI only parses flags and calls Run.
package triage

import (
	"context"
	"fmt"
	"time"

	"github.com/kizuki-dfir/kizuki/findings"
	"github.com/kizuki-dfir/kizuki/scan"
)

// Config is one scan's settings.
type Config struct {
	Scan     scan.Config
	Version  string
	TimeZone string // name of the zone assumed for zone-less timestamps ("UTC", "Asia/Tokyo")
}

// Result is what a scan produced.
type Result struct {
	Findings *findings.Findings
	Scan     *scan.Result
}

// Run scans and assembles the findings.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	res, err := scan.Run(ctx, cfg.Scan)
	if err != nil {
		return nil, err
	}
	f := &findings.Findings{
		Schema: findings.Schema,
		Tool:   findings.Tool{Name: "kizuki", Version: cfg.Version},
		Options: findings.Options{
			TimeZone:     cfg.TimeZone,
			Format:       cfg.Scan.Format,
			AccessFormat: cfg.Scan.Decode.AccessFormat,
		},
		Summary:   res.Summary(),
		Inputs:    make([]findings.Input, 0, len(res.Inputs)),
		Alerts:    []findings.Alert{},
		Incidents: []findings.Incident{},
	}
	for _, in := range res.Inputs {
		fi := in.Input
		fi.FirstTime = utcPtr(fi.FirstTime)
		fi.LastTime = utcPtr(fi.LastTime)
		f.Inputs = append(f.Inputs, fi)
	}
	if len(f.Inputs) == 0 {
		return nil, fmt.Errorf("no input could be read")
	}
	return &Result{Findings: f, Scan: res}, nil
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
