// Package sigma parses Sigma rules (detection rules, correlation rules and
// global filters, specification 2.1) and compiles them into matchers over
// kizuki's normalised event.Event.
//
// A Pipeline (data: pipelines/kizuki.yaml, embedded) says which events each
// Sigma log source applies to and which event field each Sigma field name
// reads. Compile resolves every field once; Match routes an event by kind and
// dataset to the rules of its log source, runs one Aho-Corasick scan of the
// folded field values to find the rules that can possibly match, and
// evaluates only those. Match is safe for concurrent use and does not
// allocate when nothing matches. A Correlator buffers the matches of the
// rules correlation rules read and evaluates them at Finish, in time order,
// so results do not depend on the order events arrive in.
//
// Supported:
//   - documents: multi-document files, action: global / reset / repeat,
//     correlation rules (chained by name or id), global filters (the filter
//     condition is AND-ed to the named rules' condition, as in pySigma);
//   - detection: maps (AND), lists of maps (OR), value lists (OR, AND with
//     |all), keyword lists and '|all' keywords, null, ” and numbers;
//   - wildcards * and ? with \ escapes (\*, \?, \\), case-insensitive by
//     default (Unicode simple folding), |cased for exact case;
//   - modifiers: contains startswith endswith all cased exists neq re (with
//     i, m, s) cidr base64 base64offset utf16le utf16be utf16 wide windash
//     gt gte lt lte minute hour day week month year fieldref expand (values
//     come from the pipeline's placeholders; a placeholder without values
//     makes the rule unsupported);
//   - conditions: and, or, not, parentheses, "1 of x*", "all of x*",
//     "1 of them", "all of them", several conditions (OR-ed), with
//     precedence or < and < not;
//   - correlations: event_count, value_count, temporal, temporal_ordered,
//     value_sum, value_avg; group-by, timespan, conditions gt gte lt lte eq
//     neq (AND-ed), aliases, generate.
//
// Limits (each reported by Compile as Unsupported with its reason, never
// silently skipped): regular expressions RE2 cannot compile (look-around,
// back-references); value_percentile correlations; the obsolete Sigma 1.0
// aggregation syntax ("| count() by x > 5"); log sources the pipeline does
// not map or marks unsupported (Linux file_event and network_connection:
// kizuki reads logs, not EDR telemetry); fields the pipeline marks
// unavailable or cannot map. Keyword searches look in the fields the
// pipeline lists for the log source (event.original, or db.statement).
// Correlations ignore events without a time and events lacking a group-by
// value. Regular expressions use Go's regexp (linear time).
//
// Semantics worth knowing:
//   - a field test on an absent field is false (so "not sel" is true);
//     null and the empty value match absent or empty fields; neq matches absent fields;
//   - keywords are substring searches (as if wrapped in *);
//   - correlation windows are anchored at each event of a group: a window
//     is [t, t+timespan]. Lower bounds (gt, gte) fire at the event that
//     reaches them (Last) and report the whole window as evidence; upper
//     bounds (lt, lte, eq, neq) and value_avg are tested on the whole window,
//     so "lt 5" holds for any window with fewer than 5 events. After a match
//     the next window starts after it, so a burst yields one match;
//   - chained correlations see each inner match as one event at its Last
//     time, carrying its group values and evidence;
//   - the prefilter folds with Unicode simple lower-casing; a (?i) regular
//     expression can also match the few characters that fold differently
//     (ſ for s, K for k), which the prefilter does not see.
package sigma
