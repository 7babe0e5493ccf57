package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kizuki-dfir/kizuki/format"
	_ "github.com/kizuki-dfir/kizuki/format/all"
)

func newFormatsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "formats",
		Short: "List the log formats kizuki decodes",
		Long: `List the log formats kizuki decodes. Each input's format is sniffed from its first
lines; --format NAME on "kizuki scan" forces one for every input.`,
		Example: `  kizuki formats
  kizuki scan --format syslog /var/log/secure --out case`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "FORMAT\tPARALLEL\tDESCRIPTION")
			for _, f := range format.All() {
				par := "in order"
				if f.Stateless {
					par = "by block"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\n", f.Name, par, f.Description)
			}
			return w.Flush()
		},
	}
}
