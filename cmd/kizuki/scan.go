package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/spf13/cobra"

	"github.com/kizuki-dfir/kizuki/detect"
	"github.com/kizuki-dfir/kizuki/evidence"
	"github.com/kizuki-dfir/kizuki/format"
	"github.com/kizuki-dfir/kizuki/investigate"
	"github.com/kizuki-dfir/kizuki/report"
	"github.com/kizuki-dfir/kizuki/scan"
	"github.com/kizuki-dfir/kizuki/source"
	"github.com/kizuki-dfir/kizuki/triage"
)

type scanFlags struct {
	out          string
	force        bool
	format       string
	accessFormat string
	tz           string
	maxBytes     int64
	maxLine      int
	workers      int
	quiet        bool
	rules        []string
	rulesOnly    []string
	paranoia     int
	lang         string
	failOn       string
	inventory    string
	noFollow     bool
	timeline     string
}

func newScanCmd() *cobra.Command {
	var fl scanFlags
	cmd := &cobra.Command{
		Use:   "scan LOGS... --out CASE",
		Short: "Read logs, detect attacks and write a case folder with the answers",
		Long: `Scan reads every log you name — files, folders (recursively), globs, or "-" for
standard input; gzip, bzip2, xz and zstd sniffed by content; tar, tar.gz and zip
read in place without extracting — recognises each input's format, decodes every
line into a normalised event, and writes the case folder:

  CASE/report.html     the report: answers, incidents, evidence (one self-contained file)
  CASE/report.md       the same for tickets and wikis
  CASE/findings.json   the findings (stable schema, docs/FINDINGS.md)
  CASE/timeline.csv    incident timeline, importable by Timesketch
  CASE/evidence/       manifest of inputs with hashes, hash-chained custody journal

Detection runs kizuki's Sigma rule pack (plus --rules folders) over every event,
and the OWASP Core Rule Set (through Coraza) over web requests. Alerts become
incidents only when independent signals agree; each incident states its entry
vector, first and last seen, dwell time, data taken or destroyed and people
affected, and its ATT&CK phases, citing file, line and SHA-256.

Rotated sets (access.log, access.log.1, access.log.2.gz, ...) are read oldest
first. Nothing is ever written outside CASE and inputs are opened read-only.
Lines no decoder understands are kept and counted, never dropped.`,
		Example: `  # A folder of logs from a compromised web server
  kizuki scan /evidence/web01/var/log --out case-web01

  # An archive as received, and the rotated nginx logs beside it
  kizuki scan logs.tar.gz 'nginx/access.log*' --out case

  # nginx with a custom log_format: give the format string from nginx.conf
  kizuki scan access.log --out case \
    --access-format '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time'

  # Syslog written in Japan (no zone in the lines)
  kizuki scan auth.log --tz Asia/Tokyo --out case

  # From a pipe
  zcat old.gz | kizuki scan - --format syslog --out case`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScan(cmd, args, fl)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&fl.out, "out", "o", "kizuki-case", "case folder to write (must be empty or absent unless --force)")
	f.BoolVar(&fl.force, "force", false, "write into a non-empty case folder, replacing kizuki's outputs there")
	f.StringVar(&fl.format, "format", "", "force this `name`d format for every input (list: kizuki formats); default: sniff each input")
	f.StringVar(&fl.accessFormat, "access-format", "", "nginx log_format or Apache LogFormat string of the access logs")
	f.StringVar(&fl.tz, "tz", "UTC", "time zone of timestamps that carry none (IANA name, e.g. Asia/Tokyo)")
	f.Int64Var(&fl.maxBytes, "max-decompressed", source.DefaultMaxBytes, "cap on decompressed bytes per stream (decompression bombs are reported, not obeyed)")
	f.IntVar(&fl.maxLine, "max-line", scan.DefaultMaxLine, "longest line kept, in bytes; longer lines are cut and counted")
	f.BoolVar(&fl.noFollow, "no-follow-symlinks", false, "do not follow symbolic links when walking folders (use on collected evidence, whose links point into your own machine)")
	f.IntVar(&fl.workers, "workers", 0, "decoding goroutines (default: number of CPUs)")
	f.BoolVarP(&fl.quiet, "quiet", "q", false, "no progress bar and no summary")
	f.StringArrayVar(&fl.rules, "rules", nil, "add a folder of Sigma rules (e.g. a SigmaHQ checkout) to the built-in pack; repeatable")
	f.StringArrayVar(&fl.rulesOnly, "rules-only", nil, "use only this folder of Sigma rules, not the built-in pack; repeatable")
	f.IntVar(&fl.paranoia, "paranoia", 1, "OWASP CRS paranoia level for web requests, 1 (fewest false positives) to 4; 0 turns CRS off")
	f.StringVar(&fl.lang, "lang", "en", "report language: en or ja")
	f.StringVar(&fl.timeline, "timeline", "incidents", "what timeline.csv holds: incidents (their steps and alerts) or all (also every decoded event, in input order)")
	f.StringVar(&fl.inventory, "inventory", "", "YAML file naming the tables and paths the systems held and their record counts (see examples/inventory.yaml)")
	f.StringVar(&fl.failOn, "fail-on", "high", "exit 1 when an incident at or above this severity is found (low, medium, high, critical; none: never)")
	return cmd
}

func runScan(cmd *cobra.Command, args []string, fl scanFlags) error {
	loc, err := time.LoadLocation(fl.tz)
	if err != nil {
		return usageErr("--tz %q: %v", fl.tz, err)
	}
	if fl.format != "" {
		if _, err := format.Lookup(fl.format); err != nil {
			return usageErr("--format: %v", err)
		}
	}
	if fl.timeline != "incidents" && fl.timeline != "all" {
		return usageErr("--timeline %q: want incidents or all", fl.timeline)
	}
	if fl.lang != "en" && fl.lang != "ja" {
		return usageErr("--lang %q: want en or ja", fl.lang)
	}
	failRank, err := failOnRank(fl.failOn)
	if err != nil {
		return err
	}
	if fl.paranoia < 0 || fl.paranoia > 4 {
		return usageErr("--paranoia %d: want 0 (off) to 4", fl.paranoia)
	}
	if len(fl.rules) > 0 && len(fl.rulesOnly) > 0 {
		return usageErr("--rules and --rules-only exclude each other")
	}
	var inv *investigate.Inventory
	if fl.inventory != "" {
		if inv, err = investigate.LoadInventory(fl.inventory); err != nil {
			return usageErr("%v", err)
		}
	}
	c, err := evidence.Create(fl.out, fl.force)
	if err != nil {
		return &exitError{exitUsage, err}
	}
	if err := c.Record("scan", version, os.Args[1:], map[string]any{"inputs": args}); err != nil {
		return &exitError{exitUsage, err}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	prog := &scan.Progress{}
	cfg := triage.Config{
		Version:     version,
		TimeZone:    loc.String(),
		RuleDirs:    append(fl.rules, fl.rulesOnly...),
		RulesOnly:   len(fl.rulesOnly) > 0,
		Paranoia:    fl.paranoia,
		Inventory:   inv,
		TimelineAll: fl.timeline == "all",
		Scan: scan.Config{
			Args:     args,
			Source:   source.Options{MaxBytes: fl.maxBytes, Stdin: cmd.InOrStdin(), NoFollowSymlinks: fl.noFollow},
			Format:   fl.format,
			Decode:   format.Options{Location: loc, AccessFormat: fl.accessFormat},
			Workers:  fl.workers,
			MaxLine:  fl.maxLine,
			Progress: prog,
		},
	}
	stopBar := func() {}
	if !fl.quiet {
		stopBar = startProgress(cmd.ErrOrStderr(), prog)
	}
	res, err := triage.Run(ctx, cfg)
	stopBar()
	if err != nil {
		c.Discard()
		return &exitError{exitUsage, err}
	}
	ropts := report.Options{Lang: fl.lang, Location: loc, Width: termWidth(cmd.OutOrStdout()),
		Color: isTerminal(cmd.OutOrStdout()) && os.Getenv("NO_COLOR") == ""}
	if err := triage.WriteCase(ctx, c, res, version, ropts); err != nil {
		return &exitError{exitUsage, err}
	}
	if !fl.quiet {
		out := cmd.OutOrStdout()
		if err := report.WriteSummary(out, res.Findings, ropts); err != nil {
			return &exitError{exitUsage, err}
		}
		if n := len(res.Findings.Skipped); n > 0 {
			fmt.Fprintf(out, "\n%d entries could not be read at all (listed under \"skipped\" in findings.json):\n", n)
			for i, p := range res.Findings.Skipped {
				if i == 5 {
					fmt.Fprintf(out, "  … and %d more\n", n-5)
					break
				}
				fmt.Fprintf(out, "  %s\n", report.Visible(p, 200))
			}
		}
		if n := len(res.Findings.RulesUnsupported); n > 0 {
			fmt.Fprintf(out, "\n%d rules could not be used (findings.json rules_unsupported; kizuki rules check explains each).\n", n)
		}
		fmt.Fprintf(out, "\nCase folder: %s (report.html, report.md, findings.json, timeline.csv)\n", fl.out)
	}
	for _, inc := range res.Findings.Incidents {
		if failRank >= 0 && detect.SeverityRank(inc.Severity) >= failRank {
			return &exitError{code: exitFindings}
		}
	}
	return nil
}

func failOnRank(s string) (int, error) {
	switch s {
	case "none":
		return -1, nil
	case "informational", "low", "medium", "high", "critical":
		return detect.SeverityRank(s), nil
	}
	return 0, usageErr("--fail-on %q: want low, medium, high, critical or none", s)
}
