// Package crs checks web requests rebuilt from access-log events against the
// OWASP Core Rule Set, evaluated with Coraza.
//
// An access log keeps only the request line, the User-Agent and the Referer,
// so a Checker rebuilds just that much of the request (plus a synthetic Host
// and Accept, which every real request carries) and runs CRS phases 1 and 2 in
// detection-only, anomaly-scoring mode. Coraza is slow (hundreds of
// microseconds per request), so two things keep it off the hot path: MayMatch,
// a conservative literal prefilter that rules out plainly harmless requests,
// and a bounded cache of verdicts per distinct request.
//
// Rules and data files are read only from the CRS copy embedded in the
// binary; no audit, debug or body temp file is written. Coraza itself checks
// at start-up that the temp directory is writable (it creates and removes one
// empty file there); build with -tags no_fs_access to remove even that.
package crs

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	coreruleset "github.com/corazawaf/coraza-coreruleset/v4"
	"github.com/corazawaf/coraza/v3"
	"github.com/corazawaf/coraza/v3/experimental/plugins/plugintypes"
	"github.com/corazawaf/coraza/v3/types"

	"github.com/kizuki-dfir/kizuki/event"
)

// InboundThreshold is CRS's default inbound anomaly score threshold: a request
// scoring at least this much would be blocked by a default CRS deployment.
const InboundThreshold = 5

// DefaultCacheSize bounds the verdict cache when Options.CacheSize is zero.
const DefaultCacheSize = 65536

// Options configures a Checker.
type Options struct {
	// Paranoia is the CRS paranoia level, 1 (default, fewest false positives)
	// to 4 (most rules).
	Paranoia int
	// CacheSize bounds how many distinct requests keep their verdict; 0 means
	// DefaultCacheSize, a negative value disables the cache.
	CacheSize int
}

// Verdict is CRS's judgement of one request. Hits is shared with the cache:
// treat it as read-only.
type Verdict struct {
	Score int   // CRS inbound anomaly score (blocking_inbound_anomaly_score)
	Hits  []Hit // sorted by rule id; deterministic
}

// Attack reports whether the score reaches the CRS inbound threshold.
func (v Verdict) Attack() bool { return v.Score >= InboundThreshold }

// Hit is one CRS rule that matched.
type Hit struct {
	RuleID    int
	Message   string   // the rule's msg, macros expanded
	Data      string   // the variable that matched and its value (attacker-written), as "ARGS:id: 1 or 1=1"
	Severity  string   // "critical", "error", "warning", "notice"
	Tags      []string // the rule's tags as written in CRS
	Class     string   // "sqli", "xss", "lfi", "rfi", "rce", "php-injection", "scanner", "protocol", ...
	Technique string   // MITRE ATT&CK technique id, "" for plain protocol anomalies
}

// Stats counts what Check did, for the "fraction of lines that reached
// Coraza" figure.
type Stats struct {
	Checked     uint64 // calls to Check with a web event
	Prefiltered uint64 // ruled out by MayMatch without Coraza
	CacheHits   uint64 // verdict served from the cache
	Evaluated   uint64 // requests evaluated by Coraza
	Errors      uint64 // evaluations Coraza could not complete (verdict left empty)
}

// Checker evaluates requests against CRS. It is safe for concurrent use.
type Checker struct {
	// Coraza reads CRS on the first request the prefilter cannot rule out,
	// so a scan of logs where no web request needs it (or of no web log at
	// all) never pays for it; its @rx operators are compiled on first use
	// (rx.go). Reading CRS and evaluating a first request cost ~0.1 CPU-s
	// (BenchmarkStartCoraza).
	wafOnce  sync.Once
	waf      coraza.WAF
	wafErr   error
	paranoia int
	cache    *cache[Verdict]
	// plainRx makes Coraza run CRS with its own @rx instead of kizuki_rx
	// (rx.go); tests compare the two.
	plainRx bool

	// The prefilter reads CRS's rule and data files and builds its automata
	// (~0.1 CPU-s, BenchmarkStartPrefilter) on the first web request, so
	// scans of other logs never do.
	preOnce sync.Once
	pre     *prefilter

	checked, prefiltered, cacheHits, evaluated, errs atomic.Uint64

	keyPool sync.Pool
	screens sync.Pool // *Screen for MayMatch and Check
}

// New prepares a Checker for the given paranoia level. The prefilter and
// Coraza are built on first use, at a cost of a few tenths of a CPU-second
// (BenchmarkStartPrefilter, BenchmarkStartCoraza): build one Checker and
// share it.
func New(opts Options) (*Checker, error) {
	if opts.Paranoia == 0 {
		opts.Paranoia = 1
	}
	if opts.Paranoia < 1 || opts.Paranoia > 4 {
		return nil, fmt.Errorf("crs: paranoia level %d out of range 1..4", opts.Paranoia)
	}
	if opts.CacheSize == 0 {
		opts.CacheSize = DefaultCacheSize
	}
	c := &Checker{paranoia: opts.Paranoia}
	if opts.CacheSize > 0 {
		c.cache = newCache[Verdict](opts.CacheSize)
	}
	c.keyPool.New = func() any { b := make([]byte, 0, 256); return &b }
	c.screens.New = func() any { return c.NewScreen() }
	return c, nil
}

// prefilter builds the prefilter once. It is built from the embedded CRS,
// which tests show it can read; should that ever fail, the failure is
// counted (Stats.Errors) and every request goes to Coraza.
func (c *Checker) prefilter() *prefilter {
	c.preOnce.Do(func() {
		pre, err := newPrefilter(embeddedFS{coreruleset.FS})
		if err != nil {
			c.errs.Add(1)
			return
		}
		c.pre = pre
	})
	return c.pre
}

// directives is the whole configuration: detection only, no request or
// response bodies, no audit or debug log (nothing is written anywhere), then
// CRS's own setup and its request rules. Response rules (95x, 980) are left
// out: an access log has no response to inspect. Coraza's experimental
// SecRxPreFilter stays off: it misses an attack (rx.go says which); the
// rule files name kizuki_rx instead (gatedFS).
func directives(paranoia int) string {
	pl := strconv.Itoa(paranoia)
	return `
SecRuleEngine DetectionOnly
SecRequestBodyAccess Off
SecResponseBodyAccess Off
SecAuditEngine Off
Include @crs-setup.conf.example
SecAction "id:900000,phase:1,pass,t:none,nolog,setvar:tx.blocking_paranoia_level=` + pl + `"
SecAction "id:900001,phase:1,pass,t:none,nolog,setvar:tx.detection_paranoia_level=` + pl + `"
Include @owasp_crs/REQUEST-*.conf
`
}

// rootFS is the embedded CRS as this Checker's Coraza reads it.
func (c *Checker) rootFS() fs.FS {
	if c.plainRx {
		return embeddedFS{coreruleset.FS}
	}
	return gatedFS{embeddedFS{coreruleset.FS}}
}

// embeddedFS confines every file Coraza opens (Include, @pmFromFile, ...) to
// the CRS files embedded in the binary: a name outside them is an error, never
// a read from the host's disk.
type embeddedFS struct{ fs.FS }

var errOutsideCRS = errors.New("crs: file outside the embedded rule set")

func (e embeddedFS) Open(name string) (fs.File, error) {
	name, ok := crsName(name)
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errOutsideCRS}
	}
	return e.FS.Open(name)
}

func (e embeddedFS) ReadFile(name string) ([]byte, error) {
	n, ok := crsName(name)
	if !ok {
		return nil, &fs.PathError{Op: "read", Path: name, Err: errOutsideCRS}
	}
	return fs.ReadFile(e.FS, n)
}

func (e embeddedFS) ReadDir(name string) ([]fs.DirEntry, error) {
	n, ok := crsName(name)
	if !ok {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errOutsideCRS}
	}
	return fs.ReadDir(e.FS, n)
}

func (e embeddedFS) Glob(pattern string) ([]string, error) {
	n, ok := crsName(pattern)
	if !ok {
		return nil, &fs.PathError{Op: "glob", Path: pattern, Err: errOutsideCRS}
	}
	return fs.Glob(e.FS, n)
}

// crsName maps the names Coraza asks for to names inside the embedded tree.
// Coraza prefixes included files with their parent's directory, so the
// "@..." part is what names the file (as coraza-coreruleset's own wrapper does).
func crsName(name string) (string, bool) {
	i := strings.IndexByte(name, '@')
	if i < 0 {
		return name, false
	}
	name = name[i:]
	if !fs.ValidPath(name) {
		return name, false
	}
	return name, true
}

// Check evaluates the request recorded by ev. Events that are not web
// requests, or carry no URL, get an empty verdict.
func (c *Checker) Check(ev *event.Event) Verdict { return c.check(ev, nil) }

// check is Check with the prefilter run on s, or on a pooled Screen when s
// is nil.
func (c *Checker) check(ev *event.Event, s *Screen) Verdict {
	if ev.Kind != event.KindWeb || ev.URL == "" {
		return Verdict{}
	}
	c.checked.Add(1)
	may := false
	if s != nil {
		may = s.MayMatch(ev)
	} else {
		may = c.MayMatch(ev)
	}
	if !may {
		c.prefiltered.Add(1)
		return Verdict{}
	}
	req := requestOf(ev)
	if c.cache == nil {
		c.evaluated.Add(1)
		return c.evaluate(&req)
	}
	bp := c.keyPool.Get().(*[]byte)
	key := req.appendKey((*bp)[:0])
	v, ok := c.cache.get(key)
	if ok {
		c.cacheHits.Add(1)
	} else {
		c.evaluated.Add(1)
		v = c.evaluate(&req)
		c.cache.put(string(key), v)
	}
	*bp = key
	c.keyPool.Put(bp)
	return v
}

// Stats returns the counters since New.
func (c *Checker) Stats() Stats {
	return Stats{
		Checked:     c.checked.Load(),
		Prefiltered: c.prefiltered.Load(),
		CacheHits:   c.cacheHits.Load(),
		Evaluated:   c.evaluated.Load(),
		Errors:      c.errs.Load(),
	}
}

// request is what an access log tells of an HTTP request, normalised the way
// the Checker sends it to Coraza.
type request struct {
	method, uri, proto, ua, referer string
}

func requestOf(ev *event.Event) request {
	r := request{method: ev.Method, uri: ev.URL, proto: ev.HTTPVersion, ua: ev.UserAgent, referer: ev.Referrer}
	if r.method == "" {
		r.method = "GET"
	}
	switch {
	case r.proto == "":
		r.proto = "HTTP/1.1"
	case !strings.HasPrefix(r.proto, "HTTP/"):
		r.proto = "HTTP/" + r.proto // ECS http.version is "1.1"
	}
	// "-" is how access logs write an absent header.
	if r.ua == "-" {
		r.ua = ""
	}
	if r.referer == "-" {
		r.referer = ""
	}
	r.method, r.uri, r.proto = clip(r.method), clip(r.uri), clip(r.proto)
	r.ua, r.referer = clip(r.ua), clip(r.referer)
	return r
}

// MaxField caps each request field handed to Coraza. CRS's regexes cost time
// in proportion to input length (a 1 MiB URL takes over a minute), and no
// common server accepts a longer request line or header (Apache 8,190 bytes,
// nginx 8 KiB, IIS 16 KiB by default), so longer fields are hostile or
// corrupt: their first MaxField bytes are checked.
const MaxField = 16 << 10

func clip(s string) string {
	if len(s) > MaxField {
		return s[:MaxField]
	}
	return s
}

// appendKey appends a collision-free encoding of r: every field is
// length-prefixed, so hostile bytes inside a field cannot forge a boundary.
func (r *request) appendKey(b []byte) []byte {
	for _, s := range [...]string{r.method, r.uri, r.proto, r.ua, r.referer} {
		b = strconv.AppendInt(b, int64(len(s)), 10)
		b = append(b, ':')
		b = append(b, s...)
	}
	return b
}

// evaluate runs Coraza on one request. Coraza is third-party code fed with
// hostile bytes: a panic inside it costs this request its verdict, never the
// scan.
func (c *Checker) evaluate(r *request) (v Verdict) {
	defer func() {
		if p := recover(); p != nil {
			c.errs.Add(1)
			v = Verdict{}
		}
	}()
	c.wafOnce.Do(func() {
		c.waf, c.wafErr = coraza.NewWAF(coraza.NewWAFConfig().
			WithRootFS(c.rootFS()).
			WithDirectives(directives(c.paranoia)))
	})
	if c.wafErr != nil { // the embedded CRS always compiles; tests make sure
		c.errs.Add(1)
		return Verdict{}
	}
	tx := c.waf.NewTransaction()
	defer tx.Close()
	tx.ProcessConnection("192.0.2.1", 40000, "192.0.2.2", 80)
	tx.ProcessURI(r.uri, r.method, r.proto)
	// Synthetic headers every real client sends; without them protocol
	// rules 920280/920310 would fire on every access-log line.
	tx.AddRequestHeader("Host", "localhost")
	tx.AddRequestHeader("Accept", "*/*")
	if r.ua != "" {
		tx.AddRequestHeader("User-Agent", r.ua)
	}
	if r.referer != "" {
		tx.AddRequestHeader("Referer", r.referer)
	}
	switch r.method {
	case "POST", "PUT", "PATCH":
		// The log cannot say how long the body was; claim none rather than
		// let 920180 (missing Content-Length) fire on every POST.
		tx.AddRequestHeader("Content-Length", "0")
	}
	tx.ProcessRequestHeaders()
	if _, err := tx.ProcessRequestBody(); err != nil {
		c.errs.Add(1)
		return Verdict{}
	}
	v.Score = anomalyScore(tx)
	for _, mr := range tx.MatchedRules() {
		if h, ok := hitOf(mr); ok {
			v.Hits = append(v.Hits, h)
		}
	}
	sort.Slice(v.Hits, func(i, j int) bool { return v.Hits[i].RuleID < v.Hits[j].RuleID })
	return v
}

func anomalyScore(tx types.Transaction) int {
	st, ok := tx.(plugintypes.TransactionState)
	if !ok {
		return 0
	}
	vals := st.Variables().TX().Get("blocking_inbound_anomaly_score")
	if len(vals) == 0 {
		return 0
	}
	n, _ := strconv.Atoi(vals[0])
	return n
}

// hitOf keeps the detection rules (911-944); initialisation (901, 905) and
// score evaluation (949) are CRS bookkeeping, not findings.
func hitOf(mr types.MatchedRule) (Hit, bool) {
	md := mr.Rule()
	id := md.ID()
	if id < 911000 || id >= 949000 || md.Severity() == types.RuleSeverityUnset {
		return Hit{}, false
	}
	tags := md.Tags()
	class := classOf(id, tags)
	msg, data := messageData(mr)
	return Hit{
		RuleID:    id,
		Message:   msg,
		Data:      data,
		Severity:  md.Severity().String(),
		Tags:      tags,
		Class:     class,
		Technique: techniqueOf(id, class),
	}, true
}

// messageData returns a hit's message and the variable it matched, the
// same on every run. Coraza reports the message and logdata of the first
// matched variable it met, and it meets the variables of a collection
// (ARGS, ARGS_NAMES, REQUEST_HEADERS, ...) in Go map order, so
// '?a[1]x=1&a[1]y=<b>' would name either argument, run by run; worse, CRS's
// logdata quotes TX.0, which rules without a capture (libinjection's
// 941101/942101) inherit from whichever earlier rule captured last, in that
// same order. So the data is the first matched variable in a fixed order
// (name, key, value), written from the match itself, and the message the
// least of those expanded.
func messageData(mr types.MatchedRule) (msg, data string) {
	var first types.MatchData
	for _, md := range mr.MatchedDatas() {
		if md.Message() != "" && (msg == "" || md.Message() < msg) {
			msg = md.Message()
		}
		if md.ChainLevel() == 0 && (first == nil || matchLess(md, first)) {
			first = md
		}
	}
	if msg == "" {
		msg = mr.Message()
	}
	// Copies: the strings may be slices of the request, and the request's
	// of the log's block, which is recycled once handled (scan.Handler).
	if first == nil {
		return strings.Clone(msg), ""
	}
	name := first.Variable().Name()
	if first.Key() != "" {
		name += ":" + first.Key()
	}
	return strings.Clone(msg), name + ": " + first.Value()
}

func matchLess(a, b types.MatchData) bool {
	return cmp.Or(
		cmp.Compare(a.Variable().Name(), b.Variable().Name()),
		cmp.Compare(a.Key(), b.Key()),
		cmp.Compare(a.Value(), b.Value())) < 0
}

// classByTag maps CRS attack tags to kizuki's classes; classByRange is the
// fallback by rule file when a rule carries no attack tag.
var classByTag = map[string]string{
	"attack-sqli":               "sqli",
	"attack-xss":                "xss",
	"attack-lfi":                "lfi",
	"attack-rfi":                "rfi",
	"attack-rce":                "rce",
	"attack-injection-php":      "php-injection",
	"attack-injection-java":     "java-injection",
	"attack-injection-generic":  "generic-injection",
	"attack-ssrf":               "ssrf",
	"attack-fixation":           "session-fixation",
	"attack-reputation-scanner": "scanner",
	"attack-protocol":           "protocol",
	"attack-multipart-header":   "protocol",
}

var classByRange = map[int]string{
	911: "protocol", 913: "scanner", 920: "protocol", 921: "protocol", 922: "protocol",
	930: "lfi", 931: "rfi", 932: "rce", 933: "php-injection", 934: "generic-injection",
	941: "xss", 942: "sqli", 943: "session-fixation", 944: "java-injection",
}

func classOf(id int, tags []string) string {
	for _, t := range tags {
		if c, ok := classByTag[t]; ok {
			return c
		}
	}
	if c, ok := classByRange[id/1000]; ok {
		return c
	}
	return "generic"
}

// techniqueOf maps a hit to MITRE ATT&CK: scanning is reconnaissance (T1595
// Active Scanning); every injection, and the protocol attacks of 921
// (smuggling, header injection, response splitting), is an attempt to exploit
// the public-facing application (T1190). Protocol enforcement (911, 920, 922)
// flags anomalies, which alone are no technique.
func techniqueOf(id int, class string) string {
	switch {
	case class == "scanner":
		return "T1595"
	case id/1000 == 921:
		return "T1190"
	case class == "protocol":
		return ""
	}
	return "T1190"
}
