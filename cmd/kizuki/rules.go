package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kizuki-dfir/kizuki/attack"
	"github.com/kizuki-dfir/kizuki/detect"
	"github.com/kizuki-dfir/kizuki/report"
	"github.com/kizuki-dfir/kizuki/rules"
	"github.com/kizuki-dfir/kizuki/sigma"
)

func newRulesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List, check and test Sigma rules (the built-in pack or your own)",
		Long: `kizuki detects with Sigma rules (https://sigmahq.io): a built-in pack for how
small organisations are actually breached, plus any folder of rules you bring
(scan --rules DIR), such as a SigmaHQ checkout. These commands show what a rule
set holds, which rules kizuki can run and why not, and run rules' own tests.`,
		Example: `  kizuki rules list
  kizuki rules check ~/sigma/rules/linux ~/sigma/rules/web
  kizuki rules check --json my-rules/ | jq .unsupported
  kizuki rules test`,
	}
	cmd.AddCommand(newRulesListCmd(), newRulesCheckCmd(), newRulesTestCmd())
	return cmd
}

// ruleSources returns the built-in pack when no folder is named.
func ruleSources(dirs []string) ([]detect.RuleSource, error) {
	if len(dirs) == 0 {
		return []detect.RuleSource{{Name: "builtin", FS: rules.FS}}, nil
	}
	var srcs []detect.RuleSource
	for _, d := range dirs {
		s, err := detect.DirSource(d)
		if err != nil {
			return nil, usageErr("%v", err)
		}
		srcs = append(srcs, s)
	}
	return srcs, nil
}

// loadRules parses the rules of the named folders (the built-in pack when
// none is named).
func loadRules(dirs []string) (*detect.Loaded, error) {
	srcs, err := ruleSources(dirs)
	if err != nil {
		return nil, err
	}
	loaded, err := detect.LoadRules(srcs...)
	if err != nil {
		return nil, &exitError{exitUsage, err}
	}
	return loaded, nil
}

func newRulesListCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "list [DIR...]",
		Short:   "List rules: id, level, ATT&CK, log source, title",
		Example: "  kizuki rules list\n  kizuki rules list ~/sigma/rules/web",
		RunE: func(cmd *cobra.Command, args []string) error {
			loaded, err := loadRules(args)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tLEVEL\tATT&CK\tLOG SOURCE\tTITLE")
			for _, r := range loaded.Rules {
				if r.Filter != nil {
					continue
				}
				tactics, techniques := attack.FromTags(r.Tags)
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", clip(r.ID, 36), r.Level, strings.Join(append(tactics, techniques...), ","),
					clip(r.LogSource.String(), 40), clip(r.Title, 80))
			}
			return w.Flush()
		},
	}
}

func clip(s string, n int) string { return report.Visible(s, n) }

func newRulesCheckCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "check [PATH...]",
		Short: "Compile rules and report every one kizuki cannot run, with the reason",
		Long: `Check parses and compiles every rule (*.yml, *.yaml) under the given folders (the
built-in pack when none is given), prints a summary and each rule that cannot be
used with its file and the precise reason, and exits 1 if any rule failed.`,
		Example: `  kizuki rules check ~/sigma/rules/linux ~/sigma/rules/web
  kizuki rules check --json rules/ > check.json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			loaded, err := loadRules(args)
			if err != nil {
				return err
			}
			rs, unsupported := sigma.Compile(loaded.Rules, sigma.DefaultPipeline())
			unsupported = append(loaded.ParseErrors, unsupported...)
			sort.SliceStable(unsupported, func(i, j int) bool { return unsupported[i].Path < unsupported[j].Path })
			total := len(rs.Rules()) + len(unsupported)
			out := cmd.OutOrStdout()
			if asJSON {
				type item struct {
					Path   string `json:"path"`
					ID     string `json:"id"`
					Reason string `json:"reason"`
				}
				doc := struct {
					Total       int    `json:"total"`
					Compiled    int    `json:"compiled"`
					Unsupported []item `json:"unsupported"`
				}{Total: total, Compiled: len(rs.Rules()), Unsupported: []item{}}
				for _, u := range unsupported {
					doc.Unsupported = append(doc.Unsupported, item{u.Path, u.ID, u.Reason})
				}
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(doc); err != nil {
					return err
				}
			} else {
				for _, u := range unsupported {
					fmt.Fprintf(out, "%s: %s\n", report.Visible(u.Path, 200), report.Visible(u.Reason, 300))
				}
				fmt.Fprintf(out, "%d rules: %d compiled, %d cannot be used\n", total, len(rs.Rules()), len(unsupported))
			}
			if len(unsupported) > 0 {
				return &exitError{code: exitFindings}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, `print {"total", "compiled", "unsupported": [{"path", "id", "reason"}]}`)
	return cmd
}

func newRulesTestCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "test [DIR...]",
		Short: "Run each rule's own test cases (the tests: attribute)",
		Long: `Test runs the positive and negative test lines each rule carries under its
"tests" attribute (format, match, nomatch), decoding them with kizuki's decoders
exactly as a scan would. It exits 1 if any case fails.`,
		Example: "  kizuki rules test\n  kizuki rules test my-rules/",
		RunE: func(cmd *cobra.Command, args []string) error {
			srcs, err := ruleSources(args)
			if err != nil {
				return err
			}
			results, err := detect.RunRuleTests(srcs...)
			if err != nil {
				return &exitError{exitUsage, err}
			}
			out := cmd.OutOrStdout()
			failed, cases := 0, 0
			for _, r := range results {
				cases += r.Cases
				if len(r.Failures) == 0 {
					continue
				}
				failed++
				fmt.Fprintf(out, "FAIL %s (%s)\n", report.Visible(r.Path, 200), report.Visible(r.Title, 100))
				for _, f := range r.Failures {
					fmt.Fprintf(out, "     %s\n", report.Visible(f, 300))
				}
			}
			fmt.Fprintf(out, "%d rules tested, %d cases: %d passed, %d failed\n", len(results), cases, len(results)-failed, failed)
			if failed > 0 {
				return &exitError{code: exitFindings}
			}
			return nil
		},
	}
}
