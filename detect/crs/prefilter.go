package crs

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/corazawaf/libinjection-go"

	"github.com/kizuki-dfir/kizuki/internal/ac"
)

// maxPlain bounds the fields the prefilter will call plain; anything longer
// goes to Coraza (and keeps the lower-casing buffer on the stack).
const maxPlain = 512

// prefilter decides cheaply that CRS at paranoia 1 cannot match a request.
//
// It only ever answers "cannot match" for requests built from a small safe
// alphabet, where the PL1 rules that read the request line, User-Agent and
// Referer can only fire on literals: those literals are loaded from the very
// data files and rules CRS uses, so the prefilter follows the rule set it was
// built from. Everything else goes to Coraza. TestMayMatchConservative checks
// the claim against every regression payload and real traffic.
type prefilter struct {
	pathWords   *ac.Matcher      // literals of the data files CRS reads REQUEST_FILENAME with (and the XSS words if those rules read plain paths)
	headerWords *ac.Matcher      // literals CRS looks for in User-Agent
	refWords    *ac.Matcher      // literals CRS looks for in Referer
	squeezed    *ac.Matcher      // squeezedWords
	jsWords     *ac.Matcher      // jsWords, over base64-decoded bytes
	base64Rules []*regexp.Regexp // patterns of base64Rules
	restricted  map[string]bool  // tx.restricted_extensions (920440), lower case, with the dot
	options     bool             // OPTIONS is in tx.allowed_methods (911100)
	argWords    *ac.Matcher      // literals CRS looks for in arguments (@pmFromFile lists, inline @pm lists)
	// nodeWords are nodeLiterals (the literals of 934100 a plain path can
	// spell) and nodeRx 934100's pattern, which decides a path holding one:
	// "function" or "prototyp" alone cannot complete it without a byte a
	// plain path lacks ("function(){", "Module:prototype").
	nodeWords *ac.Matcher
	nodeRx    *regexp.Regexp
	// argRCE is every paranoia-1 @rx pattern over arguments (commands,
	// session names, ...), for values over rceAlphabet; nil when there is
	// none.
	argRCE *patternSet
	// headerRx is every @rx pattern of the paranoia-1 rules over
	// User-Agent (headerRules), for values over headerBytes; refRx those
	// over Referer, for values over refBytes; nil when there is none.
	headerRx, refRx *patternSet
	// refFull is refRx's patterns whole, for Referers that decode to
	// bytes above 0x7f.
	refFull *refPatterns
	// wideRx is every @rx pattern of the paranoia-1 rules that read the
	// query (queryRules), over wideRxBytes; wideWords the argument word
	// lists over wideWordBytes. widePair needs both.
	// Built on first use (wide), as only query values with escapes or
	// punctuation need them: a log without such values, or a 1-line scan,
	// does not pay their ~70 ms.
	wideOnce  sync.Once
	wideRx    *patternSet
	wideWords *ac.Matcher
	wideRules []headerRule // until built
	wideLits  []string     // until built
	// noQueries is set when a 932 pattern does not compile in RE2: queries
	// then always go to Coraza.
	noQueries bool
}

// The alphabets of the values each check reads, after the shape checks
// (and lower-casing, where the check lowers): a literal holding any other
// byte can never be found, so it is left out of the automaton.
var (
	pathAlphabet   = alphabetOf("abcdefghijklmnopqrstuvwxyz0123456789-_/.")
	argAlphabet    = alphabetOf("abcdefghijklmnopqrstuvwxyz0123456789-_.=+")
	headerAlphabet = alphabetOf("abcdefghijklmnopqrstuvwxyz0123456789-_/:~. ,+();@!?=&%#") // headerBytes, lowered
	// rceAlphabet is what commandAtStart reads: names and values as written
	// (either case), and their forms with "+" read as a space.
	rceAlphabet = alphabetOf("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.=+ ")
)

// Bounds of each Screen's memos (entries, over two generations). An entry
// costs a 12-byte slot (tables at most half full) and its key's bytes, at
// most memoKeyBytes on average a generation, so a worker's memos stay under
// 8 MB whatever the log holds (about 2 MB on the generated access log). The
// URL memo, which holds paths (URLs up to their "?"), is the large one: 16k
// a generation. The query memo holds whole query strings; with both, a
// worker's share of the generated 1 GB log (2.2M URLs) computes 229k paths
// and 67k queries, where one memo of whole URLs computed 466k URLs.
const (
	urlMemo     = 1 << 15
	queryMemo   = 1 << 14
	headerMemo  = 1 << 11
	pairMemo    = 1 << 13
	commandMemo = 1 << 12
	base64Memo  = 1 << 10
)

// Data files whose literals PL1 rules match against REQUEST_FILENAME (930130,
// 930140, 934110, 934190, 944130). php-function-names-933150.data is left
// out on purpose: 933150 chains on "(" or ")", which no plain path holds.
var pathDataFiles = []string{
	"@owasp_crs/restricted-files.data",
	"@owasp_crs/ai-critical-artifacts.data",
	"@owasp_crs/ssrf.data",
	"@owasp_crs/ssrf-no-scheme.data",
	"@owasp_crs/java-classes.data",
}

// Data files for User-Agent and Referer (913100 scanners, 944130 Java
// classes on every header).
// argDataFiles are the request-side word lists CRS matches arguments with
// (@pmFromFile). A query whose names and values contain none of their words,
// nor any inline @pm word of the request rules, can only meet CRS's regular
// expressions, which need characters plain queries do not have.
var argDataFiles = []string{
	"@owasp_crs/ai-critical-artifacts.data",
	"@owasp_crs/java-classes.data",
	"@owasp_crs/lfi-os-files.data",
	"@owasp_crs/php-function-names-933150.data",
	"@owasp_crs/php-variables.data",
	"@owasp_crs/restricted-files.data",
	"@owasp_crs/restricted-upload.data",
	"@owasp_crs/ssrf-no-scheme.data",
	"@owasp_crs/ssrf.data",
	"@owasp_crs/unix-shell.data",
	"@owasp_crs/windows-powershell-commands.data",
	"@owasp_crs/web-shells-php.data",
	"@owasp_crs/web-shells-asp.data",
}

// argRuleFiles are the request rule files whose inline @pm lists argWords
// also takes in.
var argRuleFiles = []string{
	"@owasp_crs/REQUEST-920-PROTOCOL-ENFORCEMENT.conf",
	"@owasp_crs/REQUEST-921-PROTOCOL-ATTACK.conf",
	"@owasp_crs/REQUEST-930-APPLICATION-ATTACK-LFI.conf",
	"@owasp_crs/REQUEST-931-APPLICATION-ATTACK-RFI.conf",
	"@owasp_crs/REQUEST-932-APPLICATION-ATTACK-RCE.conf",
	"@owasp_crs/REQUEST-933-APPLICATION-ATTACK-PHP.conf",
	"@owasp_crs/REQUEST-934-APPLICATION-ATTACK-GENERIC.conf",
	"@owasp_crs/REQUEST-941-APPLICATION-ATTACK-XSS.conf",
	"@owasp_crs/REQUEST-942-APPLICATION-ATTACK-SQLI.conf",
	"@owasp_crs/REQUEST-943-APPLICATION-ATTACK-SESSION-FIXATION.conf",
	"@owasp_crs/REQUEST-944-APPLICATION-ATTACK-JAVA.conf",
}

// sqlNames are plain words that CRS's regular expressions (not its @pm
// lists) can match in an argument of letters and digits alone: database and
// schema names (942140), SQL and script keywords, URL schemes, prototype
// pollution, overflow values and session-id parameter names. The list is
// deliberately broad: a word here only means "ask Coraza".
var sqlNames = []string{"information_schema", "mysql", "msdb", "sysibm", "syscat", "sysdummy", "pg_catalog", "pg_shadow",
	"pg_user", "sqlite_master", "sqlite_temp_master", "tempdb", "northwind", "all_tables", "user_tables",
	"dba_", "v$", "rdb$", "systables", "syscolumns", "sysobjects", "sysusers", "xp_", "sp_", "utl_", "dbms_",
	"select", "union", "sleep", "benchmark", "waitfor", "shutdown", "load_file", "outfile", "dumpfile", "procedure",
	"script", "alert", "onerror", "onload", "javascript", "vbscript", "iframe", "document", "eval", "expression",
	"jndi", "ldap", "rmi", "iiop", "corba",
	// 934130 prototype pollution
	"__proto__", "proto", "prototype", "constructor",
	// 942220 integer and float overflow values (an exact-match list)
	"4294967295", "4294967296", "2147483648", "2147483647", "2147483649", "0000012345", "0000023456",
	"2.2250738585072007e-308", "2.2250738585072011e-308", "1e309",
	// 943110/943120 session fixation: session-id names in the query
	"session", "sess", "sid", "token", "cfid", "cftoken", "shiny"}

var inlinePmRE = regexp.MustCompile(`"@pm ([^"]*)"`)

// headerWords are the literals PL1 regex rules need before they can fire on
// a header made of the plain alphabet: Java deserialisation (944110,
// 944120), script schemes and XML/HTML vectors (941130, 941170), SQL
// functions (942280) and mysql, which 932340 accepts with a suffix. The SQL
// and XSS rules built on libinjection (942100, 941100) are asked directly.
var headerWords = []string{
	"mysql", "runtime", "processbuilder", "java.", "unmarshaller", "base64", "xmldecoder",
	"javascript", "vbscript", "data:", "xhtml", "xmlns", "xlink", "formaction",
	"pg_sleep", "waitfor", "shutdown",
}

// xssVectorWords are the headerWords only 941130 needs (XML and HTML
// vectors: "xlink:href", "xhtml", "xmlns", "formaction"). 941130 reads the
// User-Agent but not the Referer, so a Referer naming a page ".xhtml" need
// not go to Coraza (on real traffic, the most common reason it did).
var xssVectorWords = []string{"xhtml", "xmlns", "xlink", "formaction"}

// rulesReading returns the rules of rules that read the request header
// named header.
func rulesReading(rules []headerRule, header string) []headerRule {
	var out []headerRule
	for _, r := range rules {
		if r.reads(header) {
			out = append(out, r)
		}
	}
	return out
}

// roleLiterals are the literals the rules of one header (rulesReading) can
// fire on: the data files of their @pmFromFile lists, and with gates
// headerWords, less the words of 941130 unless one of the rules is 941130.
// The rules' @rx patterns are asked as well (headerRx, refRx): the words
// are their fast gate, so a word left out can cost time, never a verdict.
// The Referer is asked without gates (plainReferer): on real traffic they
// refused Referers Coraza clears ("ijavascript.cn",
// "how-to-cleanly-shutdown-eclipse"), and the pattern runs they saved are
// once per distinct Referer (plainHeader's memo).
func roleLiterals(root fs.FS, rules []headerRule, gates bool) ([]string, error) {
	var files []string
	xss := false
	for _, r := range rules {
		if name, ok := strings.CutPrefix(r.operator, "@pmFromFile "); ok {
			if name = "@owasp_crs/" + name; !slices.Contains(files, name) {
				files = append(files, name)
			}
		}
		xss = xss || r.id == "941130"
	}
	lits, err := readLiterals(root, files)
	if err != nil {
		return nil, err
	}
	for _, w := range headerWords {
		if gates && (xss || !slices.Contains(xssVectorWords, w)) {
			lits = append(lits, w)
		}
	}
	return lits, nil
}

// squeezedWords are matched with every non-word byte removed, as 941170
// allows any of them between the letters ("-m o z-binding", "@i m p o r t").
var squeezedWords = []string{"mozbinding", "import"}

// shellCommands end 932340's pattern ("…; ps", "env w", "/bin/ls" at the end
// of a header). Its prefixes and optional path never end in a letter, so the
// command is exactly the header's trailing run of letters.
var shellCommands = map[string]bool{
	"aptitude": true, "df": true, "dmesg": true, "env": true, "hostname": true, "htop": true,
	"iostat": true, "vmstat": true, "reboot": true, "last": true, "ls": true, "mysql": true,
	"ps": true, "psql": true, "set": true, "shutdown": true, "su": true,
	"w": true, "who": true, "whoami": true, "whois": true,
}

// nodeLiterals are the literals of the PL1 regex rule on REQUEST_FILENAME
// that a plain path can spell: 934100 (Node.js injection). They gate its
// pattern for paths (nodeWords) and are argument words too. xssWords are
// 941130's; they matter for arguments, and for paths only when the XSS
// rules read the path (xssReadsPlainPaths).
var nodeLiterals = []string{
	"__js_function", "process.", "process[", "constructor", "module.exports", "child_process",
	"console.", "require.", "require[", "fromcharcod", "prototyp", "function",
}

var xssWords = []string{"xhtml", "xmlns", "xlink", "formaction"}

// xssReadsPlainPaths reports whether CRS's XSS rules can read a plain path
// (plainPath's bytes: letters, digits, '-', '_', '.', '/'). They do not in
// CRS 4: rule 941010 takes REQUEST_FILENAME off every rule tagged
// xss-perf-disable when all its bytes are in a range that holds those, and
// every 941 rule that reads REQUEST_FILENAME carries the tag. Both are read
// from the rule file, so a CRS that changes either makes the prefilter look
// for the XSS words in paths again (TestXSSSkipsPlainPaths).
func xssReadsPlainPaths(conf []byte) bool {
	m := xssPerfRE.FindSubmatch(conf)
	if m == nil {
		return true
	}
	var in [256]bool
	for _, part := range strings.Split(string(m[1]), ",") {
		lo, hi, ok := strings.Cut(part, "-")
		if !ok {
			hi = lo
		}
		a, err1 := strconv.Atoi(lo)
		b, err2 := strconv.Atoi(hi)
		if err1 != nil || err2 != nil || a < 0 || b > 255 || a > b {
			return true
		}
		for c := a; c <= b; c++ {
			in[c] = true
		}
	}
	for _, c := range []byte("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./") {
		if !in[c] {
			return true
		}
	}
	for _, r := range ruleLineRE.FindAll(bytes.ReplaceAll(conf, []byte("\\\n"), nil), -1) {
		targets, _, _ := bytes.Cut(bytes.TrimPrefix(r, []byte("SecRule ")), []byte(" "))
		if bytes.Contains(targets, []byte("REQUEST_FILENAME")) && !bytes.Contains(r, []byte("id:941010,")) &&
			!bytes.Contains(r, []byte("tag:'xss-perf-disable'")) {
			return true
		}
	}
	return false
}

var (
	xssPerfRE  = regexp.MustCompile(`SecRule REQUEST_FILENAME "!@validateByteRange ([0-9,\-]+)"\s*\\\s*\n\s*"id:941010,[^"]*ctl:ruleRemoveTargetByTag=xss-perf-disable;REQUEST_FILENAME`)
	ruleLineRE = regexp.MustCompile(`(?m)^SecRule [^\n]*`)
)

// base64Rules are the PL1 rules that base64-decode REQUEST_FILENAME before
// matching (t:base64Decode): a plain path can decode to anything, so the
// prefilter decodes it too and runs their own patterns on the result.
var base64Rules = []int{nodeRule, 934160}

// nodeRule is 934100 (Node.js injection), the PL1 regex rule on
// REQUEST_FILENAME whose literals (nodeLiterals) a plain path can spell.
const nodeRule = 934100

var (
	restrictedExtRE = regexp.MustCompile(`setvar:'tx\.restricted_extensions=([^']*)'`)
	allowedMethodRE = regexp.MustCompile(`setvar:'tx\.allowed_methods=([^']*)'`)
	pm941180RE      = regexp.MustCompile(`"@pm ([^"]*)"\s*\\\s*\n\s*"id:941180,`)
)

func newPrefilter(root fs.FS) (*prefilter, error) {
	// The argument patterns are half the work and need nothing else built
	// here: they are built on a goroutine of their own meanwhile. The scan's
	// other workers wait for the prefilter (Checker.prefilter), so the
	// second core is otherwise idle.
	type argResult struct {
		set       *patternSet
		noQueries bool
		err       error
	}
	args := make(chan argResult, 1)
	go func() {
		set, noQueries, err := argPatterns(root)
		args <- argResult{set, noQueries, err}
	}()

	pathLits, err := readLiterals(root, pathDataFiles)
	if err != nil {
		return nil, err
	}
	// 941180 keeps its list inline (document.cookie, .innerhtml, ...).
	xss, err := fs.ReadFile(root, "@owasp_crs/REQUEST-941-APPLICATION-ATTACK-XSS.conf")
	if err != nil {
		return nil, fmt.Errorf("read 941 rules: %w", err)
	}
	m := pm941180RE.FindSubmatch(xss)
	if m == nil {
		return nil, fmt.Errorf("rule 941180: @pm list not found")
	}
	xssLits := append(strings.Fields(strings.ToLower(string(m[1]))), xssWords...)
	// The path automaton holds the data files' literals, which are matches
	// of their rules, and the XSS words only if the XSS rules read plain
	// paths; 934100's literals (nodeLiterals) have an automaton of their own,
	// as its pattern decides a path holding one. Arguments are read
	// whatever the path, with every word.
	pathOnly := append([]string(nil), pathLits...)
	if xssReadsPlainPaths(xss) {
		pathOnly = append(pathOnly, xssLits...)
	}
	pathLits = append(pathLits, nodeLiterals...)
	pathLits = append(pathLits, xssLits...)

	var b64 []*regexp.Regexp
	generic, err := fs.ReadFile(root, "@owasp_crs/REQUEST-934-APPLICATION-ATTACK-GENERIC.conf")
	if err != nil {
		return nil, fmt.Errorf("read 934 rules: %w", err)
	}
	for _, id := range base64Rules {
		pat, err := rulePattern(generic, id)
		if err != nil {
			return nil, err
		}
		// Coraza compiles @rx with (?sm); do the same so both agree.
		re, err := regexp.Compile("(?sm)" + pat)
		if err != nil {
			return nil, fmt.Errorf("rule %d: %w", id, err)
		}
		b64 = append(b64, re)
	}

	init, err := fs.ReadFile(root, "@owasp_crs/REQUEST-901-INITIALIZATION.conf")
	if err != nil {
		return nil, fmt.Errorf("read 901 rules: %w", err)
	}
	em := restrictedExtRE.FindSubmatch(init)
	if em == nil {
		return nil, fmt.Errorf("tx.restricted_extensions not found in 901 rules")
	}
	restricted := map[string]bool{}
	for _, e := range strings.Fields(strings.ToLower(string(em[1]))) {
		restricted[strings.TrimSuffix(e, "/")] = true
	}
	options, err := optionsAllowed(init)
	if err != nil {
		return nil, err
	}
	argLits, err := readLiterals(root, argDataFiles)
	if err != nil {
		return nil, err
	}
	// widePair's lists take the inline @pm words of first conditions only:
	// a chained "@pm ( )" (933150) narrows its rule, and would send every
	// value with a parenthesis to Coraza.
	wideLits := append(append(append([]string(nil), argLits...), pathLits...), sqlNames...)
	hrules, qrules, err := headerAndQueryRules(root)
	if err != nil {
		return nil, err
	}
	for _, r := range qrules {
		if words, ok := strings.CutPrefix(r.operator, "@pm "); ok {
			wideLits = append(wideLits, strings.Fields(strings.ToLower(words))...)
		}
	}
	for _, name := range argRuleFiles {
		conf, err := fs.ReadFile(root, name)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		for _, m := range inlinePmRE.FindAllSubmatch(conf, -1) {
			argLits = append(argLits, strings.Fields(strings.ToLower(string(m[1])))...)
		}
	}
	argLits = append(argLits, pathLits...)
	argLits = append(argLits, sqlNames...)

	arg := <-args
	if arg.err != nil {
		return nil, arg.err
	}
	argRCE, noQueries := arg.set, arg.noQueries

	uaRules, refRules := rulesReading(hrules, "User-Agent"), rulesReading(hrules, "Referer")
	headerRx, err := rulePatterns(uaRules, headerBytes)
	if err != nil {
		return nil, fmt.Errorf("user-agent patterns: %w", err)
	}
	refRx, err := rulePatterns(refRules, refBytes)
	if err != nil {
		return nil, fmt.Errorf("referer patterns: %w", err)
	}
	headerLits, err := roleLiterals(root, uaRules, true)
	if err != nil {
		return nil, err
	}
	refLits, err := roleLiterals(root, refRules, false)
	if err != nil {
		return nil, err
	}

	f := &prefilter{
		wideRules:   qrules,
		wideLits:    keepWithin(wideLits, wideWordBytes),
		headerRx:    headerRx,
		refRx:       refRx,
		refFull:     newRefPatterns(refRules),
		argRCE:      argRCE,
		noQueries:   noQueries,
		base64Rules: b64,
		nodeRx:      b64[slices.Index(base64Rules, nodeRule)],
		restricted:  restricted,
		options:     options,
	}
	for _, w := range []struct {
		m     **ac.Matcher
		lits  []string
		alpha *alphabet
	}{
		{&f.argWords, argLits, argAlphabet},
		{&f.pathWords, pathOnly, pathAlphabet},
		{&f.nodeWords, nodeLiterals, pathAlphabet},
		{&f.headerWords, headerLits, headerAlphabet},
		{&f.refWords, refLits, refAlphabet},
		{&f.squeezed, squeezedWords, alphabetOf("abcdefghijklmnopqrstuvwxyz0123456789_")},
		{&f.jsWords, jsWords, nil},
	} {
		lits := w.lits
		if w.alpha != nil {
			lits = keepWithin(lits, w.alpha)
		}
		if *w.m = ac.New(lits, nil); *w.m == nil {
			return nil, fmt.Errorf("literal automaton of %d words too large", len(lits))
		}
	}
	return f, nil
}

// headerAndQueryRules is headerRules and queryRules from one reading of
// the rule files (TestHeaderAndQueryRules): reading and matching them is
// most of what listing the rules costs.
func headerAndQueryRules(root fs.FS) (header, query []headerRule, err error) {
	isHeader := func(t string) bool { return headerTargets[t] }
	either, err := firstConditions(root, func(t string) bool { return isHeader(t) || queryTarget(t) })
	if err != nil {
		return nil, nil, err
	}
	for _, r := range either {
		if anyTarget(r.targets, isHeader) {
			header = append(header, r)
		}
		if anyTarget(r.targets, queryTarget) {
			query = append(query, r)
		}
	}
	return header, query, nil
}

// anyTarget reports whether reads holds for one of targets ("A|B|…"), as
// firstConditions tests it.
func anyTarget(targets string, reads func(string) bool) bool {
	for _, t := range strings.Split(targets, "|") {
		if reads(t) {
			return true
		}
	}
	return false
}

// wide returns the query patterns and words widePair needs, building them
// on the first call; either is nil when it cannot be built (a query rule
// RE2 cannot parse, a word list too large), which turns widePair off: such
// values then go to Coraza.
func (f *prefilter) wide() (*patternSet, *ac.Matcher) {
	f.wideOnce.Do(func() {
		if rx, err := rulePatterns(f.wideRules, wideRxBytes); err == nil {
			f.wideRx = rx
		}
		f.wideWords = ac.New(f.wideLits, nil)
		f.wideRules, f.wideLits = nil, nil
	})
	return f.wideRx, f.wideWords
}

// argPatterns compiles the request rules' regular expressions over
// arguments (at paranoia level 1), which the prefilter asks directly: a
// plain value has no syntax for them to need, but it can be a command the
// 932 rules match at its start ("lastlog") or a session-id name 943110
// knows. noQueries reports a pattern RE2 cannot parse: every query then
// goes to Coraza.
//
// Each rule's pattern is parsed once, on its own, and the set is their
// alternation: parsing the joined alternation (argPatternSource) as well,
// and compiling every pattern to check it, took most of the time New spends
// outside Coraza.
func argPatterns(root fs.FS) (p *patternSet, noQueries bool, err error) {
	pats, err := argPatternList(root)
	if err != nil {
		return nil, false, err
	}
	if len(pats) == 0 {
		return nil, false, nil
	}
	alt := &syntax.Regexp{Op: syntax.OpAlternate}
	for _, pat := range pats {
		re, err := syntax.Parse("(?i)(?:"+pat+")", syntax.Perl)
		if err != nil {
			return nil, true, nil // not RE2 syntax: Coraza decides
		}
		alt.Sub = append(alt.Sub, re)
	}
	p, err = compileParsed(alt, rceAlphabet)
	if err != nil {
		return nil, false, fmt.Errorf("argument patterns: %w", err)
	}
	return p, false, nil
}

// argPatternSource returns the alternation of every first-condition @rx
// pattern over ARGS of the paranoia-1 request rules ("" if none), and ok
// false if one of them does not compile in RE2. It is the expression
// argPatterns' set must agree with (TestRestrictedPatterns).
func argPatternSource(root fs.FS) (pat string, ok bool, err error) {
	pats, err := argPatternList(root)
	if err != nil {
		return "", false, err
	}
	var alternatives []string
	for _, p := range pats {
		if _, err := regexp.Compile(p); err != nil {
			return "", false, nil
		}
		alternatives = append(alternatives, "(?:"+p+")")
	}
	if len(alternatives) == 0 {
		return "", true, nil
	}
	return "(?i)" + strings.Join(alternatives, "|"), true, nil
}

// argPatternList returns the first-condition @rx pattern of every
// paranoia-1 request rule over ARGS, as written.
func argPatternList(root fs.FS) ([]string, error) {
	var pats []string
	for _, name := range argRuleFiles {
		conf, err := fs.ReadFile(root, name)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		// MayMatch answers for paranoia level 1 only: the rules after the
		// level-2 marker never run there.
		pl1 := string(conf)
		if i := strings.Index(pl1, `"@lt 2"`); i >= 0 {
			pl1 = pl1[:i]
		}
		for _, line := range strings.Split(pl1, "\n") {
			// Only the first condition of each rule: a chained condition
			// narrows it, so leaving it out is conservative.
			if !strings.HasPrefix(line, "SecRule ") || !strings.Contains(strings.Fields(line)[1], "ARGS") {
				continue
			}
			i := strings.Index(line, `"@rx `)
			j := strings.LastIndex(line, `" \`)
			if i < 0 || j <= i {
				continue // @pm and @pmFromFile rules: covered by argWords
			}
			pats = append(pats, line[i+len(`"@rx `):j])
		}
	}
	return pats, nil
}

// rulePattern returns the @rx pattern of rule id in a CRS .conf file: the
// operator on the SecRule line just above "id:<id>,".
func rulePattern(conf []byte, id int) (string, error) {
	at := bytes.Index(conf, []byte(fmt.Sprintf(`"id:%d,`, id)))
	if at < 0 {
		return "", fmt.Errorf("rule %d not found", id)
	}
	start := bytes.LastIndex(conf[:at], []byte(`"@rx `))
	if start < 0 {
		return "", fmt.Errorf("rule %d: no @rx operator", id)
	}
	line := conf[start+len(`"@rx `) : at]
	end := bytes.LastIndex(line, []byte(`" \`))
	if end < 0 {
		return "", fmt.Errorf("rule %d: unterminated @rx operator", id)
	}
	return string(line[:end]), nil
}

// readLiterals reads CRS .data files: one literal a line, # comments. pm
// matching is case-insensitive, so literals are lowered.
func readLiterals(root fs.FS, names []string) ([]string, error) {
	var out []string
	for _, name := range names {
		b, err := fs.ReadFile(root, name)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			l := strings.TrimSpace(sc.Text())
			if l == "" || l[0] == '#' {
				continue
			}
			out = append(out, strings.ToLower(l))
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
	}
	return out, nil
}

// shortNumber reports whether v is 1 to 9 decimal digits.
func shortNumber(v string) bool {
	if v == "" || len(v) > 9 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return true
}

// base64MatchSlow applies 934100/934160 the way CRS does to a plain path or
// value: t:base64Decode, then t:urlDecodeUni and t:jsDecode, then
// t:removeWhitespace (934100) or t:replaceComments (934160). Both rules are
// multiMatch: CRS tries their patterns after every transformation, not only
// the last, so "new Function(" matches 934100 right after base64Decode even
// though removeWhitespace would then make it "newFunction(". Every
// intermediate form is tried with both patterns (a superset of what either
// rule sees), and the whitespace-free form of the decoded bytes too.
func (f *prefilter) base64MatchSlow(p string) bool {
	d := base64Strict(p)
	if d == "" {
		return false
	}
	u := urlDecodeUni(d)
	j := jsDecode(u)
	for _, v := range []string{d, u, j, removeSpace(d), removeSpace(j), replaceComments(j)} {
		if !mentionsJS(v) {
			continue
		}
		for _, re := range f.base64Rules {
			if re.MatchString(v) {
				return true
			}
		}
	}
	return false
}

// removeSpace is t:removeWhitespace.
func removeSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// replaceComments is t:replaceComments: each C comment, and an unterminated
// one at the end, becomes one space.
func replaceComments(s string) string {
	if !strings.Contains(s, "/*") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "/*")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteByte(' ')
		j := strings.Index(s[i+2:], "*/")
		if j < 0 {
			return b.String()
		}
		s = s[i+2+j+2:]
	}
}

// jsWords are literals every alternative of 934100's and 934160's patterns
// contains (case-insensitively): decoded bytes holding none of them cannot
// match, and most base64-looking paths decode to noise.
var jsWords = []string{"nd_func", "js_function", "eval", "function", "fromcharcod", "prototyp", "cons", "module",
	"child_process", "process", "binding", "env", "global", "main", "require", "while"}

func mentionsJS(v string) bool {
	l := strings.ToLower(v)
	for _, w := range jsWords {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

// decodeWithin returns s as Coraza decodes a query argument and as
// t:urlDecodeUni decodes a plain header ("+" a space, %HH a byte), and ok
// false unless every escape is a well-formed %HH (no %uHHHH, no malformed
// escape, which Coraza copies through) and every byte, as written or
// decoded, is in a: the prefilter decides only what it models.
func decodeWithin(s string, a *alphabet) (d string, ok bool) {
	var buf [maxPlain]byte
	if len(s) > len(buf) {
		return "", false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '+':
			c = ' '
		case '%':
			if i+2 >= len(s) || !isHexByte(s[i+1]) || !isHexByte(s[i+2]) {
				return "", false
			}
			c = byte(hexVal(s[i+1 : i+3]))
			if c >= 128 || !a[c] {
				return "", false
			}
			i += 2
		default:
			if c >= 128 || !a[c] {
				return "", false
			}
		}
		buf[n] = c
		n++
	}
	if n == len(s) && strings.IndexByte(s, '+') < 0 {
		return s, true
	}
	return string(buf[:n]), true
}

// urlDecodeUni decodes %HH, %uHHHH and + as ModSecurity's transformation
// does, leaving malformed escapes as they are.
func urlDecodeUni(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			b.WriteByte(' ')
		case c == '%' && i+5 < len(s) && (s[i+1] == 'u' || s[i+1] == 'U') && isHex(s[i+2:i+6]):
			b.WriteRune(rune(hexVal(s[i+2 : i+6])))
			i += 5
		case c == '%' && i+2 < len(s) && isHex(s[i+1:i+3]):
			b.WriteByte(byte(hexVal(s[i+1 : i+3])))
			i += 2
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// jsDecode decodes JavaScript escapes (\xHH, \uHHHH, \n and friends, \c).
func jsDecode(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		n := s[i+1]
		switch {
		case (n == 'x' || n == 'X') && i+3 < len(s) && isHex(s[i+2:i+4]):
			b.WriteByte(byte(hexVal(s[i+2 : i+4])))
			i += 3
		case (n == 'u' || n == 'U') && i+5 < len(s) && isHex(s[i+2:i+6]):
			b.WriteRune(rune(hexVal(s[i+2 : i+6])))
			i += 5
		default:
			switch n {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'f':
				b.WriteByte('\f')
			case 'v':
				b.WriteByte('\v')
			case 'b':
				b.WriteByte('\b')
			case 'a':
				b.WriteByte('\a')
			default:
				b.WriteByte(n)
			}
			i++
		}
	}
	return b.String()
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func hexVal(s string) int {
	v := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			v = v<<4 | int(c-'0')
		case 'a' <= c && c <= 'f':
			v = v<<4 | int(c-'a'+10)
		default:
			v = v<<4 | int(c-'A'+10)
		}
	}
	return v
}

// base64Strict decodes src as ModSecurity's base64Decode does: up to the
// first byte outside the alphabet, ignoring line breaks.
func base64Strict(src string) string { return string(base64Into(nil, src)) }

// injection asks libinjection what 942100 and 941100 would. They see the
// header through t:urlDecodeUni, which turns '+' into a space; their other
// transformations leave the plain alphabet as it is.
func injection(h string) bool {
	if sqli, _ := libinjection.IsSQLi(h); sqli || libinjection.IsXSS(h) {
		return true
	}
	if strings.IndexByte(h, '+') >= 0 {
		hs := strings.ReplaceAll(h, "+", " ")
		if sqli, _ := libinjection.IsSQLi(hs); sqli || libinjection.IsXSS(hs) {
			return true
		}
	}
	return false
}

// optionsAllowed reports whether CRS's initialization (901) allows the
// OPTIONS method (tx.allowed_methods, which 911100 enforces). Past 911100,
// no paranoia-1 rule fires on OPTIONS where it would not on GET: the rules
// that read REQUEST_METHOD concern GET and HEAD with a body (920170,
// 920171), POST (920180) and a method override (920 with ARGS:_method), or
// leave OPTIONS out (920310, 920311), and 920100's request line takes any
// method of 3 to 10 letters. TestOptionsLikeGet replays requests both ways
// through Coraza.
func optionsAllowed(init []byte) (bool, error) {
	m := allowedMethodRE.FindSubmatch(init)
	if m == nil {
		return false, fmt.Errorf("tx.allowed_methods not found in 901 rules")
	}
	return slices.Contains(strings.Fields(string(m[1])), "OPTIONS"), nil
}
