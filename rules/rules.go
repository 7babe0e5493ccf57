// Package rules embeds kizuki's own rule pack: Sigma YAML rules for how the
// breaches kizuki exists for actually happened (web intrusion, password
// guessing, living off the land, destruction and theft of databases), each
// with its positive and negative test lines.
package rules

import "embed"

// FS holds the rule pack: one folder per log source family, *.yml files.
//
//go:embed */*.yml
var FS embed.FS
