package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kizuki-dfir/kizuki/detect"
	"github.com/kizuki-dfir/kizuki/detect/crs"
	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/findings"
	"github.com/kizuki-dfir/kizuki/format"
	"github.com/kizuki-dfir/kizuki/report"
	"github.com/kizuki-dfir/kizuki/rules"
	"github.com/kizuki-dfir/kizuki/sigma"
)

func newExplainCmd() *cobra.Command {
	var ruleRef, formatName, tz string
	var ruleDirs []string
	cmd := &cobra.Command{
		Use:   "explain (CASE ALERT-ID | --rule RULE --format FORMAT LINE...)",
		Short: "Show why a rule fired (or did not) on a log line",
		Long: `Explain shows which parts of a rule matched which fields of an event, so you can
see why an alert fired — or why a line you expected to be caught was not.

With a case folder and an alert id (from findings.json or report.html), it takes
the alert's first evidence line from its input, decodes it again, and explains
the alert's rule. For OWASP CRS alerts it lists the CRS rules that matched and
the bytes they matched.

With --rule (an id from "kizuki rules list", or a rule file) and --format, it
decodes the given lines and explains the rule on each.`,
		Example: `  kizuki explain case-web01 A0004-3e2c7609
  kizuki explain --rule 0c6d3b49-6a43-4f3f-8f0a-3c2f1d5e7a11 --format access.combined \
    '203.0.113.7 - - [19/May/2025:03:12:44 +0000] "GET /search.php?q=1%27%20union%20select%201 HTTP/1.1" 200 5 "-" "curl/8"'
  kizuki explain --rule my-rules/ssh.yml --format syslog "$(sed -n 120p auth.log)"`,
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			if ruleRef != "" {
				if formatName == "" || len(args) == 0 {
					return usageErr("--rule needs --format and at least one log line")
				}
				rule, err := findRule(ruleRef, ruleDirs)
				if err != nil {
					return err
				}
				for _, line := range args {
					evs, err := decode(formatName, line)
					if err != nil {
						return usageErr("%v", err)
					}
					for i := range evs {
						printExplanation(out, detect.Explain(rule, &evs[i], sigma.DefaultPipeline()), &evs[i])
					}
				}
				return nil
			}
			if len(args) != 2 {
				return usageErr("give a case folder and an alert id, or --rule, --format and lines")
			}
			return explainAlert(out, args[0], args[1], ruleDirs)
		},
	}
	f := cmd.Flags()
	f.StringVar(&ruleRef, "rule", "", "rule id (see kizuki rules list) or rule file")
	f.StringVar(&formatName, "format", "", "format of the given lines (see kizuki formats)")
	f.StringArrayVar(&ruleDirs, "rules", nil, "also look for the rule in this folder; repeatable")
	f.StringVar(&tz, "tz", "UTC", "time zone of timestamps that carry none")
	return cmd
}

// findRule finds a rule by id among the built-in pack and the given folders,
// or reads it from a file.
func findRule(ref string, dirs []string) (*sigma.Rule, error) {
	if st, err := os.Stat(ref); err == nil && !st.IsDir() {
		data, err := os.ReadFile(ref)
		if err != nil {
			return nil, usageErr("%v", err)
		}
		rs, err := sigma.ParseFile(ref, data)
		if err != nil || len(rs) == 0 {
			return nil, usageErr("%s: %v", ref, err)
		}
		return rs[0], nil
	}
	srcs := []detect.RuleSource{{Name: "builtin", FS: rules.FS}}
	for _, d := range dirs {
		s, err := detect.DirSource(d)
		if err != nil {
			return nil, usageErr("%v", err)
		}
		srcs = append(srcs, s)
	}
	loaded, err := detect.LoadRules(srcs...)
	if err != nil {
		return nil, &exitError{exitUsage, err}
	}
	for _, r := range loaded.Rules {
		if r.ID == ref || r.Name == ref {
			return r, nil
		}
	}
	return nil, usageErr("no rule %q in the built-in pack%s", ref, map[bool]string{true: " or the --rules folders", false: ""}[len(dirs) > 0])
}

// decode decodes one or more lines given on the command line.
func decode(formatName, text string) ([]event.Event, error) {
	return format.DecodeLines(formatName, format.Options{}, strings.Split(strings.TrimRight(text, "\n"), "\n"))
}

func explainAlert(out io.Writer, caseDir, id string, dirs []string) error {
	data, err := os.ReadFile(filepath.Join(caseDir, "findings.json"))
	if err != nil {
		return usageErr("%s is not a case folder: %v", caseDir, err)
	}
	var f findings.Findings
	if err := json.Unmarshal(data, &f); err != nil {
		return usageErr("findings.json: %v", err)
	}
	var alert *findings.Alert
	for i := range f.Alerts {
		if f.Alerts[i].ID == id || strings.HasPrefix(f.Alerts[i].ID, id+"-") {
			alert = &f.Alerts[i]
		}
	}
	if alert == nil {
		return usageErr("no alert %q in %s", id, caseDir)
	}
	fmt.Fprintf(out, "Alert %s: %s (%s, %s), actor %s, %d events\n", alert.ID, vis(alert.Title), alert.Severity, alert.Source, vis(alert.Actor), alert.Count)
	if len(alert.Evidence) == 0 || alert.Evidence[0].Text == "" {
		fmt.Fprintln(out, "The alert cites no line text to decode again.")
		return nil
	}
	e := alert.Evidence[0]
	formatName := ""
	for _, in := range f.Inputs {
		if in.Path == e.Path {
			formatName = in.Format
		}
	}
	fmt.Fprintf(out, "Evidence: %s:%d (sha256 %s)\n  %s\n", vis(e.Path), e.Line, e.SHA256, vis(e.Text))
	evs, err := decode(formatName, e.Text)
	if err != nil || len(evs) == 0 {
		return usageErr("cannot decode the evidence line as %q: %v", formatName, err)
	}
	ev := &evs[0]
	switch alert.Source {
	case "crs":
		c, err := crs.New(crs.Options{Paranoia: max(f.Options.Paranoia, 1)})
		if err != nil {
			return &exitError{exitUsage, err}
		}
		v := c.Check(ev)
		fmt.Fprintf(out, "OWASP CRS anomaly score %d (threshold %d):\n", v.Score, crs.InboundThreshold)
		for _, h := range v.Hits {
			fmt.Fprintf(out, "  %d  %-8s %-14s %s\n      matched: %s\n", h.RuleID, h.Severity, h.Class, vis(h.Message), vis(h.Data))
		}
		return nil
	case "correlation":
		rule, err := findRule(alert.RuleID, dirs)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "Correlation %s over %s: %s\n", rule.Correlation.Type, strings.Join(rule.Correlation.Rules, ", "), vis(alert.Detail))
		for _, base := range rule.Correlation.Rules {
			if r, err := findRule(base, dirs); err == nil && r.Detection != nil {
				printExplanation(out, detect.Explain(r, ev, sigma.DefaultPipeline()), ev)
			}
		}
		return nil
	}
	rule, err := findRule(alert.RuleID, dirs)
	if err != nil {
		return err
	}
	printExplanation(out, detect.Explain(rule, ev, sigma.DefaultPipeline()), ev)
	return nil
}

func vis(s string) string { return report.Visible(s, 300) }

func mark(ok bool) string {
	if ok {
		return "✓"
	}
	return "✗"
}

func printExplanation(out io.Writer, x detect.Explanation, ev *event.Event) {
	fmt.Fprintf(out, "\nRule %s — %s (%s)\n", x.Rule.ID, vis(x.Rule.Title), vis(x.Rule.Path))
	if x.Reason != "" {
		fmt.Fprintf(out, "  %s\n", vis(x.Reason))
		return
	}
	verdict := "DOES NOT MATCH"
	if x.Matched {
		verdict = "MATCHES"
	}
	fmt.Fprintf(out, "  %s: condition %s, log source %s (%s)\n", verdict, mark(x.Condition), mark(x.Routed), x.Rule.LogSource)
	fmt.Fprintf(out, "  condition: %s\n", vis(strings.Join(x.Rule.Detection.Conditions, " | ")))
	for _, s := range x.Searches {
		fmt.Fprintf(out, "  %s %s\n", mark(s.Matched), vis(s.Name))
		for _, t := range s.Tests {
			fmt.Fprintf(out, "      %s [%d] %s\n", mark(t.Matched), t.Branch, vis(t.Test))
		}
	}
	fmt.Fprintf(out, "  event (%s, %s):\n", ev.Kind, vis(ev.Dataset))
	for _, kv := range detect.Fields(ev) {
		fmt.Fprintf(out, "      %-28s %s\n", kv.Key, report.Visible(kv.Value, 160))
	}
}
