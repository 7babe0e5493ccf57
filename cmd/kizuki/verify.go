package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kizuki-dfir/kizuki/evidence"
	"github.com/kizuki-dfir/kizuki/report"
)

func newVerifyCmd() *cobra.Command {
	var inputs, asJSON bool
	cmd := &cobra.Command{
		Use:   "verify CASE",
		Short: "Check a case folder: custody journal chain, output hashes, and (with --inputs) the original logs",
		Long: `Verify re-checks a case folder written by "kizuki scan":

  - the custody journal (evidence/journal.jsonl): every entry carries the SHA-256
    of the one before it, so an edited or removed entry breaks the chain;
  - the outputs (findings.json, timeline.csv, report.html, report.md and the
    manifest) against the hashes sealed in the journal's last "outputs" entry;
  - with --inputs, the original input files against the SHA-256 and SHA-1 in
    evidence/manifest.json, re-read from their recorded paths.

It prints one line per check and exits 0 when everything matches, 1 when
anything does not, 2 when CASE is not a case folder.`,
		Example: `  kizuki verify case-web01
  kizuki verify case-web01 --inputs     # also re-hash the original logs`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := evidence.Verify(args[0], inputs)
			if err != nil {
				return &exitError{exitUsage, err}
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(v); err != nil {
					return err
				}
			} else {
				for _, c := range v.Checks {
					mark := "ok      "
					if !c.OK {
						mark = "MISMATCH"
					}
					fmt.Fprintf(out, "%s  %s: %s\n", mark, report.Visible(c.What, 200), report.Visible(c.Detail, 300))
				}
			}
			if !v.OK() {
				if !asJSON {
					fmt.Fprintln(out, "verification FAILED")
				}
				return &exitError{code: exitFindings}
			}
			if !asJSON {
				fmt.Fprintln(out, "verification passed")
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&inputs, "inputs", false, "also re-hash the original input files")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the checks as JSON")
	return cmd
}
