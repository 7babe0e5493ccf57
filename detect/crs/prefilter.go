package crs

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"regexp"
	"strings"

	"github.com/cloudflare/ahocorasick"

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
	restricted  map[string]bool      // tx.restricted_extensions (920440), lower case, with the dot
}

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

// headerWords are the words PL1 regex and libinjection rules need before they
// can fire on a header made of the plain alphabet: shell commands and
// prefixes of 932340 (which matches "…; ps" or "env ps" at the end of a
// header), Java deserialisation (944110/944120), script schemes (941170) and
// SQL keywords (942100 libinjection, 942280).
var headerWords = []string{
	"busybox", "command", "env", "eval", "watch", "strace", "ltrace", "nohup", "time", "mysql",
	"runtime", "processbuilder", "java.", "unmarshaller", "base64data", "xmldecoder",
	"script", "data:", "javascript", "vbscript",
	"select", "union", "sleep", "benchmark", "waitfor", "shutdown", "insert", "delete", "drop",
	"update", "exec", "having", "order by", "group by", "--", " or ", " and ", "xor", "like",
}

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
		restricted:  restricted,
	}, nil
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
	return true
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
	semicolon := false
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
			semicolon = true
		default:
			return false
		}
		low[i] = ch
		prev = ch
	}
	// 932340: "; cmd" at the very end of a header, cmd a unix command word.
	if last := low[len(h)-1]; semicolon && 'a' <= last && last <= 'z' {
		return false
	}
	return !f.headerWords.Contains(low[:len(h)])
}
