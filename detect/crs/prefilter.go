package crs

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"unicode"

	"github.com/cloudflare/ahocorasick"
	"github.com/corazawaf/libinjection-go"

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
	pathWords   *ahocorasick.Matcher // literals CRS looks for in REQUEST_FILENAME
	headerWords *ahocorasick.Matcher // literals CRS looks for in User-Agent and Referer
	squeezed    *ahocorasick.Matcher // squeezedWords
	base64Rules []*regexp.Regexp     // patterns of base64Rules
	restricted  map[string]bool      // tx.restricted_extensions (920440), lower case, with the dot

	// The two costly questions (a regex over the base64-decoded path, and
	// libinjection over a header) are asked once per distinct value: log
	// lines repeat paths and User-Agents endlessly.
	base64Memo, injectMemo *cache[bool]
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
	return &prefilter{
		pathWords:   ahocorasick.NewStringMatcher(pathLits),
		headerWords: ahocorasick.NewStringMatcher(headerLits),
		squeezed:    ahocorasick.NewStringMatcher(squeezedWords),
		base64Rules: b64,
		restricted:  restricted,
		base64Memo:  newCache[bool](memoSize),
		injectMemo:  newCache[bool](memoSize),
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
	case "GET", "HEAD":
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
	if strings.ContainsAny(d, "%+\\") {
		return true
	}
	d = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, d)
	for _, re := range f.base64Rules {
		if re.MatchString(d) {
			return true
		}
	}
	return false
}

// base64Strict decodes like Coraza's t:base64Decode: standard alphabet,
// stopping at the first byte outside it, keeping a final partial group.
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
func (f *prefilter) plainHeader(h string, referer bool) bool {
	if h == "" || h == "-" {
		return true
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
