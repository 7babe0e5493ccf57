package investigate

import (
	"cmp"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/kizuki-dfir/kizuki/attack"
	"github.com/kizuki-dfir/kizuki/detect"
	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/findings"
)

// Linking windows. Database statements belong to the intrusion whose
// activity they follow most closely, within dbWindow; an account's privileged
// commands belong to the intrusion that logged into it, until sessionWindow
// after its last activity.
const (
	dbWindow = 30 * time.Minute
	// capabilityPenalty is how much nearer in time an intrusion that could
	// not have sent a database statement must be to get it anyway.
	capabilityPenalty = 5 * time.Minute
	sessionWindow     = time.Hour
	maxSteps          = 300
	maxIncEvid        = 200
)

// cluster is one candidate intrusion: actors linked together, and what
// they did.
type cluster struct {
	nodes    map[string]bool // "ip:…", "user:…", "shell:…", "db:…"
	alerts   []findings.Alert
	notables []notable
	first    time.Time
	last     time.Time
}

// unionFind links actor nodes.
type unionFind map[string]string

func (u unionFind) find(x string) string {
	if _, ok := u[x]; !ok {
		u[x] = x
	}
	for u[x] != x {
		u[x] = u[u[x]]
		x = u[x]
	}
	return x
}

func (u unionFind) union(a, b string) {
	ra, rb := u.find(a), u.find(b)
	if ra != rb {
		// The smaller name becomes the root, so the result does not depend on
		// the order links were found in.
		if rb < ra {
			ra, rb = rb, ra
		}
		u[rb] = ra
	}
}

// isDBAlert reports whether an alert's evidence comes from a database log.
func (x *Investigation) isDBAlert(a findings.Alert) bool {
	for _, e := range a.Evidence {
		f := x.inputs[e.Path].Format
		if strings.HasPrefix(f, "mysql") || strings.HasPrefix(f, "mariadb") || strings.HasPrefix(f, "postgres") {
			return true
		}
	}
	return false
}

// Incidents links, scores and answers. c is the second pass's collector, or
// nil when the inputs could not be read twice (standard input): the answers
// then rest on the alerts alone. pathOf resolves the second pass's input ids.
func (x *Investigation) Incidents(c *Collector, pathOf func(int32) (string, string)) []findings.Incident {
	fa := &facts{ips: map[string]*ipFacts{}, shells: map[string]*shellFacts{}}
	if c != nil {
		fa = c.facts(func(id int32) string { p, _ := pathOf(id); return p })
	}
	cite := func(r event.Ref, text string) findings.Evidence {
		p, sha := pathOf(r.Input)
		return findings.Evidence{Path: p, Line: r.Line, Offset: r.Offset, SHA256: sha, Text: text}
	}

	uf := unionFind{}
	nodeOf := func(a findings.Alert) string {
		switch {
		case x.isDBAlert(a):
			// A database sees the application server (or a local client), not
			// the attacker: its alerts join an intrusion by time, below.
			return "db:" + cmp.Or(a.User, a.Actor)
		case isIP(a.Actor):
			return "ip:" + a.Actor
		case a.Actor != "":
			return "user:" + a.Actor
		}
		return "unknown:"
	}
	var dbAlerts []findings.Alert
	var alertNodes []string
	for _, a := range x.f.Alerts {
		n := nodeOf(a)
		if strings.HasPrefix(n, "db:") {
			dbAlerts = append(dbAlerts, a)
			continue
		}
		uf.find(n)
		alertNodes = append(alertNodes, n)
		if strings.HasPrefix(n, "ip:") && a.User != "" && (hasTactic(a, "TA0001") || hasTactic(a, "TA0006")) {
			uf.union(n, "user:"+a.User)
		}
		if isWebShellAlert(a) {
			for _, e := range a.Evidence {
				if ev := x.decode(e); ev != nil && ev.URL != "" {
					uf.union(n, "shell:"+urlPath(ev.URL))
				}
			}
		}
	}
	// An account logged into from a suspect address is the attacker's too.
	logins := map[string][]login{} // user → logins from suspect addresses
	ipList := make([]string, 0, len(fa.ips))
	for ip := range fa.ips {
		ipList = append(ipList, ip)
	}
	sort.Strings(ipList)
	for _, ip := range ipList {
		for _, l := range fa.ips[ip].sshSuccesses {
			if _, known := uf["ip:"+ip]; known && l.user != "" {
				uf.union("ip:"+ip, "user:"+l.user)
				logins[l.user] = append(logins[l.user], l)
			}
		}
	}
	for _, ls := range logins {
		slices.SortFunc(ls, func(a, b login) int { return a.time.Compare(b.time) })
	}
	shellPaths := make([]string, 0, len(fa.shells))
	for p := range fa.shells {
		shellPaths = append(shellPaths, p)
	}
	sort.Strings(shellPaths)
	for _, p := range shellPaths {
		ips := make([]string, 0, len(fa.shells[p].ips))
		for ip := range fa.shells[p].ips {
			ips = append(ips, ip)
		}
		sort.Strings(ips)
		for _, ip := range ips {
			if _, known := uf["ip:"+ip]; known {
				uf.union("shell:"+p, "ip:"+ip)
			}
		}
	}

	clusters := map[string]*cluster{}
	get := func(node string) *cluster {
		root := uf.find(node)
		cl := clusters[root]
		if cl == nil {
			cl = &cluster{nodes: map[string]bool{}}
			clusters[root] = cl
		}
		cl.nodes[node] = true
		return cl
	}
	ai := 0
	for _, a := range x.f.Alerts {
		n := nodeOf(a)
		if strings.HasPrefix(n, "db:") {
			continue
		}
		get(alertNodes[ai]).alerts = append(get(alertNodes[ai]).alerts, a)
		ai++
	}
	for node := range uf {
		get(node)
	}
	roots := make([]string, 0, len(clusters))
	for r := range clusters {
		roots = append(roots, r)
	}
	sort.Strings(roots)

	// Time spans from alerts and address facts.
	for _, r := range roots {
		cl := clusters[r]
		for _, a := range cl.alerts {
			cl.span(a.Time)
			cl.span(a.LastTime)
		}
		for n := range cl.nodes {
			if ip, ok := strings.CutPrefix(n, "ip:"); ok {
				if f := fa.ips[ip]; f != nil {
					cl.span(f.first)
					cl.span(f.last)
				}
			}
		}
	}
	// Privileged activity of the accounts each intrusion logged into.
	for _, nb := range fa.notable {
		if nb.kind == "db_destroy" || nb.kind == "db_read" {
			continue
		}
		for _, who := range []string{nb.user} {
			ls := logins[who]
			if who == "" || len(ls) == 0 {
				continue
			}
			cl := clusters[uf.find("user:"+who)]
			if cl == nil || nb.time.Before(ls[0].time) || nb.time.After(cl.last.Add(sessionWindow)) {
				continue
			}
			cl.notables = append(cl.notables, nb)
		}
	}
	for _, r := range roots {
		cl := clusters[r]
		for _, nb := range cl.notables {
			cl.span(nb.time)
		}
		for n := range cl.nodes {
			if p, ok := strings.CutPrefix(n, "shell:"); ok {
				if s := fa.shells[p]; s != nil {
					cl.notables = append(cl.notables, s.cmds...)
					cl.span(s.first)
					cl.span(s.last)
				}
			}
		}
	}
	// Database statements and alerts go to the intrusion whose activity is
	// nearest in time among those that could have sent them: injected SQL
	// comes through a web SQL injection; bulk reads and destruction through a
	// shell (an SSH login, a web shell). Only when no intrusion has that
	// capability does any nearby one do.
	activity := map[*cluster][]time.Time{}
	for _, r := range roots {
		cl := clusters[r]
		var ts []time.Time
		for _, a := range cl.alerts {
			ts = append(ts, a.Time, a.Detected, a.LastTime)
		}
		for _, nb := range cl.notables {
			ts = append(ts, nb.time)
		}
		activity[cl] = ts
	}
	hasSQLi := func(cl *cluster) bool {
		for _, a := range cl.alerts {
			if exploitKind(a) == "sql_injection" {
				return true
			}
		}
		return false
	}
	hasShell := func(cl *cluster) bool {
		for n := range cl.nodes {
			if strings.HasPrefix(n, "user:") || strings.HasPrefix(n, "shell:") {
				return true
			}
		}
		return false
	}
	attach := func(t time.Time, injected bool) *cluster {
		var best *cluster
		var bestScore time.Duration
		for _, r := range roots {
			cl := clusters[r]
			if cl.first.IsZero() || len(cl.alerts) == 0 || t.Before(cl.first.Add(-time.Minute)) || t.After(cl.last.Add(dbWindow)) {
				continue
			}
			score := time.Duration(1<<62 - 1)
			for _, at := range activity[cl] {
				if !at.IsZero() {
					score = min(score, max(at.Sub(t), t.Sub(at)))
				}
			}
			// An intrusion able to send the statement wins over one merely
			// nearer in time, unless the capable one is minutes away.
			if fit := (injected && hasSQLi(cl)) || (!injected && hasShell(cl)); !fit {
				score += capabilityPenalty
			}
			if best == nil || score < bestScore {
				best, bestScore = cl, score
			}
		}
		return best
	}
	for _, nb := range fa.notable {
		if nb.kind != "db_destroy" && nb.kind != "db_read" {
			continue
		}
		if cl := attach(nb.time, injectedSQL(nb.text)); cl != nil {
			cl.notables = append(cl.notables, nb)
		}
	}
	for _, a := range dbAlerts {
		cl := attach(a.Time, exploitKind(a) == "sql_injection" || strings.Contains(strings.ToLower(a.Title), "injection"))
		if cl == nil {
			cl = get("db:" + cmp.Or(a.User, a.Actor))
			if !slices.Contains(roots, uf.find("db:"+cmp.Or(a.User, a.Actor))) {
				roots = append(roots, uf.find("db:"+cmp.Or(a.User, a.Actor)))
			}
		}
		cl.alerts = append(cl.alerts, a)
		cl.span(a.Time)
	}

	var out []findings.Incident
	for _, r := range roots {
		cl := clusters[r]
		if inc, ok := x.answer(cl, fa, logins, cite); ok {
			out = append(out, inc)
		}
	}
	slices.SortFunc(out, func(a, b findings.Incident) int {
		return cmp.Or(a.FirstSeen.Compare(b.FirstSeen), cmp.Compare(a.Title, b.Title))
	})
	for i := range out {
		out[i].ID = fmt.Sprintf("I%03d", i+1)
	}
	return out
}

func (cl *cluster) span(t time.Time) {
	if t.IsZero() {
		return
	}
	if cl.first.IsZero() || t.Before(cl.first) {
		cl.first = t
	}
	if t.After(cl.last) {
		cl.last = t
	}
}

// answer decides whether a cluster is an incident and, if so, answers the
// investigation's questions about it.
func (x *Investigation) answer(cl *cluster, fa *facts, logins map[string][]login, cite func(event.Ref, string) findings.Evidence) (findings.Incident, bool) {
	if len(cl.alerts) == 0 {
		return findings.Incident{}, false
	}
	slices.SortFunc(cl.alerts, func(a, b findings.Alert) int {
		return cmp.Or(a.Time.Compare(b.Time), cmp.Compare(a.RuleID, b.RuleID), cmp.Compare(a.Actor, b.Actor))
	})
	slices.SortFunc(cl.notables, func(a, b notable) int {
		return cmp.Or(a.time.Compare(b.time), cmp.Compare(a.kind, b.kind), cmp.Compare(a.text, b.text))
	})
	inc := findings.Incident{
		Actors: []findings.Actor{}, Recon: []findings.Step{}, Tactics: []findings.Tactic{},
		FilesDownloaded: []string{}, AffectedBasis: []string{}, Alerts: []string{},
		Timeline: []findings.Step{}, Evidence: []findings.Evidence{}, ConfidenceReasons: []string{},
	}
	rules := map[string]bool{}
	sources := map[string]bool{}
	maxRank := 0
	for _, a := range cl.alerts {
		if detect.SeverityRank(a.Severity) >= 1 {
			rules[a.RuleID] = true
		}
		maxRank = max(maxRank, detect.SeverityRank(a.Severity))
		inc.Alerts = append(inc.Alerts, a.ID)
		for _, e := range a.Evidence {
			sources[x.family(e.Path)] = true
		}
	}
	var ips, users []string
	for n := range cl.nodes {
		kind, v, _ := strings.Cut(n, ":")
		if v == "" {
			continue
		}
		inc.Actors = append(inc.Actors, findings.Actor{Kind: map[string]string{"ip": "ip", "user": "user", "shell": "webshell", "db": "db_account"}[kind], Value: v})
		switch kind {
		case "ip":
			ips = append(ips, v)
		case "user":
			users = append(users, v)
		}
	}
	slices.SortFunc(inc.Actors, func(a, b findings.Actor) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Value, b.Value))
	})
	sort.Strings(ips)
	sort.Strings(users)

	// Entry vector: the earliest successful malicious action.
	entry, entryKind := x.entryVector(cl, fa, ips, cite)
	tactics := map[string]*findings.Tactic{}
	addTactic := func(id string, techs []string, t time.Time) {
		ta, ok := attack.ByID(id)
		if !ok || t.IsZero() {
			return
		}
		cur := tactics[id]
		if cur == nil {
			cur = &findings.Tactic{ID: ta.ID, Name: ta.Name, Techniques: []string{}, First: t, Last: t}
			tactics[id] = cur
		}
		if t.Before(cur.First) {
			cur.First = t
		}
		if t.After(cur.Last) {
			cur.Last = t
		}
		for _, q := range techs {
			if !slices.Contains(cur.Techniques, q) {
				cur.Techniques = append(cur.Techniques, q)
			}
		}
	}
	for _, a := range cl.alerts {
		for _, ta := range a.Tactics {
			addTactic(ta, a.Attack, a.Time)
		}
	}
	if entry != nil {
		addTactic(entry.Tactic, entry.Attack, entry.Time)
	}

	// Numbers.
	var bytesOut int64
	nids, capped := distinctIDs(fa, ips)
	files := map[string]bool{}
	for _, ip := range ips {
		f := fa.ips[ip]
		if f == nil {
			continue
		}
		bytesOut += f.bytesOut
		for p := range f.files {
			files[p] = true
		}
	}
	inc.DataOutBytes = bytesOut
	for p := range files {
		inc.FilesDownloaded = append(inc.FilesDownloaded, p)
	}
	sort.Strings(inc.FilesDownloaded)
	var dbRows, maxRows, destroyed int64
	destroyedTables := map[string]bool{}
	readTables := map[string]bool{}
	var destroySteps, readSteps, privSteps, shellSteps []findings.Step
	for _, nb := range cl.notables {
		ev := []findings.Evidence{cite(nb.ref, nb.text)}
		switch nb.kind {
		case "db_destroy":
			n := nb.records
			if a, ok := x.inv.table(nb.table); ok && n == 0 && !destroyedTables[nb.table] {
				n = a.Records
			}
			if nb.table != "" {
				destroyedTables[nb.table] = true
			}
			destroyed += n
			addTactic("TA0040", []string{"T1485"}, nb.time)
			destroySteps = append(destroySteps, findings.Step{Time: nb.time, Tactic: "TA0040", Attack: []string{"T1485"},
				What: fmt.Sprintf("Destroyed database records: %s", nb.text), Code: "db.destroy",
				Args: map[string]string{"statement": nb.text, "user": nb.user}, Evidence: ev})
		case "db_read":
			if nb.rows == 0 && !strings.Contains(strings.ToLower(nb.text), "outfile") && !strings.Contains(strings.ToLower(nb.text), "dumpfile") {
				continue // a probe that returned nothing read nothing; its alert stays in the timeline
			}
			dbRows += nb.rows
			maxRows = max(maxRows, nb.rows)
			if nb.table != "" {
				readTables[nb.table] = true
			}
			addTactic("TA0009", []string{"T1213"}, nb.time)
			readSteps = append(readSteps, findings.Step{Time: nb.time, Tactic: "TA0009", Attack: []string{"T1213"},
				What: fmt.Sprintf("Database query returned %d rows: %s", nb.rows, nb.text), Code: "db.read",
				Args: map[string]string{"rows": fmt.Sprint(nb.rows), "statement": nb.text}, Evidence: ev})
		case "shell_cmd":
			addTactic("TA0002", []string{"T1505.003", "T1059.004"}, nb.time)
			for _, u := range commandPurpose(nb.text) {
				addTactic(u.tactic, u.techniques, nb.time)
			}
			shellSteps = append(shellSteps, findings.Step{Time: nb.time, Tactic: "TA0002", Attack: []string{"T1505.003", "T1059.004"},
				What: fmt.Sprintf("Command run through the web shell from %s: %s", nb.ip, nb.text), Code: "shell.command",
				Args: map[string]string{"ip": nb.ip, "command": nb.text}, Evidence: ev})
		default:
			tac, tech, what, code := "TA0002", []string{"T1059"}, "", "process.command"
			args := map[string]string{"user": nb.user, "target": cmp.Or(nb.target, "root"), "command": nb.text, "via": nb.kind}
			switch nb.kind {
			case "sudo", "su":
				tac, tech, code = "TA0004", []string{"T1548.003"}, "priv.escalate"
				what = fmt.Sprintf("%s by %s to %s: %s", nb.kind, nb.user, cmp.Or(nb.target, "root"), nb.text)
			case "user_created":
				tac, tech, code = "TA0003", []string{"T1136.001"}, "account.created"
				what = fmt.Sprintf("Account created: %s", nb.target)
			case "group_member_added":
				tac, tech, code = "TA0003", []string{"T1098"}, "account.group_added"
				what = fmt.Sprintf("%s added to a group", nb.target)
			case "password_changed":
				tac, tech, code = "TA0003", []string{"T1098"}, "account.password_changed"
				what = fmt.Sprintf("Password changed for %s", nb.target)
			default:
				what = fmt.Sprintf("Command run as %s: %s", nb.user, nb.text)
			}
			for _, u := range commandPurpose(nb.text) {
				addTactic(u.tactic, u.techniques, nb.time)
			}
			addTactic(tac, tech, nb.time)
			privSteps = append(privSteps, findings.Step{Time: nb.time, Tactic: tac, Attack: tech, What: what, Code: code, Args: args, Evidence: ev})
		}
	}
	inc.RecordsDestroyed = destroyed
	inc.RecordsRead = int64(nids) + dbRows
	if nids > 0 {
		addTactic("TA0009", []string{"T1213"}, cl.last)
		inc.AffectedBasis = append(inc.AffectedBasis, fmt.Sprintf("%d distinct record ids returned with HTTP 2xx to %s", nids, strings.Join(ips, ", ")))
	}
	if capped {
		inc.AffectedBasis = append(inc.AffectedBasis, fmt.Sprintf("the distinct-id count stopped at its cap of %d: the true number is higher", maxIDs))
	}
	if dbRows > 0 {
		inc.AffectedBasis = append(inc.AffectedBasis, fmt.Sprintf("%d rows returned by the database to the attacker's queries in all, at most %d by one query (slow query log Rows_sent)", dbRows, maxRows))
	}
	if len(files) > 0 {
		addTactic("TA0010", []string{"T1041"}, cl.last)
	}
	// Confirmed people: the largest set demonstrably returned in one go —
	// the distinct ids walked, or the biggest query result. Queries repeat
	// the same rows and ids overlap them, so a sum would count people twice;
	// this is a lower bound, and the basis says what it rests on.
	inc.AffectedConfirmed = max(int64(nids), maxRows)
	inc.AffectedPossible = inc.AffectedConfirmed
	if x.inv != nil && entry != nil {
		var reach int64
		var names []string
		for _, a := range x.inv.Assets {
			shell := entryKind == "password_guessing" || entryKind == "valid_account" || entryKind == "web_shell" || entryKind == "command_injection"
			dbAccess := a.Table != "" && (shell || entryKind == "sql_injection" || len(readTables)+len(destroyedTables) > 0)
			fsAccess := a.Path != "" && shell
			if dbAccess || fsAccess {
				reach += a.People
				names = append(names, fmt.Sprintf("%s (%d)", a.Name, a.People))
			}
		}
		if reach > inc.AffectedPossible {
			inc.AffectedPossible = reach
			inc.AffectedBasis = append(inc.AffectedBasis, "possible: everything the compromised access could reach, from the inventory: "+strings.Join(names, ", "))
		}
	}
	if len(destroyedTables) > 0 {
		var t []string
		for k := range destroyedTables {
			t = append(t, k)
		}
		sort.Strings(t)
		basis := "records destroyed in: " + strings.Join(t, ", ")
		if x.inv != nil {
			basis += " (counts from the inventory where the log gives none)"
		} else {
			basis += " (the log gives no counts; --inventory supplies them)"
		}
		inc.AffectedBasis = append(inc.AffectedBasis, basis)
	}

	// Is it an incident? Independent signals must agree.
	crit := maxRank >= 4
	success := entry != nil
	damage := destroyed > 0 || len(destroySteps) > 0 || len(shellSteps) > 0
	isIncident := crit || damage || (success && len(rules) >= 1 && maxRank >= 3) || (len(rules) >= 2 && maxRank >= 3) || (len(rules) >= 3 && len(tactics) >= 2)
	if !isIncident {
		return findings.Incident{}, false
	}
	inc.ConfidenceReasons = append(inc.ConfidenceReasons, fmt.Sprintf("%d distinct rules fired", len(rules)))
	inc.ConfidenceReasons = append(inc.ConfidenceReasons, fmt.Sprintf("%d ATT&CK tactics observed", len(tactics)))
	if success {
		inc.ConfidenceReasons = append(inc.ConfidenceReasons, "a successful entry was found: "+entry.What)
	} else {
		inc.ConfidenceReasons = append(inc.ConfidenceReasons, "no successful entry was found in the logs (attempts only)")
	}
	if len(sources) > 1 {
		var s []string
		for k := range sources {
			s = append(s, k)
		}
		sort.Strings(s)
		inc.ConfidenceReasons = append(inc.ConfidenceReasons, "linked across sources: "+strings.Join(s, ", "))
	}
	switch {
	case success && len(rules) >= 2 && len(tactics) >= 2:
		inc.Confidence = "high"
	case success || len(rules) >= 2 || crit:
		inc.Confidence = "medium"
	default:
		inc.Confidence = "low"
	}
	switch {
	case destroyed > 0 || len(destroySteps) > 0 || (success && (inc.AffectedConfirmed > 0 || len(shellSteps) > 0)) || crit:
		inc.Severity = "critical"
	case success:
		inc.Severity = "high"
	default:
		inc.Severity = "medium"
	}

	// Times.
	inc.FirstSeen, inc.LastSeen = cl.first.UTC(), cl.last.UTC()
	inc.DwellSeconds = int64(cl.last.Sub(cl.first) / time.Second)
	for _, a := range cl.alerts {
		if detect.SeverityRank(a.Severity) >= 3 {
			t := a.Detected.UTC()
			if t.IsZero() {
				t = a.Time.UTC()
			}
			if inc.FirstAlert == nil || t.Before(*inc.FirstAlert) {
				inc.FirstAlert = &t
			}
		}
	}
	if inc.FirstAlert != nil {
		inc.DetectSeconds = int64(inc.FirstAlert.Sub(inc.FirstSeen) / time.Second)
	}

	// Steps: reconnaissance, entry, then everything else in time order.
	var steps []findings.Step
	for _, a := range cl.alerts {
		st := findings.Step{Time: a.Time, Tactic: firstTactic(a.Tactics), Attack: a.Attack,
			What: alertWhat(a), Evidence: headEvidence(a.Evidence, 3)}
		if hasTactic(a, "TA0043") && (entry == nil || !a.Time.After(entry.Time)) {
			inc.Recon = append(inc.Recon, st)
		}
		steps = append(steps, st)
	}
	if entry != nil {
		inc.EntryVector = entry
		steps = append(steps, *entry)
	}
	steps = append(steps, destroySteps...)
	steps = append(steps, capSteps(readSteps, 50)...)
	steps = append(steps, capSteps(privSteps, 100)...)
	steps = append(steps, capSteps(shellSteps, 100)...)
	slices.SortStableFunc(steps, func(a, b findings.Step) int { return a.Time.Compare(b.Time) })
	inc.Timeline = capSteps(steps, maxSteps)
	for i := range inc.Timeline {
		inc.Timeline[i].Time = inc.Timeline[i].Time.UTC()
	}

	ids2 := make([]string, 0, len(tactics))
	for id := range tactics {
		ids2 = append(ids2, id)
	}
	// Phases in the order they happened; the ATT&CK lifecycle breaks ties.
	slices.SortFunc(ids2, func(a, b string) int {
		return cmp.Or(tactics[a].First.Compare(tactics[b].First), cmp.Compare(attack.OrderOf(a), attack.OrderOf(b)))
	})
	for _, id := range ids2 {
		t := *tactics[id]
		sort.Strings(t.Techniques)
		t.First, t.Last = t.First.UTC(), t.Last.UTC()
		inc.Tactics = append(inc.Tactics, t)
	}

	seen := map[[2]string]bool{}
	for _, st := range inc.Timeline {
		for _, e := range st.Evidence {
			k := [2]string{e.Path, fmt.Sprint(e.Line)}
			if !seen[k] && len(inc.Evidence) < maxIncEvid {
				seen[k] = true
				inc.Evidence = append(inc.Evidence, e)
			}
		}
	}
	slices.SortFunc(inc.Evidence, func(a, b findings.Evidence) int {
		return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Line, b.Line))
	})

	if entry != nil {
		inc.EntryKind = entryKind
	}
	inc.Title = title(entryKind, entry != nil, ips, users, inc)
	return inc, true
}

func firstTactic(ts []string) string {
	best := ""
	for _, t := range ts {
		if best == "" || attack.OrderOf(t) < attack.OrderOf(best) {
			best = t
		}
	}
	return best
}

func alertWhat(a findings.Alert) string {
	s := a.Title
	if a.Count > 1 {
		s += fmt.Sprintf(" (%d events until %s)", a.Count, a.LastTime.UTC().Format(time.RFC3339))
	}
	if a.Detail != "" {
		s += "; " + a.Detail
	}
	return s
}

func headEvidence(e []findings.Evidence, n int) []findings.Evidence {
	if len(e) > n {
		e = e[:n]
	}
	return slices.Clone(e)
}

func capSteps(s []findings.Step, n int) []findings.Step {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// family names the kind of log an evidence path is, for "linked across
// sources".
func (x *Investigation) family(path string) string {
	f := x.inputs[path].Format
	switch {
	case strings.HasPrefix(f, "access"), strings.HasPrefix(f, "nginx"), strings.HasPrefix(f, "apache"):
		return "web"
	case strings.HasPrefix(f, "mysql"), strings.HasPrefix(f, "mariadb"), strings.HasPrefix(f, "postgres"):
		return "database"
	case strings.HasPrefix(f, "syslog"):
		return "system"
	case f == "auditd":
		return "audit"
	}
	return cmp.Or(f, "other")
}

// entryVector finds the first successful malicious action of a cluster.
func (x *Investigation) entryVector(cl *cluster, fa *facts, ips []string, cite func(event.Ref, string) findings.Evidence) (*findings.Step, string) {
	var best *findings.Step
	kind := ""
	consider := func(s findings.Step, k string) {
		if best == nil || s.Time.Before(best.Time) {
			s2 := s
			best, kind = &s2, k
		}
	}
	// Web exploitation that the server answered with success. Tools probe
	// decoy parameters too (sqlmap adds a random one to test for a WAF): the
	// injected parameter is the one most of the successful requests carry.
	type try struct {
		ev    *event.Event
		e     findings.Evidence
		kind  string
		param string
		path  string
	}
	var tries []try
	count := map[string]int{}
	for _, a := range cl.alerts {
		k := exploitKind(a)
		if k == "" {
			continue
		}
		for _, e := range a.Evidence {
			ev := x.decode(e)
			if ev == nil || ev.Status < 200 || ev.Status >= 400 {
				continue
			}
			param, path := where(ev.URL)
			tries = append(tries, try{ev, e, k, param, path})
			count[k+"\x00"+path+"\x00"+param]++
		}
	}
	bestKey, bestN := "", 0
	for _, t := range tries {
		key := t.kind + "\x00" + t.path + "\x00" + t.param
		if n := count[key]; n > bestN || n == bestN && key < bestKey {
			bestKey, bestN = key, n
		}
	}
	var first *try
	for i, t := range tries {
		if t.kind+"\x00"+t.path+"\x00"+t.param == bestKey && (first == nil || t.ev.Time.Before(first.ev.Time)) {
			first = &tries[i]
		}
	}
	if first != nil {
		k, ev, e, param, path := first.kind, first.ev, first.e, first.param, first.path
		{
			loc := path
			if param != "" {
				loc = fmt.Sprintf("parameter %q of %s", param, path)
			}
			what := fmt.Sprintf("%s in %s, from %s", entryNames[k], loc, ev.SourceIP)
			st := findings.Step{Time: ev.Time.UTC(), Tactic: "TA0001", Attack: []string{"T1190"}, What: what,
				Code: "entry.web", Args: map[string]string{"kind": k, "param": param, "path": path, "ip": ev.SourceIP},
				Evidence: []findings.Evidence{e}}
			if k == "web_shell" {
				st.What = fmt.Sprintf("Web shell %s used from %s", path, ev.SourceIP)
				st.Code = "entry.web_shell_used"
				// The shell arrived through an upload form: the last upload
				// by the same address before its first use is the entry.
				if f := fa.ips[ev.SourceIP]; f != nil {
					for i := len(f.uploads) - 1; i >= 0; i-- {
						if u := f.uploads[i]; !u.time.After(ev.Time) {
							st = findings.Step{Time: u.time.UTC(), Tactic: "TA0001", Attack: []string{"T1190", "T1505.003"},
								What: fmt.Sprintf("Web shell %s uploaded through %s, from %s", path, u.path, ev.SourceIP),
								Code: "entry.web_shell_uploaded", Args: map[string]string{"kind": k, "path": path, "form": u.path, "ip": ev.SourceIP},
								Evidence: []findings.Evidence{cite(u.ref, ""), e}}
							break
						}
					}
				}
			}
			consider(st, k)
		}
	}
	// Passwords guessed, or a valid account used, from a suspect address.
	for _, ip := range ips {
		f := fa.ips[ip]
		if f == nil || len(f.sshSuccesses) == 0 {
			continue
		}
		l := f.sshSuccesses[0]
		service := "SSH"
		if l.via == "mail_login" {
			service = "mail login"
		}
		st := findings.Step{Time: l.time.UTC(), Tactic: "TA0001", Evidence: []findings.Evidence{cite(l.ref, "")},
			Args: map[string]string{"user": l.user, "service": service, "ip": ip}}
		kind := "valid_account"
		if f.sshFailures > 0 && !f.sshFirstFail.After(l.time) {
			kind = "password_guessing"
			st.Attack = []string{"T1110.001", "T1078"}
			st.What = fmt.Sprintf("Password guessed for %q over %s after %d failures, from %s", l.user, service, f.sshFailures, ip)
			st.Code = "entry.password_guessed"
			st.Args["failures"] = fmt.Sprint(f.sshFailures)
		} else {
			st.Attack = []string{"T1078"}
			st.What = fmt.Sprintf("Logged in as %q over %s from %s", l.user, service, ip)
			st.Code = "entry.login"
		}
		consider(st, kind)
	}
	return best, kind
}

// where finds the injected parameter of a request and its path.
func where(raw string) (param, path string) {
	p := urlPath(raw)
	q, _ := url.ParseQuery(query(raw))
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	bestKey, bestScore := "", 0
	for _, k := range keys {
		v := strings.ToLower(strings.Join(q[k], " "))
		s := 0
		for _, sig := range []string{"'", "\"", " or ", "union", "select", "sleep(", "../", "..\\", ";", "|", "`", "$(", "<", "%00", "/etc/", "http://", "https://", "--", "#"} {
			if strings.Contains(v, sig) {
				s++
			}
		}
		if s > bestScore {
			bestKey, bestScore = k, s
		}
	}
	return bestKey, p
}

func title(kind string, success bool, ips, users []string, inc findings.Incident) string {
	who := strings.Join(ips, ", ")
	if who == "" {
		who = strings.Join(users, ", ")
	}
	what := entryNames[kind]
	if what == "" {
		what = "Attack"
	}
	if !success {
		what = "Attempted attack"
	}
	var effects []string
	if inc.RecordsDestroyed > 0 || containsStep(inc.Timeline, "TA0040") {
		effects = append(effects, "destruction of data")
	}
	if inc.AffectedConfirmed > 0 {
		effects = append(effects, fmt.Sprintf("theft of %d records", inc.AffectedConfirmed))
	}
	if len(effects) > 0 {
		what += " with " + strings.Join(effects, " and ")
	}
	if who != "" {
		what += " by " + who
	}
	return what
}

func containsStep(steps []findings.Step, tactic string) bool {
	for _, s := range steps {
		if s.Tactic == tactic {
			return true
		}
	}
	return false
}

// injectedSQL reports whether a statement carries the marks of SQL injection
// as the database receives it: UNION-based extraction, schema probing,
// tautologies and time delays, comment tricks, sqlmap's markers.
func injectedSQL(stmt string) bool { return injected.MatchString(stmt) }

var injected = regexp.MustCompile(`(?i)(\bunion(\s+all)?\s+select\b|information_schema|\b(or|and)\s+(not\s+)?('?\w*'?|\d+)\s*=\s*('?\w*'?|\d+)\s*(#|--|/\*|\)|$)|\bsleep\s*\(\s*\d|\bbenchmark\s*\(|\bextractvalue\s*\(|\bupdatexml\s*\(|0x71[0-9a-f]{6}71|\bcase\s+when\s*\(\s*\d+\s*=\s*\d+)`)

// purpose is what a command an attacker ran is for, in ATT&CK terms.
type purpose struct {
	tactic     string
	techniques []string
}

// commandPurposes classify the commands attackers run on a host they entered,
// by the words they contain. A command can serve several purposes ("cat
// /etc/passwd" discovers accounts and reads credentials).
var commandPurposes = []struct {
	words []string
	purpose
}{
	{[]string{"id", "whoami", "uname", "hostname", "ls", "ps", "netstat", "ss", "ifconfig", "ip", "pwd", "w", "who", "last", "find", "env", "df", "lsb_release", "/etc/os-release", "/etc/issue"},
		purpose{"TA0007", []string{"T1082", "T1033", "T1083"}}},
	{[]string{"/etc/passwd", "/etc/shadow", "/etc/group", ".ssh", "id_rsa", ".env", "config.php", "wp-config", ".my.cnf", ".bash_history", ".pgpass", "credentials"},
		purpose{"TA0006", []string{"T1003.008", "T1552.001"}}},
	{[]string{"tar", "zip", "gzip", "7z", "rar", "mysqldump", "pg_dump"},
		purpose{"TA0009", []string{"T1560.001", "T1005"}}},
	{[]string{"rm", "shred", "unlink", "history", "truncate", "wipe"},
		purpose{"TA0005", []string{"T1070.004"}}},
	{[]string{"useradd", "adduser", "crontab", "authorized_keys", "systemctl", "chpasswd"},
		purpose{"TA0003", []string{"T1136.001", "T1053.003", "T1098.004"}}},
}

// purposeMatchers are commandPurposes split once into the words matched as
// a whole shell word (a map lookup) and the path fragments searched for in
// each word: commandPurpose runs for every privileged command of an
// incident, which on a busy auth.log is hundreds of thousands.
var purposeMatchers = func() []purposeMatcher {
	out := make([]purposeMatcher, len(commandPurposes))
	for i, cp := range commandPurposes {
		m := purposeMatcher{purpose: cp.purpose, words: map[string]bool{}}
		for _, w := range cp.words {
			if strings.ContainsAny(w, "/.") {
				m.fragments = append(m.fragments, w)
			} else {
				m.words[w] = true
			}
		}
		out[i] = m
	}
	return out
}()

type purposeMatcher struct {
	purpose
	words     map[string]bool
	fragments []string
}

// commandPurpose returns the purposes a command line serves. Words are
// matched as whole shell words (the last path element: "/usr/bin/id" is
// "id"), path fragments anywhere in a word.
func commandPurpose(cmd string) []purpose {
	fields := strings.FieldsFunc(strings.ToLower(cmd), func(r rune) bool {
		return r == ' ' || r == '\t' || r == ';' || r == '|' || r == '&' || r == '(' || r == ')' || r == '`' || r == '"' || r == '\''
	})
	var out []purpose
	for _, m := range purposeMatchers {
		if m.serves(fields) {
			out = append(out, m.purpose)
		}
	}
	return out
}

func (m *purposeMatcher) serves(fields []string) bool {
	for _, f := range fields {
		if m.words[f[strings.LastIndexByte(f, '/')+1:]] {
			return true
		}
		for _, w := range m.fragments {
			if strings.Contains(f, w) {
				return true
			}
		}
	}
	return false
}

// distinctIDs counts the record ids the actors ips were returned, and
// whether a cap made the count a lower bound. The ids a capped actor's set
// holds depend on how the log's blocks fell to the workers, so they are not
// counted one by one: such an actor stands for maxIDs ids (its set's size,
// which does not depend on the workers, see addID), and the count is the
// larger of that and the uncapped actors' ids together. The same inputs
// therefore give the same count with any number of workers.
func distinctIDs(fa *facts, ips []string) (n int, capped bool) {
	ids := map[string]bool{}
	for _, ip := range ips {
		f := fa.ips[ip]
		switch {
		case f == nil:
		case f.idsCapped:
			capped = true
		default:
			for id := range f.ids {
				ids[id] = true
			}
		}
	}
	n = len(ids)
	if capped {
		n = max(n, maxIDs)
	}
	return n, capped
}
