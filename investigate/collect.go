package investigate

import (
	"cmp"
	"maps"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/internal/ac"
	"github.com/kizuki-dfir/kizuki/scan"
)

// Caps that keep the second pass's memory bounded whatever the logs hold. A
// cap reached is stated in the incident (the figure is then a lower bound).
var maxIDs = 1 << 20 // distinct record ids per actor (a variable for tests)

const (
	maxFiles     = 200    // downloaded files listed per actor
	maxUploads   = 50     // uploads through forms kept per actor
	maxLogins    = 100    // successful logins kept per actor
	maxNotable   = 100000 // privileged-activity and database events kept
	maxShellCmds = 200    // commands kept per web shell
	stmtCap      = 300    // statement text kept
)

// Collector is the second pass's event handler: it gathers, for the actors
// the alerts named, the facts the forensic answers need — bytes and records
// sent to them, their logins, what was done as the accounts they used — and,
// for everyone, the rare events that link actors (privileged commands,
// database destruction). It copies every string it keeps, as scan.Handler
// requires: a block's buffer is recycled once its events are handled.
type Collector struct {
	ips     map[string]bool
	shells  map[string]bool // web-shell paths
	wanted  *ac.Matcher
	mu      sync.Mutex
	workers []*collectorWorker
	paths   map[int32]string // input id -> path (Input), for refLess
}

// NewCollector returns a collector for the given suspect addresses and
// web-shell paths.
func NewCollector(ips, shells []string) *Collector {
	c := &Collector{ips: map[string]bool{}, shells: map[string]bool{}}
	for _, ip := range ips {
		c.ips[ip] = true
	}
	for _, s := range shells {
		c.shells[s] = true
	}
	// One automaton over the addresses, shell paths and words; it ignores
	// ASCII case, which can only make the second pass decode more lines.
	words := slices.Clone(wantedWords)
	for _, w := range append(slices.Clone(ips), shells...) {
		if w != "" { // an empty word would match every line
			words = append(words, w)
		}
	}
	c.wanted = ac.New(words, nil)
	return c
}

// wantedWords mark the lines the collector needs whoever wrote them:
// privileged activity and account changes (syslog programs, audit record
// types, ECS actions in JSON) and statements that read or destroy data.
var wantedWords = []string{
	"sudo", "su:", "su[", " su ", "useradd", "adduser", "usermod", "groupadd", "gpasswd", "passwd", "chpasswd",
	"add_user", "user_mgmt", "user_chauthtok", "add_group", "grp_mgmt", "execve",
	"user_created", "group_member_added", "password_changed", "process_started",
	"drop", "truncate", "delete", "union", "outfile", "dumpfile", "rows", "select",
}

// Skip reports whether a line can hold nothing the collector needs: it names
// no suspect address or web shell and none of the words of the activity kept
// for everyone. Being a plain substring test, it errs towards decoding.
func (c *Collector) Skip(line string) bool {
	return !c.wanted.Contains(line)
}

// Filter is scan.Config.Skip for the second pass: the line filter for an
// input, given the shape of its events when every line was decoded (the
// first pass over the same bytes).
//
// Skip scans every byte of every line (about 1.4 ns a byte), which costs
// nearly as much as decoding an access log. An input whose events were all of kinds
// the collector keeps only from suspects (no authentication, process or
// database events), and whose addresses all stood first on their lines, can
// only give the collector events from lines whose first field is a suspect
// address — one set lookup a line — or, when there are web shells to
// follow, from lines that request a shell. Where every URL was its line's
// request target (scan.RequestTarget), the target's path is compared with
// the shells' exactly, as the collector compares a request's; where every
// URL was its line's text, the shells' paths are searched for (in the
// line's request field alone when every URL was in it). Any other input
// gets Skip.
func (c *Collector) Filter(sh scan.Shape) func(line string) bool {
	if lf := c.leading(sh); lf != nil {
		return func(line string) bool { return !lf.keep(line) }
	}
	if !sh.Known() || !sh.LeadingAddress ||
		sh.Has(event.KindAuth) || sh.Has(event.KindProcess) || sh.Has(event.KindDB) ||
		!sh.URLInLine || c.shells[""] { // Skip has no empty word: keep its answers
		return c.Skip
	}
	ips := newWordSet(slices.Collect(maps.Keys(c.ips)))
	shells := slices.Sorted(maps.Keys(c.shells))
	hasShell := func(line string) bool {
		for _, s := range shells {
			if strings.Contains(line, s) {
				return true
			}
		}
		return false
	}
	if len(shells) > 4 { // one automaton beats many searches
		m := ac.New(shells, nil) // ignoring case can only let more lines through
		hasShell = m.Contains
	}
	if sh.URLInRequest { // look where the URL was, not in the whole line
		return func(line string) bool {
			return !ips.hasFirstField(line) && !hasShell(scan.RequestField(line))
		}
	}
	return func(line string) bool { return !ips.hasFirstField(line) && !hasShell(line) }
}

// Seek is scan.Config.Seek for the second pass: Filter(sh) in a form that
// passes over a run of lines in one call, for the inputs whose lines Filter
// rules out from their first field and request target alone (the access
// logs of the first pass's shape); nil for the others, which keep Filter.
func (c *Collector) Seek(sh scan.Shape) func(text string) (int, int64, int64) {
	if lf := c.leading(sh); lf != nil {
		return lf.seek
	}
	return nil
}

// leading is Filter's test for an input whose lines can give the collector
// something only when their first field is a suspect address or, if there
// are web shells, their request target asks for one: nil when the shape
// does not show that.
func (c *Collector) leading(sh scan.Shape) *leadFilter {
	if !sh.Known() || !sh.LeadingAddress ||
		sh.Has(event.KindAuth) || sh.Has(event.KindProcess) || sh.Has(event.KindDB) {
		return nil
	}
	lf := &leadFilter{ips: newWordSet(slices.Collect(maps.Keys(c.ips)))}
	if len(c.shells) == 0 || !sh.Has(event.KindWeb) {
		return lf
	}
	if !sh.URLInLine || !sh.URLIsTarget || c.shells[""] { // the path a line asks for is not known before decoding
		return nil
	}
	lf.requests = newPathSet(slices.Sorted(maps.Keys(c.shells)))
	return lf
}

// leadFilter keeps the lines whose first field is a suspect address and,
// when requests is set, those whose request target's path is a web shell's.
type leadFilter struct {
	ips      *wordSet
	requests *pathSet // nil: no shells to follow
}

// keep reports whether the collector may need line.
func (f *leadFilter) keep(line string) bool {
	if f.ips.hasFirstField(line) {
		return true
	}
	// The request target begins the rest of the line from
	// FromRequestTarget: unless a shell's path begins it too, the target's
	// path is no shell's, and the request field's end need not be found.
	return f.requests != nil && f.requests.mayBegin(scan.FromRequestTarget(line)) && f.requests.hasPathOf(scan.RequestTarget(line))
}

// seek is scan.Config.Seek's function for keep: where in text the first
// line keep keeps begins (blank lines are never kept), and how many lines
// and blank lines come before it.
func (f *leadFilter) seek(text string) (int, int64, int64) {
	var lines, blank int64
	for pos := 0; pos < len(text); lines++ {
		line, next := text[pos:], len(text)
		if i := strings.IndexByte(line, '\n'); i >= 0 {
			line, next = line[:i], pos+i+1
		}
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		if line == "" {
			blank++
		} else if f.keep(line) {
			return pos, lines, blank
		}
		pos = next
	}
	return len(text), lines, blank
}

// pathSet tells whether a URL's path (urlPath) is one of a set of paths,
// without cutting the path out when the set is small: most requests share
// no prefix with any web shell.
type pathSet struct {
	few  []string // the paths, when there are few; only those urlPath can give
	many *wordSet // the paths otherwise
	// For each of the few paths, as little-endian words: its first 8
	// bytes (fewer for a shorter path) with the mask that keeps as many of
	// a text's, and its last 8 bytes (used when it is longer than 8).
	head, mask, tail []uint64
	// quick has, when every one of the few paths is 4 bytes long or more,
	// the bit quickBit chooses for each one's first 4 bytes (nil
	// otherwise): a text whose first 4 bytes find their bit clear begins
	// with none of them, which nearly every request target shows with one
	// load.
	quick *[quickBits / 64]uint64
}

const quickBits = 4096

// quickBit is the bit of pathSet.quick for a text whose first 4 bytes are
// x (little-endian).
func quickBit(x uint32) uint32 { return x * 0x9e3779b1 >> (32 - 12) }

// load32 is the first 4 bytes of s (len(s) >= 4), little-endian.
func load32(s string) uint32 {
	_ = s[3]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

func newPathSet(paths []string) *pathSet {
	if len(paths) > 8 {
		return &pathSet{many: newWordSet(paths)}
	}
	p := &pathSet{}
	for _, s := range paths {
		if !strings.ContainsAny(s, "?#") { // urlPath never gives these
			p.few = append(p.few, s)
			var b [8]byte
			n := copy(b[:], s)
			p.head = append(p.head, load64(string(b[:])))
			p.mask = append(p.mask, ^uint64(0)>>(64-8*n)) // n == 0: 0, every text begins with ""
			var tail uint64
			if len(s) > 8 {
				tail = load64(s[len(s)-8:])
			}
			p.tail = append(p.tail, tail)
		}
	}
	p.quick = new([quickBits / 64]uint64)
	for _, s := range p.few {
		if len(s) < 4 {
			p.quick = nil
			break
		}
		b := quickBit(load32(s))
		p.quick[b/64] |= 1 << (b % 64)
	}
	return p
}

// mayBegin reports whether one of the few paths may begin text: false
// only when none does, true when one does (or one longer than 16 bytes
// begins and ends as a prefix of text would) or the set is not few. It
// compares a path's first and last 8 bytes with text's at once.
func (p *pathSet) mayBegin(text string) bool {
	if p.many != nil {
		return true
	}
	if q := p.quick; q != nil {
		if len(text) < 4 {
			return false
		}
		if b := quickBit(load32(text)); q[b/64]&(1<<(b%64)) == 0 {
			return false
		}
	}
	if len(text) < 8 {
		for _, s := range p.few {
			if strings.HasPrefix(text, s) {
				return true
			}
		}
		return false
	}
	x := load64(text)
	for i, h := range p.head {
		if x&p.mask[i] != h {
			continue
		}
		if n := len(p.few[i]); n <= 8 || n <= len(text) && load64(text[n-8:]) == p.tail[i] {
			return true
		}
	}
	return false
}

// hasPathOf reports whether urlPath(u) is in the set.
func (p *pathSet) hasPathOf(u string) bool {
	if p.many != nil {
		return p.many.has(urlPath(u))
	}
	for _, s := range p.few {
		// urlPath(u) == s: u is s, or s followed by a query or fragment.
		if len(u) >= len(s) && u[:len(s)] == s && (len(u) == len(s) || u[len(s)] == '?' || u[len(s)] == '#') {
			return true
		}
	}
	return false
}

// ipFacts is what the logs say about one address.
type ipFacts struct {
	first, last  time.Time
	firstRef     event.Ref
	requests     int64
	bytesOut     int64
	ids          map[string]bool // record ids returned (2xx)
	idsCapped    bool
	files        map[string]event.Ref // downloaded files, each at its earliest position (bounded: keepFile)
	sshFailures  int64
	sshFirstFail time.Time
	sshSuccesses []login
	uploads      []upload // POSTs to upload forms answered 2xx, earliest first (capped)
}

// upload is a file sent to an upload form: how web shells arrive.
type upload struct {
	time time.Time
	ref  event.Ref
	path string
}

type login struct {
	time time.Time
	user string
	ref  event.Ref
	via  string
}

// notable is a rare event worth keeping whoever the actor: privileged
// activity and database statements that read or destroy much.
type notable struct {
	time    time.Time
	ref     event.Ref
	kind    string // sudo, su, user_created, group_member_added, db_destroy, db_read, process, shell_cmd
	user    string
	target  string
	ip      string
	text    string
	rows    int64
	table   string
	records int64 // rows affected when logged
}

type collectorWorker struct {
	c       *Collector
	ips     map[string]*ipFacts
	notable []notable
	shells  map[string]*shellFacts
}

type shellFacts struct {
	first, last time.Time
	ips         map[string]bool
	cmds        []notable
}

// Worker implements scan.Handler.
func (c *Collector) Worker() func(*event.Event) {
	w := &collectorWorker{c: c, ips: map[string]*ipFacts{}, shells: map[string]*shellFacts{}}
	c.mu.Lock()
	c.workers = append(c.workers, w)
	c.mu.Unlock()
	return w.handle
}

var (
	idParam   = regexp.MustCompile(`(?i)(?:^|[?&;])(?:id|uid|user_?id|member_?id|customer_?id|account_?id|no|mid)=([0-9]{1,12})(?:$|[&;#])`)
	fileExt   = map[string]bool{".sql": true, ".gz": true, ".zip": true, ".tar": true, ".tgz": true, ".bak": true, ".csv": true, ".xls": true, ".xlsx": true, ".dump": true, ".7z": true, ".db": true, ".sqlite": true, ".bz2": true, ".xz": true, ".rar": true, ".mdb": true, ".pst": true}
	tableRef  = regexp.MustCompile("(?i)\\b(?:drop\\s+table(?:\\s+if\\s+exists)?|truncate(?:\\s+table)?|delete\\s+from|from|into)\\s+((?:`?[a-z0-9_$]+`?\\.)?`?[a-z0-9_$]+`?)")
	whereWord = regexp.MustCompile(`(?i)\bwhere\b`)
	// uploadForm matches the paths of upload handlers.
	uploadForm = regexp.MustCompile(`(?i)(upload|file_?manager|attach|import|avatar|media/new|async-upload)`)
	// uploadWords finds, ignoring ASCII case, the words one of which every
	// match of uploadForm holds ("async-upload" holds "upload"; none of
	// their letters is one Unicode folds to a rune outside ASCII, as "k"
	// and "s" are): the regular expression runs only on the paths that
	// hold one. A suspect's POSTs are often many (logins, forms) and the
	// expression cost more than the rest of the collector.
	uploadWords = ac.New([]string{"upload", "file_manager", "filemanager", "attach", "import", "avatar", "media/new"}, nil)
)

// mayHoldID reports whether idParam may match q: each of its matches holds
// "id=" or "no=" (ASCII case ignored; no other rune folds to these
// letters) followed by a digit. A suspect's requests are many and most
// carry no record id, so the regular expression runs on few of them.
func mayHoldID(q string) bool {
	for off := 0; ; {
		i := strings.IndexByte(q[off:], '=')
		if i < 0 {
			return false
		}
		i += off
		if i >= 2 && i+1 < len(q) {
			a, b, d := q[i-2]|0x20, q[i-1]|0x20, q[i+1] // |0x20: ASCII lower case
			if (a == 'i' && b == 'd' || a == 'n' && b == 'o') && '0' <= d && d <= '9' {
				return true
			}
		}
		off = i + 1
	}
}

func (w *collectorWorker) ip(addr string) *ipFacts {
	f := w.ips[addr]
	if f == nil {
		f = &ipFacts{ids: map[string]bool{}, files: map[string]event.Ref{}}
		w.ips[strings.Clone(addr)] = f
	}
	return f
}

func (w *collectorWorker) handle(ev *event.Event) {
	// A database's client address is the application server, not the
	// attacker: database events never count as an address's own activity.
	if ev.SourceIP != "" && ev.Kind != event.KindDB && w.c.ips[ev.SourceIP] {
		w.suspect(ev)
	}
	switch ev.Kind {
	case event.KindAuth:
		switch ev.Action {
		case "sudo", "su", "user_created", "group_member_added", "password_changed":
			if ev.Outcome != event.OutcomeFailure {
				w.keep(ev, ev.Action, ev.CommandLine)
			}
		}
	case event.KindProcess:
		if ev.Action == "process_started" {
			w.keep(ev, "process", ev.CommandLine)
		}
	case event.KindDB:
		w.database(ev)
	case event.KindWeb:
		if len(w.c.shells) > 0 {
			p := urlPath(ev.URL)
			if w.c.shells[p] {
				w.shell(ev, p)
			}
		}
	}
}

func (w *collectorWorker) suspect(ev *event.Event) {
	f := w.ip(ev.SourceIP)
	if !ev.Time.IsZero() {
		if f.first.IsZero() || ev.Time.Before(f.first) || ev.Time.Equal(f.first) && w.c.refLess(ev.Ref, f.firstRef) {
			f.first, f.firstRef = ev.Time, ev.Ref
		}
		if ev.Time.After(f.last) {
			f.last = ev.Time
		}
	}
	switch ev.Kind {
	case event.KindWeb:
		f.requests++
		f.bytesOut += ev.Bytes
		if ev.Method == "POST" && ev.Status >= 200 && ev.Status < 300 && admits(w.c, f.uploads, maxUploads, ev.Ref, uploadAt) {
			if p := urlPath(ev.URL); uploadWords.Contains(p) && uploadForm.MatchString(p) {
				f.uploads = keepLeast(w.c, f.uploads, upload{time: ev.Time, ref: ev.Ref, path: strings.Clone(p)}, maxUploads, uploadAt)
			}
		}
		if ev.Status >= 200 && ev.Status < 300 {
			if q := query(ev.URL); mayHoldID(q) {
				if m := idParam.FindStringSubmatch(q); m != nil {
					addID(f, m[1], true)
				}
			}
			p := urlPath(ev.URL)
			if fileExt[strings.ToLower(path.Ext(p))] {
				w.c.keepFile(f.files, p, ev.Ref, maxFiles)
			}
		}
	case event.KindAuth:
		if ev.Action == "ssh_login" || ev.Action == "mail_login" {
			if ev.Outcome == event.OutcomeFailure {
				f.sshFailures++
				if f.sshFirstFail.IsZero() || ev.Time.Before(f.sshFirstFail) {
					f.sshFirstFail = ev.Time
				}
			} else if ev.Outcome == event.OutcomeSuccess && admits(w.c, f.sshSuccesses, maxLogins, ev.Ref, loginAt) {
				f.sshSuccesses = keepLeast(w.c, f.sshSuccesses, login{time: ev.Time, user: strings.Clone(ev.User), ref: ev.Ref, via: ev.Action}, maxLogins, loginAt)
			}
		}
	}
}

func (w *collectorWorker) keep(ev *event.Event, kind, text string) {
	if !admits(w.c, w.notable, maxNotable, ev.Ref, notableAt) {
		return
	}
	if len(text) > stmtCap {
		text = text[:stmtCap]
	}
	w.notable = keepLeast(w.c, w.notable, notable{time: ev.Time, ref: ev.Ref, kind: kind, user: strings.Clone(ev.User),
		target: strings.Clone(ev.TargetUser), ip: strings.Clone(ev.SourceIP), text: strings.Clone(text)}, maxNotable, notableAt)
}

// database keeps statements that destroy records or read many.
func (w *collectorWorker) database(ev *event.Event) {
	st := strings.TrimSpace(ev.Statement)
	if st == "" {
		return
	}
	var words [1]uint64
	dbWords.Scan(st, words[:])
	kind := ""
	switch {
	case prefixFold(st, "drop table"), prefixFold(st, "drop database"), prefixFold(st, "truncate"),
		prefixFold(st, "delete") && !whereWord.MatchString(st):
		kind = "db_destroy"
	case ev.Rows >= 1000, words[0]&(1<<dbOutfile) != 0:
		kind = "db_read"
	case words[0]&(1<<dbUnion) != 0 && words[0]&(1<<dbSelect) != 0:
		kind = "db_read"
	default:
		return
	}
	if !admits(w.c, w.notable, maxNotable, ev.Ref, notableAt) {
		return
	}
	n := notable{time: ev.Time, ref: ev.Ref, kind: kind, user: strings.Clone(ev.User), ip: strings.Clone(ev.SourceIP), rows: ev.Rows}
	if m := tableRef.FindStringSubmatch(st); m != nil {
		n.table = strings.Clone(strings.ToLower(strings.ReplaceAll(m[1], "`", ""))) // both may return their argument
	}
	if v, ok := ev.Get("db.rows_affected"); ok {
		n.records = parseInt(v)
	}
	text := st
	if len(text) > stmtCap {
		text = text[:stmtCap]
	}
	n.text = strings.Clone(text)
	w.notable = keepLeast(w.c, w.notable, n, maxNotable, notableAt)
}

// dbWords finds, in one pass and ignoring ASCII case, the words that make
// a statement one that reads much: statements are long and a database log
// holds millions, so they are not lower-cased first. (Of the runes Unicode
// lower-cases into ASCII, İ gives "i̇" and the Kelvin sign "k": neither can
// complete these words, so folding ASCII alone finds what lower-casing did.)
var dbWords = ac.New([]string{"into outfile", "into dumpfile", "union", "select"},
	[][]int32{{dbOutfile}, {dbOutfile}, {dbUnion}, {dbSelect}})

const (
	dbOutfile = iota
	dbUnion
	dbSelect
)

// prefixFold reports whether s begins with the lower-case ASCII prefix p,
// ignoring ASCII case.
func prefixFold(s, p string) bool {
	if len(s) < len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != p[i] {
			return false
		}
	}
	return true
}

func (w *collectorWorker) shell(ev *event.Event, p string) {
	s := w.shells[p]
	if s == nil {
		s = &shellFacts{ips: map[string]bool{}}
		w.shells[strings.Clone(p)] = s
	}
	if s.first.IsZero() || ev.Time.Before(s.first) {
		s.first = ev.Time
	}
	if ev.Time.After(s.last) {
		s.last = ev.Time
	}
	if ev.SourceIP != "" {
		s.ips[strings.Clone(ev.SourceIP)] = true
	}
	if cmd := shellCommand(ev.URL); cmd != "" && admits(w.c, s.cmds, maxShellCmds, ev.Ref, notableAt) {
		if len(cmd) > stmtCap {
			cmd = cmd[:stmtCap]
		}
		s.cmds = keepLeast(w.c, s.cmds, notable{time: ev.Time, ref: ev.Ref, kind: "shell_cmd", ip: strings.Clone(ev.SourceIP), text: strings.Clone(cmd)}, maxShellCmds, notableAt)
	}
}

// shellCommand returns the command a web-shell request carries in a cmd-like
// parameter.
func shellCommand(raw string) string {
	q, err := url.ParseQuery(query(raw))
	if err != nil && len(q) == 0 {
		return ""
	}
	for _, k := range []string{"cmd", "c", "exec", "command", "run", "e", "x"} {
		if v := q.Get(k); v != "" {
			return v
		}
	}
	return ""
}

// facts is the merged outcome of the second pass.
// addID adds a record id to an actor's set, or marks the set capped when it
// is full and id is new. Which ids a capped set holds depends on how the
// blocks fell to the workers; that it is capped does not: a set is capped
// exactly when the actor returned more than maxIDs distinct ids (a worker's
// set fills only past maxIDs distinct ids, and the merged set only when the
// workers' ids together exceed it), and its size is then maxIDs. Incidents
// count on that (distinctIDs). clone copies id, which may lie in a block.
func addID(f *ipFacts, id string, clone bool) {
	if f.ids[id] {
		return
	}
	if len(f.ids) >= maxIDs {
		f.idsCapped = true
		return
	}
	if clone {
		id = strings.Clone(id)
	}
	f.ids[id] = true
}

type facts struct {
	ips     map[string]*ipFacts
	notable []notable
	shells  map[string]*shellFacts
}

func (c *Collector) facts(pathOf func(int32) string) *facts {
	refCmp := func(a, b event.Ref) int {
		return cmp.Or(cmp.Compare(pathOf(a.Input), pathOf(b.Input)), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Offset, b.Offset))
	}
	out := &facts{ips: map[string]*ipFacts{}, shells: map[string]*shellFacts{}}
	for _, w := range c.workers {
		for ip, f := range w.ips {
			m := out.ips[ip]
			if m == nil {
				out.ips[ip] = f
				continue
			}
			if !f.first.IsZero() && (m.first.IsZero() || f.first.Before(m.first) || f.first.Equal(m.first) && c.refLess(f.firstRef, m.firstRef)) {
				m.first, m.firstRef = f.first, f.firstRef
			}
			if f.last.After(m.last) {
				m.last = f.last
			}
			m.requests += f.requests
			m.bytesOut += f.bytesOut
			for id := range f.ids {
				addID(m, id, false)
			}
			m.idsCapped = m.idsCapped || f.idsCapped
			for p, r := range f.files {
				if old, ok := m.files[p]; !ok || c.refLess(r, old) {
					m.files[p] = r
				}
			}
			m.sshFailures += f.sshFailures
			if !f.sshFirstFail.IsZero() && (m.sshFirstFail.IsZero() || f.sshFirstFail.Before(m.sshFirstFail)) {
				m.sshFirstFail = f.sshFirstFail
			}
			m.sshSuccesses = append(m.sshSuccesses, f.sshSuccesses...)
			m.uploads = append(m.uploads, f.uploads...)
		}
		out.notable = append(out.notable, w.notable...)
		for p, s := range w.shells {
			m := out.shells[p]
			if m == nil {
				out.shells[p] = s
				continue
			}
			if s.first.Before(m.first) {
				m.first = s.first
			}
			if s.last.After(m.last) {
				m.last = s.last
			}
			for ip := range s.ips {
				m.ips[ip] = true
			}
			m.cmds = append(m.cmds, s.cmds...)
		}
	}
	// Bounded lists: the least of the union (least.go), then sorted for use.
	// Parallel decoding delivers events in any order: sort what order matters for.
	out.notable = cutLeast(c, out.notable, maxNotable, notableAt)
	for _, f := range out.ips {
		f.sshSuccesses = cutLeast(c, f.sshSuccesses, maxLogins, loginAt)
		f.uploads = cutLeast(c, f.uploads, maxUploads, uploadAt)
		if len(f.files) > maxFiles {
			keep := make([]string, 0, len(f.files))
			for p := range f.files {
				keep = append(keep, p)
			}
			slices.SortFunc(keep, func(a, b string) int {
				ra, rb := f.files[a], f.files[b]
				switch {
				case c.refLess(ra, rb):
					return -1
				case c.refLess(rb, ra):
					return 1
				}
				return cmp.Compare(a, b)
			})
			for _, p := range keep[maxFiles:] {
				delete(f.files, p)
			}
		}
	}
	for _, s := range out.shells {
		s.cmds = cutLeast(c, s.cmds, maxShellCmds, notableAt)
	}
	byTime := func(a, b notable) int {
		return cmp.Or(a.time.Compare(b.time), refCmp(a.ref, b.ref), cmp.Compare(a.text, b.text))
	}
	slices.SortFunc(out.notable, byTime)
	for _, f := range out.ips {
		slices.SortFunc(f.sshSuccesses, func(a, b login) int { return cmp.Or(a.time.Compare(b.time), refCmp(a.ref, b.ref)) })
		slices.SortFunc(f.uploads, func(a, b upload) int { return cmp.Or(a.time.Compare(b.time), refCmp(a.ref, b.ref)) })
	}
	for _, s := range out.shells {
		slices.SortFunc(s.cmds, byTime)
	}
	return out
}

func query(u string) string {
	if i := strings.IndexByte(u, '?'); i >= 0 {
		return u[i+1:]
	}
	return ""
}

// urlPath is u without its query and fragment.
func urlPath(u string) string {
	if i := strings.IndexByte(u, '?'); i >= 0 { // two IndexByte cost less than IndexAny
		u = u[:i]
	}
	if i := strings.IndexByte(u, '#'); i >= 0 {
		u = u[:i]
	}
	return u
}

func parseInt(s string) int64 {
	var n int64
	for _, c := range s {
		if c < '0' || c > '9' {
			return n
		}
		n = n*10 + int64(c-'0')
	}
	return n
}

func uploadAt(u upload) event.Ref   { return u.ref }
func loginAt(l login) event.Ref     { return l.ref }
func notableAt(n notable) event.Ref { return n.ref }
