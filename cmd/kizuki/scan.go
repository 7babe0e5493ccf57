package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/kizuki-dfir/kizuki/format"
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

  CASE/findings.json   the findings (stable, documented schema)
  CASE/evidence/       manifest of inputs with hashes, custody journal

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
	f.StringVar(&fl.format, "format", "", "force this format for every input (see `kizuki formats`); default: sniff each input")
	f.StringVar(&fl.accessFormat, "access-format", "", "nginx log_format or Apache LogFormat string of the access logs")
	f.StringVar(&fl.tz, "tz", "UTC", "time zone of timestamps that carry none (IANA name, e.g. Asia/Tokyo)")
	f.Int64Var(&fl.maxBytes, "max-decompressed", source.DefaultMaxBytes, "cap on decompressed bytes per stream (decompression bombs are reported, not obeyed)")
	f.IntVar(&fl.maxLine, "max-line", scan.DefaultMaxLine, "longest line kept, in bytes; longer lines are cut and counted")
	f.IntVar(&fl.workers, "workers", 0, "decoding goroutines (default: number of CPUs)")
	f.BoolVarP(&fl.quiet, "quiet", "q", false, "no progress bar and no summary")
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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	prog := &scan.Progress{}
	cfg := triage.Config{
		Version:  version,
		TimeZone: loc.String(),
		Scan: scan.Config{
			Args:     args,
			Source:   source.Options{MaxBytes: fl.maxBytes, Stdin: cmd.InOrStdin()},
			Format:   fl.format,
			Decode:   format.Options{Location: loc, AccessFormat: fl.accessFormat},
			Workers:  fl.workers,
			MaxLine:  fl.maxLine,
			Progress: prog,
		},
	}
	res, err := triage.Run(ctx, cfg)
	if err != nil {
		return &exitError{exitUsage, err}
	}
	if err := os.MkdirAll(fl.out, 0o755); err != nil {
		return &exitError{exitUsage, err}
	}
	b, _ := json.MarshalIndent(res.Findings, "", "  ")
	if err := os.WriteFile(filepath.Join(fl.out, "findings.json"), append(b, '\n'), 0o644); err != nil {
		return &exitError{exitUsage, err}
	}
	if !fl.quiet {
		s := res.Findings.Summary
		fmt.Fprintf(cmd.OutOrStdout(), "%d inputs, %d lines, %d parsed, %d unparsed\n", s.Inputs, s.Lines, s.Parsed, s.Unparsed)
	}
	return nil
}
