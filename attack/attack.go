// Package attack holds the MITRE ATT&CK (Enterprise) vocabulary kizuki reports
// in: tactics with their ids, names and kill-chain order, and the parsing of
// Sigma's attack.* tags into them.
package attack

import (
	"sort"
	"strings"
)

// Tactic is an ATT&CK tactic.
type Tactic struct {
	ID    string // TA0001
	Name  string // Initial Access
	Short string // initial-access (the Sigma tag form)
	Order int    // position in the attack lifecycle, for phase ordering
}

// Tactics in lifecycle order (ATT&CK Enterprise v15).
var Tactics = []Tactic{
	{"TA0043", "Reconnaissance", "reconnaissance", 1},
	{"TA0042", "Resource Development", "resource-development", 2},
	{"TA0001", "Initial Access", "initial-access", 3},
	{"TA0002", "Execution", "execution", 4},
	{"TA0003", "Persistence", "persistence", 5},
	{"TA0004", "Privilege Escalation", "privilege-escalation", 6},
	{"TA0005", "Defense Evasion", "defense-evasion", 7},
	{"TA0006", "Credential Access", "credential-access", 8},
	{"TA0007", "Discovery", "discovery", 9},
	{"TA0008", "Lateral Movement", "lateral-movement", 10},
	{"TA0009", "Collection", "collection", 11},
	{"TA0011", "Command and Control", "command-and-control", 12},
	{"TA0010", "Exfiltration", "exfiltration", 13},
	{"TA0040", "Impact", "impact", 14},
}

var byShort, byID = func() (map[string]Tactic, map[string]Tactic) {
	s, i := map[string]Tactic{}, map[string]Tactic{}
	for _, t := range Tactics {
		s[t.Short] = t
		i[t.ID] = t
	}
	return s, i
}()

// ByID returns the tactic with the given id (TA0001).
func ByID(id string) (Tactic, bool) {
	t, ok := byID[strings.ToUpper(id)]
	return t, ok
}

// ByShort returns the tactic with the given Sigma tag name (initial-access).
func ByShort(short string) (Tactic, bool) {
	t, ok := byShort[strings.ReplaceAll(strings.ToLower(short), "_", "-")]
	return t, ok
}

// FromTags splits Sigma tags ("attack.initial-access", "attack.t1190",
// "attack.t1059.004") into tactic ids and technique ids, each sorted and
// without duplicates. Other tags (cve.*, car.*, detection.*) are ignored.
func FromTags(tags []string) (tactics, techniques []string) {
	seenT, seenQ := map[string]bool{}, map[string]bool{}
	for _, tag := range tags {
		rest, ok := strings.CutPrefix(strings.ToLower(tag), "attack.")
		if !ok {
			continue
		}
		if isTechnique(rest) {
			id := strings.ToUpper(rest)
			if !seenQ[id] {
				seenQ[id] = true
				techniques = append(techniques, id)
			}
			continue
		}
		if t, ok := ByShort(rest); ok && !seenT[t.ID] {
			seenT[t.ID] = true
			tactics = append(tactics, t.ID)
		}
	}
	sort.Strings(tactics)
	sort.Strings(techniques)
	return tactics, techniques
}

// isTechnique reports whether s looks like t1234 or t1234.001.
func isTechnique(s string) bool {
	if len(s) < 5 || s[0] != 't' {
		return false
	}
	for i, c := range s[1:] {
		if c == '.' && i == 4 {
			continue
		}
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// OrderOf returns a tactic id's lifecycle position (unknown ids sort last).
func OrderOf(id string) int {
	if t, ok := byID[id]; ok {
		return t.Order
	}
	return 99
}
