// Package findings defines findings.json, kizuki's stable output contract:
// what was read, what fired, and the incidents with their forensic answers.
// Every other output (timeline, HTML and Markdown reports, terminal summary)
// renders from a Findings value; docs/FINDINGS.md documents every field.
//
// The document is deterministic: the same inputs, options and version give
// byte-identical JSON. Run time and host belong in the custody journal, not here.
package findings

import "time"

// Schema is the version of the findings.json layout. It changes only when a
// field changes meaning or disappears; added fields keep the version.
const Schema = 1

// Findings is the whole findings.json document.
type Findings struct {
	Schema    int        `json:"schema"`
	Tool      Tool       `json:"tool"`
	Options   Options    `json:"options"`
	Summary   Summary    `json:"summary"`
	Inputs    []Input    `json:"inputs"`
	Alerts    []Alert    `json:"alerts"`
	Incidents []Incident `json:"incidents"`
	// Skipped lists what the arguments named but could not be read at all:
	// dangling links, link loops, FIFOs met while walking a folder,
	// unreadable entries. Inputs that were read but had trouble carry their
	// problems in Inputs instead.
	Skipped []string `json:"skipped"`
	// RulesUnsupported lists the rules of the rule sources that cannot run,
	// with the reason (kizuki rules check gives the same list).
	RulesUnsupported []RuleProblem `json:"rules_unsupported"`
}

// RuleProblem is a rule that could not be used.
type RuleProblem struct {
	Path   string `json:"path"`
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

// Tool names the program that produced the findings.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Options records the scan options that change results.
type Options struct {
	TimeZone     string   `json:"time_zone"`               // zone assumed for timestamps without one
	Format       string   `json:"format,omitempty"`        // forced format, if any
	AccessFormat string   `json:"access_format,omitempty"` // custom log_format / LogFormat
	Rules        []string `json:"rules,omitempty"`         // rule sources: "builtin", user folders
	Paranoia     int      `json:"crs_paranoia,omitempty"`  // OWASP CRS paranoia level (0: CRS off)
}

// Summary holds totals across inputs.
type Summary struct {
	Inputs    int   `json:"inputs"`
	Bytes     int64 `json:"bytes"`
	Lines     int64 `json:"lines"`
	Parsed    int64 `json:"parsed"`
	Unparsed  int64 `json:"unparsed"`
	Events    int64 `json:"events"`
	Alerts    int   `json:"alerts"`
	Incidents int   `json:"incidents"`
}

// Input is the honest account of one input stream: a file, or one member of an
// archive.
type Input struct {
	Path        string     `json:"path"`                  // as given; archive members as "archive!member"
	SHA256      string     `json:"sha256"`                // of the stream's stored bytes
	SHA1        string     `json:"sha1,omitempty"`        //
	Bytes       int64      `json:"bytes"`                 // decompressed bytes read
	StoredBytes int64      `json:"stored_bytes"`          // bytes on disk (compressed size)
	Compression string     `json:"compression,omitempty"` // gzip, bzip2, xz, zstd
	Format      string     `json:"format"`                // decoder used
	Sniffed     bool       `json:"sniffed"`               // format chosen by sniffing (not --format)
	Lines       int64      `json:"lines"`
	Parsed      int64      `json:"parsed"`             // lines decoded into structured events (or continuing one)
	Unparsed    int64      `json:"unparsed"`           // lines kept as raw events
	Blank       int64      `json:"blank"`              // empty lines: lines = parsed + unparsed + blank
	Events      int64      `json:"events"`             // events emitted (multi-line records count once)
	FirstTime   *time.Time `json:"first_time"`         // earliest event time, null if none
	LastTime    *time.Time `json:"last_time"`          // latest event time, null if none
	Problems    []Problem  `json:"problems,omitempty"` // what could not be read, and how much
	Samples     []Sample   `json:"unparsed_samples,omitempty"`
}

// Problem is something wrong with an input: binary content, overlong lines,
// invalid UTF-8, truncation, a size cap reached. Count says how many times.
type Problem struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
	Count   int64  `json:"count"`
}

// Sample is an unparsed line kept for the report. Text is as read (capped);
// every renderer escapes it for its medium.
type Sample struct {
	Line int64  `json:"line"`
	Text string `json:"text"`
}

// Evidence cites the input line a claim rests on.
type Evidence struct {
	Path   string `json:"path"`
	Line   int64  `json:"line"`
	Offset int64  `json:"offset"`
	SHA256 string `json:"sha256"`
	Text   string `json:"text,omitempty"` // the line, capped
}

// Alert is one rule firing: a single event or a correlation over many.
type Alert struct {
	ID       string     `json:"id"` // stable: derived from rule and first evidence
	RuleID   string     `json:"rule_id"`
	Title    string     `json:"title"`
	Severity string     `json:"severity"` // informational, low, medium, high, critical
	Source   string     `json:"source"`   // "sigma", "crs", "correlation"
	Time     time.Time  `json:"time"`     // time of the first evidence
	Detected time.Time  `json:"detected"` // when the rule first fired: the event completing its first match
	LastTime time.Time  `json:"last_time"`
	Actor    string     `json:"actor"` // source address or account the alert is about
	User     string     `json:"user,omitempty"`
	Count    int        `json:"count"` // events behind the alert
	Attack   []string   `json:"attack"`
	Tactics  []string   `json:"tactics"`
	Detail   string     `json:"detail,omitempty"`
	Evidence []Evidence `json:"evidence"`
}

// Incident is one intrusion: the activity of one attacker, linked across
// sources, with the answers an investigator must give.
type Incident struct {
	ID                string     `json:"id"`
	Title             string     `json:"title"`
	Severity          string     `json:"severity"`
	Confidence        string     `json:"confidence"` // low, medium, high
	ConfidenceReasons []string   `json:"confidence_reasons"`
	Actors            []Actor    `json:"actors"`
	EntryKind         string     `json:"entry_kind"` // sql_injection, command_injection, path_traversal, remote_file_inclusion, php_injection, web_shell, web_exploit, password_guessing, valid_account; "" when no entry was found
	EntryVector       *Step      `json:"entry_vector"`
	Recon             []Step     `json:"reconnaissance"`
	FirstSeen         time.Time  `json:"first_seen"`
	LastSeen          time.Time  `json:"last_seen"`
	DwellSeconds      int64      `json:"dwell_seconds"`
	FirstAlert        *time.Time `json:"first_high_alert"`
	DetectSeconds     int64      `json:"time_to_detect_seconds"`
	Tactics           []Tactic   `json:"tactics"`
	DataOutBytes      int64      `json:"data_out_bytes"`
	RecordsRead       int64      `json:"records_read"`
	RecordsDestroyed  int64      `json:"records_destroyed"`
	FilesDownloaded   []string   `json:"files_downloaded"`
	AffectedConfirmed int64      `json:"affected_confirmed"`
	AffectedPossible  int64      `json:"affected_possible"`
	AffectedBasis     []string   `json:"affected_basis"`
	Alerts            []string   `json:"alerts"` // alert ids
	Timeline          []Step     `json:"timeline"`
	Evidence          []Evidence `json:"evidence"`
}

// Actor is one identity of the attacker: an address, an account, a session,
// a web shell.
type Actor struct {
	Kind  string `json:"kind"` // ip, user, session, webshell, db_connection
	Value string `json:"value"`
}

// Step is one dated statement in an incident, with its evidence. What is the
// statement in English; Code and Args say the same in a form a renderer can
// translate (docs/FINDINGS.md lists the codes). Steps made from alerts have
// no code: their text is the rule's title.
type Step struct {
	Time     time.Time         `json:"time"`
	Tactic   string            `json:"tactic,omitempty"`
	Attack   []string          `json:"attack,omitempty"`
	What     string            `json:"what"`
	Code     string            `json:"code,omitempty"`
	Args     map[string]string `json:"args,omitempty"`
	Evidence []Evidence        `json:"evidence"`
}

// Tactic is one ATT&CK tactic observed in an incident, with its techniques and
// when it happened.
type Tactic struct {
	ID         string    `json:"id"`   // TA0001
	Name       string    `json:"name"` // Initial Access
	Techniques []string  `json:"techniques"`
	First      time.Time `json:"first"`
	Last       time.Time `json:"last"`
}
