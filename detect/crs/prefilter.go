package crs

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"unicode"

	"github.com/corazawaf/libinjection-go"
	ahocorasick "github.com/petar-dambovaliev/aho-corasick"

	"github.com/kizuki-dfir/kizuki/event"
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
	pathWords   *wordSet         // literals CRS looks for in REQUEST_FILENAME
	headerWords *wordSet         // literals CRS looks for in User-Agent and Referer
	squeezed    *wordSet         // squeezedWords
	base64Rules []*regexp.Regexp // patterns of base64Rules
	restricted  map[string]bool  // tx.restricted_extensions (920440), lower case, with the dot
	argWords    *wordSet         // literals CRS looks for in arguments (@pmFromFile lists, inline @pm lists)
	argRCE      []*regexp.Regexp // paranoia-1 @rx patterns over arguments (commands, session names, ...)

	// The two costly questions (a regex over the base64-decoded path, and
	// libinjection over a header) are asked once per distinct value: log
	// lines repeat paths and User-Agents endlessly.
	base64Memo, injectMemo, rceMemo, headerMemo, pairMemo *cache[bool]
}

// memoSize bounds each prefilter memo.
const memoSize = 1 << 14

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

var (
	inlinePmRE = regexp.MustCompile(`"@pm ([^"]*)"`)
	// noPlainQueries is set when a 932 pattern does not compile in RE2:
	// queries then always go to Coraza.
	noPlainQueries bool
)

var headerDataFiles = []string{
	"@owasp_crs/scanners-user-agents.data",
	"@owasp_crs/java-classes.data",
}

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

// pathWords are literals of PL1 regex rules on REQUEST_FILENAME that a plain
// path can spell: 934100 (Node.js injection), 941130.
var pathWords = []string{
	"__js_function", "process.", "process[", "constructor", "module.exports", "child_process",
	"console.", "require.", "require[", "fromcharcod", "prototyp", "function",
	"xhtml", "xmlns", "xlink", "formaction",
}

// base64Rules are the PL1 rules that base64-decode REQUEST_FILENAME before
// matching (t:base64Decode): a plain path can decode to anything, so the
// prefilter decodes it too and runs their own patterns on the result.
var base64Rules = []int{934100, 934160}

var (
	restrictedExtRE = regexp.MustCompile(`setvar:'tx\.restricted_extensions=([^']*)'`)
	pm941180RE      = regexp.MustCompile(`"@pm ([^"]*)"\s*\\\s*\n\s*"id:941180,`)
)

func newPrefilter(root fs.FS) (*prefilter, error) {
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
	pathLits = append(pathLits, strings.Fields(strings.ToLower(string(m[1])))...)
	pathLits = append(pathLits, pathWords...)

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

	headerLits, err := readLiterals(root, headerDataFiles)
	if err != nil {
		return nil, err
	}
	headerLits = append(headerLits, headerWords...)

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
	argLits, err := readLiterals(root, argDataFiles)
	if err != nil {
		return nil, err
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

	// The request rules' regular expressions over arguments (at paranoia
	// level 1) are asked directly, compiled in RE2: a plain value has no
	// syntax for them to need, but it can be a command the 932 rules match
	// at its start ("lastlog") or a session-id name 943110 knows. One that
	// RE2 cannot compile makes every query go to Coraza.
	var argRCE []*regexp.Regexp
	var alternatives []string
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
			pat := line[i+len(`"@rx `) : j]
			if _, err := regexp.Compile(pat); err != nil {
				noPlainQueries = true
				break
			}
			alternatives = append(alternatives, "(?:"+pat+")")
		}
	}
	// One automaton for all of them: a value is read once, not once a rule.
	if len(alternatives) > 0 && !noPlainQueries {
		re, err := regexp.Compile("(?i)" + strings.Join(alternatives, "|"))
		if err != nil {
			noPlainQueries = true
		} else {
			argRCE = []*regexp.Regexp{re}
		}
	}

	return &prefilter{
		argRCE:      argRCE,
		argWords:    newWordSet(argLits),
		pathWords:   newWordSet(pathLits),
		headerWords: newWordSet(headerLits),
		squeezed:    newWordSet(squeezedWords),
		base64Rules: b64,
		restricted:  restricted,
		base64Memo:  newCache[bool](memoSize),
		injectMemo:  newCache[bool](memoSize),
		rceMemo:     newCache[bool](memoSize),
		headerMemo:  newCache[bool](memoSize),
		pairMemo:    newCache[bool](memoSize),
	}, nil
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

// MayMatch is the cheap prefilter. false means CRS cannot match this request
// at paranoia 1: a GET or HEAD of a plain path ([A-Za-z0-9/._-], no query, no
// dot-files, no restricted extension, none of the literals CRS looks for),
// with a User-Agent and Referer of the same kind. At paranoia 2 and above it
// always says true: the higher levels have rules (e.g. 920273 on every
// header byte outside a strict set) that no literal filter can rule out.
func (c *Checker) MayMatch(ev *event.Event) bool {
	if c.paranoia > 1 {
		return true
	}
	switch ev.Method {
	case "GET", "HEAD", "POST":
	default:
		return true
	}
	switch ev.HTTPVersion {
	case "", "HTTP/1.0", "HTTP/1.1", "HTTP/2", "HTTP/2.0", "1.0", "1.1", "2", "2.0":
	default:
		return true
	}
	return !c.pre.plainPath(ev.URL) || !c.pre.plainHeader(ev.UserAgent, false) || !c.pre.plainHeader(ev.Referrer, true)
}

// plainPath reports whether p is an origin-form path CRS PL1 cannot flag.
func (f *prefilter) plainPath(p string) bool {
	if q := strings.IndexByte(p, '?'); q >= 0 {
		if !f.plainQuery(p[q+1:]) {
			return false
		}
		p = p[:q]
	}
	if len(p) == 0 || len(p) > maxPlain || p[0] != '/' {
		return false
	}
	var low [maxPlain]byte
	prev := byte(0)
	for i := 0; i < len(p); i++ {
		ch := p[i]
		switch {
		case 'a' <= ch && ch <= 'z', '0' <= ch && ch <= '9', ch == '-', ch == '_':
		case 'A' <= ch && ch <= 'Z':
			ch += 'a' - 'A'
		case ch == '/':
		case ch == '.':
			// dot-files and "..": restricted files (930130) and traversal (930110).
			if prev == '/' || prev == '.' {
				return false
			}
		default:
			return false
		}
		low[i] = ch
		prev = ch
	}
	lp := low[:len(p)]
	if f.pathWords.Contains(lp) {
		return false
	}
	// 920440 restricted extension of the last segment.
	base := lp[bytes.LastIndexByte(lp, '/')+1:]
	if dot := bytes.LastIndexByte(base, '.'); dot >= 0 && f.restricted[string(base[dot:])] {
		return false
	}
	return !f.base64Match(p)
}

// base64Match applies 934100/934160 the way CRS does to a plain path:
// t:base64Decode, then t:urlDecodeUni and t:jsDecode (refused here rather
// than reimplemented: a decoded '%', '+' or '\\' sends the request to
// Coraza), then t:removeWhitespace, then the rules' own patterns.
// Limits of a plain query: short enough that no argument-length or count
// rule (920xxx) can apply, and no value long enough to hide anything.
const (
	maxQuery      = 256
	maxQueryArgs  = 16
	maxQueryValue = 64
)

// plainQuery reports whether a query string can meet no paranoia-1 CRS rule:
// name=value pairs of letters, digits, "_", "-" and "." only (no escapes, no
// spaces, no quotes, no operators), none holding a word CRS looks for, and
// no single value that could itself be a shell command or bare keyword.
func (f *prefilter) plainQuery(q string) bool {
	if q == "" {
		return true
	}
	if len(q) > maxQuery || noPlainQueries {
		return false
	}
	// Shape first, without allocating: plain characters, bounded sizes,
	// name=value pairs with distinct names (a repeated name is HTTP parameter
	// pollution, 921180).
	var names [maxQueryArgs]string
	args, valLen, start := 0, 0, 0
	for i := 0; i <= len(q); i++ {
		if i == len(q) || q[i] == '&' {
			name, _, ok := strings.Cut(q[start:i], "=")
			if !ok || name == "" || args == maxQueryArgs {
				return false
			}
			for _, n := range names[:args] {
				if n == name {
					return false
				}
			}
			names[args] = name
			args++
			start, valLen = i+1, 0
			continue
		}
		switch ch := q[i]; {
		case 'a' <= ch && ch <= 'z', 'A' <= ch && ch <= 'Z', '0' <= ch && ch <= '9', ch == '-', ch == '_', ch == '=', ch == '+':
		case ch == '.':
			if i > 0 && q[i-1] == '.' {
				return false
			}
		default:
			return false
		}
		if valLen++; valLen > maxQueryValue {
			return false
		}
	}
	// Then each pair on its own, as CRS sees arguments; pairs repeat across a
	// log ("page=2", "sort=price"), so each is judged once.
	start = 0
	for i := 0; i <= len(q); i++ {
		if i < len(q) && q[i] != '&' {
			continue
		}
		pair := q[start:i]
		start = i + 1
		if m, ok := f.pairMemo.get([]byte(pair)); ok {
			if !m {
				return false
			}
			continue
		}
		m := f.plainPair(pair)
		f.pairMemo.put(strings.Clone(pair), m)
		if !m {
			return false
		}
	}
	return true
}

// plainPair judges one name=value of plain characters: no word of CRS's
// lists, no lone shell command, no base64 payload (934100/934160), no
// command the 932 patterns see at its start, no injection libinjection sees
// once "+" is read as a space.
func (f *prefilter) plainPair(pair string) bool {
	name, value, _ := strings.Cut(pair, "=")
	var low [maxQuery]byte
	for i := 0; i < len(pair); i++ {
		ch := pair[i]
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		low[i] = ch
	}
	if f.argWords.Contains(low[:len(pair)]) || f.pathWords.Contains(low[:len(pair)]) {
		return false
	}
	if shellCommands[strings.ToLower(value)] || shellCommands[strings.ToLower(name)] {
		return false
	}
	if f.base64Match(name) || f.base64Match(value) {
		return false
	}
	v := value
	forms := []string{v, name}
	if strings.IndexByte(value, '+') >= 0 {
		v = strings.ReplaceAll(value, "+", " ")
		if injection(v) {
			return false
		}
		// The RCE rules transform values first (cmdLine collapses and
		// removeWhitespace drops spaces): try the forms they may see.
		forms = append(forms, v, strings.Join(strings.Fields(v), " "), strings.ReplaceAll(v, " ", ""))
	}
	for _, form := range forms {
		if f.commandAtStart(form) {
			return false
		}
	}
	return true
}

// commandAtStart asks the 932 patterns once per distinct value: they are
// large alternations, and query values repeat ("page=2", "sort=price").
func (f *prefilter) commandAtStart(v string) bool {
	if shortNumber(v) {
		return false // ids and offsets; the overflow values 942220 knows are in argWords
	}
	if m, ok := f.rceMemo.get([]byte(v)); ok {
		return m
	}
	m := false
	for _, re := range f.argRCE {
		if re.MatchString(v) {
			m = true
			break
		}
	}
	f.rceMemo.put(strings.Clone(v), m)
	return m
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

func (f *prefilter) base64Match(p string) bool {
	if m, ok := f.base64Memo.get([]byte(p)); ok {
		return m
	}
	m := f.base64MatchSlow(p)
	f.base64Memo.put(strings.Clone(p), m)
	return m
}

func (f *prefilter) base64MatchSlow(p string) bool {
	d := base64Strict(p)
	if d == "" {
		return false
	}
	// After base64Decode, 934100 and 934160 apply urlDecodeUni, jsDecode and
	// removeWhitespace again: the patterns are tried on the decoded bytes
	// and on that second decoding, so a match hidden one layer deeper is
	// still seen.
	for _, v := range []string{d, jsDecode(urlDecodeUni(d))} {
		if !mentionsJS(v) {
			continue
		}
		v = strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) {
				return -1
			}
			return r
		}, v)
		for _, re := range f.base64Rules {
			if re.MatchString(v) {
				return true
			}
		}
	}
	return false
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

func base64Strict(src string) string {
	var dst []byte
	var n, x int
	for i := 0; i < len(src); i++ {
		ch := src[i]
		if ch == '\r' || ch == '\n' {
			continue
		}
		if ch == '=' || ch == ' ' {
			break
		}
		var v int
		switch {
		case 'A' <= ch && ch <= 'Z':
			v = int(ch - 'A')
		case 'a' <= ch && ch <= 'z':
			v = int(ch-'a') + 26
		case '0' <= ch && ch <= '9':
			v = int(ch-'0') + 52
		case ch == '+':
			v = 62
		case ch == '/':
			v = 63
		default:
			i = len(src) // invalid byte: stop
			continue
		}
		x = x<<6 | v
		n++
		if n == 4 {
			dst = append(dst, byte(x>>16), byte(x>>8), byte(x))
			n, x = 0, 0
		}
	}
	switch n {
	case 2:
		x <<= 12
		dst = append(dst, byte(x>>16))
	case 3:
		x <<= 6
		dst = append(dst, byte(x>>16), byte(x>>8))
	}
	return string(dst)
}

// plainHeader reports whether a User-Agent (or, with referer, a Referer)
// value is one CRS PL1 cannot flag. Empty and "-" (absent) are plain.
// plainHeader answers once per distinct header: user agents and referrers
// repeat across a log far more than URLs do.
func (f *prefilter) plainHeader(h string, referer bool) bool {
	if h == "" || h == "-" {
		return true
	}
	key := h
	if referer {
		key = "R\x00" + h
	}
	if m, ok := f.headerMemo.get([]byte(key)); ok {
		return m
	}
	m := f.plainHeaderSlow(h, referer)
	f.headerMemo.put(strings.Clone(key), m)
	return m
}

func (f *prefilter) plainHeaderSlow(h string, referer bool) bool {
	if referer {
		// A referrer's query (a search page) is judged like a request's.
		if i := strings.IndexByte(h, '?'); i >= 0 {
			if !f.plainQuery(h[i+1:]) {
				return false
			}
			h = h[:i]
		}
	}
	if len(h) > maxPlain {
		return false
	}
	var low [maxPlain]byte
	prev := byte(0)
	for i := 0; i < len(h); i++ {
		ch := h[i]
		switch {
		case 'a' <= ch && ch <= 'z', '0' <= ch && ch <= '9', ch == '-', ch == '_', ch == '/', ch == ':':
		case 'A' <= ch && ch <= 'Z':
			ch += 'a' - 'A'
		case ch == '~' && !referer: // crawler versions ("SemrushBot/7~bl")
		case ch == '.':
			if prev == '.' { // traversal (930110 reads every header but Referer)
				return false
			}
		case referer:
			// a Referer with a query, spaces or punctuation goes to Coraza
			return false
		case ch == ' ', ch == ',', ch == '+', ch == '(':
		case ch == ')':
			// "()" and "( )" open shellshock (932170) and 932340
			j := i - 1
			for j >= 0 && h[j] == ' ' {
				j--
			}
			if j >= 0 && h[j] == '(' {
				return false
			}
		case ch == ';':
		default:
			return false
		}
		low[i] = ch
		prev = ch
	}
	lh := low[:len(h)]
	if f.headerWords.Contains(lh) {
		return false
	}
	// 932340: a unix command word at the very end.
	end := len(lh)
	for end > 0 && 'a' <= lh[end-1] && lh[end-1] <= 'z' {
		end--
	}
	if shellCommands[string(lh[end:])] {
		return false
	}
	var sq [maxPlain]byte
	n := 0
	for _, ch := range lh {
		if 'a' <= ch && ch <= 'z' || '0' <= ch && ch <= '9' || ch == '_' {
			sq[n] = ch
			n++
		}
	}
	if f.squeezed.Contains(sq[:n]) {
		return false
	}
	if m, ok := f.injectMemo.get([]byte(h)); ok {
		return !m
	}
	m := injection(h)
	f.injectMemo.put(strings.Clone(h), m)
	return !m
}

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

// wordSet finds whether any of many literals occurs in a lower-cased string.
// It is an Aho-Corasick automaton in its compact NFA form: the dense tables
// of github.com/cloudflare/ahocorasick took 311 MB for CRS's word lists.
type wordSet struct{ ac ahocorasick.AhoCorasick }

func newWordSet(words []string) *wordSet {
	b := ahocorasick.NewAhoCorasickBuilder(ahocorasick.Opts{MatchKind: ahocorasick.StandardMatch})
	return &wordSet{ac: b.Build(words)}
}

// Contains reports whether s holds one of the words.
func (w *wordSet) Contains(s []byte) bool { return w.ac.IterByte(s).Next() != nil }
