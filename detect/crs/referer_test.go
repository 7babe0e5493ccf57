package crs

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	coreruleset "github.com/corazawaf/coraza-coreruleset/v4"
)

// TestRefererRulesModelled proves plainReferer asks every paranoia-1 rule
// that reads the Referer in a way it models over refBytes: each first
// condition is an @rx pattern (refRx), libinjection's SQLi (@detectSQLi),
// 920270's byte range (refBytes holds no NUL) or a word list (refWords,
// read as written and URL-decoded), and its transformations reach one of
// the forms plainReferer asks: as written, URL-decoded, and either without
// whitespace. The others leave a value of refBytes as it is: no backslash
// for t:jsDecode and t:cssDecode, no NUL, ASCII for t:utf8toUnicode, and no
// entity (asked) for t:htmlEntityDecode. No Referer rule reads t:cmdLine
// (which would delete the quotes refBytes admits) or the ".." of 930110.
// A Referer that decodes above 0x7f is asked the same patterns whole
// (refPatterns), which holds only while none is matched on bytes. A CRS
// update that changes this fails here.
func TestRefererRulesModelled(t *testing.T) {
	rules, err := headerRules(embeddedFS{coreruleset.FS})
	if err != nil {
		t.Fatal(err)
	}
	identity := map[string]bool{"none": true, "utf8toUnicode": true, "htmlEntityDecode": true, "jsDecode": true,
		"cssDecode": true, "removeNulls": true, "lowercase": true}
	chains := [][]string{nil, {"urlDecodeUni"}, {"removeWhitespace"}, {"urlDecodeUni", "removeWhitespace"}}
	var ids []string
	for _, r := range rulesReading(rules, "Referer") {
		ids = append(ids, r.id)
		var rest []string
		for _, tr := range r.trans {
			if !identity[tr] {
				rest = append(rest, tr)
			}
		}
		if !slices.ContainsFunc(chains, func(c []string) bool { return slices.Equal(c, rest) }) {
			t.Errorf("rule %s: transformations %v are not modelled for the Referer", r.id, r.trans)
		}
		op := r.operator
		switch {
		case strings.HasPrefix(op, "@rx "):
		case op == "@detectSQLi", op == "@validateByteRange 1-255":
		case strings.HasPrefix(op, "@pmFromFile "):
			if len(rest) > 1 || len(rest) == 1 && rest[0] != "urlDecodeUni" {
				t.Errorf("rule %s: word list read through %v", r.id, r.trans)
			}
			if !slices.Contains(headerDataFiles, "@owasp_crs/"+strings.TrimPrefix(op, "@pmFromFile ")) {
				t.Errorf("rule %s: %s is not in headerDataFiles", r.id, op)
			}
		default:
			t.Errorf("rule %s: operator %q is not modelled for the Referer", r.id, op)
		}
	}
	t.Logf("%d Referer rules: %v", len(ids), ids)
	// refPatterns reads every pattern by runes, as Coraza does.
	for _, pat := range newRefPatterns(rulesReading(rules, "Referer")).src {
		if binaryPattern(pat) {
			t.Errorf("pattern %.60q is matched on bytes: refPatterns refuses every wide Referer", pat)
		}
	}
	for _, id := range []string{"930110", "930100", "913100", "941130"} {
		if slices.Contains(ids, id) {
			t.Errorf("rule %s reads the Referer: plainReferer does not ask it", id)
		}
	}
	for _, id := range []string{"932340", "941120", "941140", "941170", "942100", "942280", "944130"} {
		if !slices.Contains(ids, id) {
			t.Errorf("rule %s not found among the Referer rules", id)
		}
	}
	for _, c := range "'\"`\t" {
		if !refBytes.has(c) || headerBytes.has(c) {
			t.Errorf("%q: refBytes should add it to headerBytes", c)
		}
	}
	for c := 0; c < 128; c++ {
		if refBytes[c] && (c == 0 || c == '\\' || c == '\n' || c == '\r' || c == '<' || c == '>') {
			t.Errorf("refBytes holds %q, which a Referer rule decodes or looks for", rune(c))
		}
		if lc := strings.ToLower(string(rune(c))); refBytes[c] != refAlphabet[lc[0]] {
			t.Errorf("refAlphabet is not refBytes lowered at %q", rune(c))
		}
	}
}

// apacheReferers are the Referers of apache-real that went to Coraza for
// themselves alone (path and User-Agent plain) and that Coraza clears: the
// search-engine URLs the ".." gate and the shell command at the end ("…9w")
// refused, the words of regex rules that cannot match ("ijavascript",
// "cleanly-shutdown-eclipse"), escaped quotes, backticks and tabs, and
// escaped UTF-8 (refPatterns), some longer than maxPlain (maxReferer).
var apacheReferers = []string{
	`http://www.semicomplete.com/presentations/vim/+++++++++++++++++++++++++++++++++++Result:+%E8%F1%EF%EE%EB%FC%E7%EE%E2%E0%ED+%ED%E8%EA%ED%E5%E9%EC+%22newkoversjup%22;+ReCaptcha+%E4%E5%F8%E8%F4%F0%EE%E2%E0%ED%E0;+%28JS%29;+%E7%E0%F0%E5%E3%E8%F1%F2%F0%E8%F0%EE%E2%E0%EB%E8%F1%FC;+%ED%E5+%ED%E0%F8%EB%EE%F1%FC+%F4%EE%F0%EC%FB+%E4%EB%FF+%EE%F2%EF%F0%E0%E2%EA%E8;+Result:+%EE%F8%E8%E1%EA%E0:+%22i+never+really+liked+c%27s+assert%28%29+feature.+if+an+assertion+is+violated,+it%27lltell+you+what+assertion+failed+but+completely+lacks+any+context:%22;+%ED%E5+%ED%E0%F8%EB%EE%F1%FC+%F4%EE%F0%EC%FB+%E4%EB%FF+%EE%F2%EF%F0%E0%E2%EA%E8;`,
	`http://yandex.ru/clck/jsredir?from=yandex.ru%3Byandsearch%3Bweb%3B%3B%2Fweb%2Fitem%2Ftitle%2Cpos%2Cp1%2Csource%2Cweb&text=&etext=238.rJIskveIvnIV6N9H5Zj53nwB9urf41GRHjwHrOQpL0Q.917574d74039578a86be6e83719012a47692f107&uuid=&state=AiuY0DBWFJ4ePaEse6rgeAjgs2pI3DW99KUdgowt9XvoT-twMUKrgCbXY9MpaLOeNeHKaC8Z_SWk6Iy4EP2uXbblK8OgM6lcefxLCA3N7dU1D0whNTZP3_-0W2lwpMS0qaq9eoUEwWtH1lO-Vm-cfSkxpGvZvVnaVvrDrVp7TBQDL1-bHjmZJUFMQHWDu-y2_ns_zZMxFlgbyfvjoPG6Nwxc8iHMqMnqJkLBW5ZgJbxdQOCzX_KC-XWeuEn1e4Q8GwWY0DP9mmaIcnsuEAJFtDSkGqEB_06c&data=UlNrNmk5WktYejR0eWJFYk1LdmtxbkltVkpkY2pNazJfME13WkZDeTZXVE9kRmxxOTd2eUpiS0dteVZhN29EZVl5WURIT09VcXd5ZDcxY2doYWN2NVU5MlR1T0FRUkFYbzdUdGVVQ01QdGJwbE5DeHQ1SHlyXzVKbnk5enZrQW5kQ25Rd2lSTVdSNmoyZXFoSHdDMWZ3&b64e=2&sign=4baf4c07fa96b370d4dc9c4beebb7477&keyno=0&l10n=ru&mc=2.1280852788913944`,
	`http://images.yandex.ru/yandsearch?p=9&text=%D0%BB%D0%B8%D1%86%D0%BE%20%D0%B8%20%D0%B4%D0%B2%D0%B0%20%D1%85%D1%83%D1%8F&fp=9&pos=286&uinfo=ww-1263-wh-692-fw-1038-fh-486-pd-1&rpt=simage&img_url=http%3A%2F%2Fg1.s3.forblabla.com%2Fu38%2Fphoto926D%2F20523566942-0%2Flarge.jpeg`,
	`http://www.xiaofang.me/2012/03/07/ec2-reserved-instances-%E5%A4%A7%E9%99%8D%E4%BB%B7%E4%BA%86/`,
	`http://images.google.com/images?q=http://%60www.google.com/`,
	`http://semicomplete.com/presentations/vim/%094`,
	`http://www.dual-boxing.com/wiki/index.php/New_multiboxer%27s_guide`,
	`http://www.semicomplete.com/projects/xdotool/+++++++++++++++++++++Result:+chosen+nickname+%22awarovadoms%22;sent;`,
	`http://www.google.com.gh/search?hl=en&site=webhp&tbm=isch&source=hp&ei=TbIBU8bDFOK_ygPp-YKgAQ&q=www.google.com&oq=www.&gs_l=mobile-gws-hp.1.0.0l5.93537.95992.0.116265.9.6.0.6.6.0.1965.9308.5-1j8-5.6.0....0...1c.1.35.mobile-gws-hp..3.6.3705.Ro8_qRX8ye4`,
	`http://www.google.com/cse?cx=017877223933725188677%3Aueztpza4fok&ie=UTF-8&q=java&siteurl=semicomplete.com%2F&ref=sysadvent.blogspot.in%2F2011%2F12%2Fday-25-learning-from-other-industries.html&ss=439j66769j4&oq=java&gs_l=partner.3..0.9832.10273.0.10386.4.2.0.2.2.0.128.162.1j1.2.0.gsnos%2Cn%3D13...0.440j67136j4..1ac.1.25.partner..1.3.39.9gJeQCmncHk`,
	`http://www.google.com/imgres?imgurl=http://www.semicomplete.com/images/googledotcom.png&imgrefurl=http://www.semicomplete.com/blog/geekery/xvfb-firefox.html&usg=__Hd81OLlbSuIVvLzPBN6CABGyApY=&h=768&w=1024&sz=65&hl=id&start=3&zoom=1&tbnid=tX0WOQ4WqLUE5M:&tbnh=113&tbnw=150&ei=ynABU4b8AcSX1AWwk4DABA&prev=/search%3Fq%3Dhttp://www%2Bgoogle%2Bcom%26client%3Dms-opera-mini%26sa%3DX%26channel%3Dnew%26tbm%3Disch%26prmd%3Divnsze&sa=X&ved=0CCoQrQMwAg&ptbm=isch&q=http%3A//www+google+com`,
	`http://www.google.com/imgres?imgurl=http://www.semicomplete.com/images/googledotcom.png&imgrefurl=http://www.semicomplete.com/blog/tags/X11&usg=__PeEZfYbktwtGJ92coZl9dbADxrY=&h=768&w=1024&sz=65&hl=en&start=4&zoom=1&tbnid=tX0WOQ4WqLUE5M:&tbnh=113&tbnw=150&ei=7fMAU6m2A4b_rAfopICACw&prev=/search%3Fq%3Dhttp.//www..google%26client%3Dms-samsung%26sa%3DX%26channel%3Dmm%26ie%3DUTF-8%26tbm%3Disch%26prmd%3Divnsza&sa=X&ved=0CDMQrQMwAw&ptbm=isch&q=http.//www..google`,
	`http://www.google.com/search?client=ms-android-americamovil-mx&hl=es&v=133247963&tbm=isch&sa=1&ei=iYQBU_mvDMidyQGylYCoDA&q=http+%2F%2Fgoogle&oq=&gs_l=mobile-gws-serp.1.0.41.22321.23291.0.25794.13.5.0.1.1.0.255.255.2-1.1.0....0...1c.1.35.mobile-gws-serp..11.2.269.CMjmxoffZ24`,
	`http://www.google.com/search?client=ms-android-samsung&hl=id&site=webhp&tbm=isch&sa=1&ei=PdUBU8OnEo7xrQej54GIBQ&q=rage+face&oq=rage+&gs_l=mobile-gws-serp.1.1.0l5.55746.58551.0.64162.14.9.0.1.1.0.3101.3101.9-1.1.0....0...1c.1.35.mobile-gws-serp..12.2.3140.DeEjg_N7bu0`,
	`http://www.google.com/search?client=ms-android-verizon&biw=640&bih=360&site=webhp&tbm=isch&sa=1&ei=-t4BU8CnEMaIygHR3IDICQ&q=rageface&oq=rageface&gs_l=mobile-gws-serp.3..41j0j0i10j0l2.81967.95841.0.96405.30.17.0.1.1.3.227.1935.0j10j1.11.0.crnk_timecombined...0...1.1.35.mobile-gws-serp..21.9.1556.QS7ylsDy_7Q`,
	`http://www.google.com/search?safe=active&site=webhp&tbm=isch&source=hp&ei=x-ABU_0xypHQBY-IgMAB&q=w+w+w+google+com&oq=w+w+w&gs_l=mobile-gws-hp.1.1.0l5.14884.19740.0.23740.11.11.0.2.2.3.4144.23835.6-1j3j0j5.9.0....0...1c.1.35.mobile-gws-hp..7.4.5417.Aj4HknagZOo`,
	`http://www.google.de/url?sa=t&rct=j&q=&esrc=s&source=web&cd=3&ved=0CEQQFjAC&url=http%3A%2F%2Fwww.semicomplete.com%2Fprojects%2Fxdotool%2Fxdotool.xhtml&ei=McABU6wigeSzBsLHgPgD&usg=AFQjCNFwZFAI0RQdN_N0kFH-oj8cLsJRNQ&sig2=LnDMQF5vMR-npBDUsQHl9w`,
	`http://www.google.fr/url?sa=t&rct=j&q=&esrc=s&source=web&cd=7&ved=0CG8QFjAG&url=http%3A%2F%2Fsemicomplete.com%2Ffiles%2Fblogposts%2F20101209%2Ffullheight.html&ei=nxMCU_WpLYvK0AWv_4GQAQ&usg=AFQjCNHMJuVDWQfa1Ko83sdED2rYiJEJOg&sig2=CZfZmfbhM5bNGvfe8h1g9w`,
	`http://ijavascript.cn/jquery/jquery-plugin-list-470.html`,
	`http://stackoverflow.com/questions/6391705/how-to-cleanly-shutdown-eclipse-from-linux-command-line`,
}

// refererAttacks are what the Referer's rules look for, written as the
// Referer would carry them: CRS's own words and payloads, with the quotes,
// backticks and tabs refBytes admits, as written and escaped.
var refererAttacks = []string{
	"javascript:alert(1)", "javascript:x.y", "JaVaScRiPt:name", "<script>alert(1)</script>", "%3Cscript%3E", "union select",
	"1 union select password from users", "../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "() { :; };", "() { :; }; /bin/bash -c id",
	"${jndi:ldap://x/a}", "${${lower:j}ndi:x}", "&dollar;{jndi:x}", "java.lang.Runtime", "java.lang.ProcessBuilder",
	"runtime", "processbuilder", "xmldecoder", "java.beans.XMLDecoder", "com.sun.org.apache.xalan.internal.xsltc.trax",
	"org.apache.commons.collections.functors.InvokerTransformer", "invokertransformer", "forclosure",
	"' or 1=1--", "' or '1'='1", "1' union select 1,2--", "admin'--", "'or 1=1#", "1\" or \"1\"=\"1", "1%27%20or%201%3D1--",
	"%27%20or%20%271%27%3D%271", "';alert(1)//", "%27%3Balert(1)%2F%2F", "'; shutdown --", ";shutdown--", "; shutdown;",
	"waitfor delay '0:0:5'", "waitfor%20delay%20%270:0:5%27", "select pg_sleep(5)", "select%09pg_sleep(5)",
	"\" onmouseover=\"alert(1)", "%22onmouseover%3D%22alert(1)", "'onload=alert(1)", "%27onload=alert(1)",
	"%09onclick=alert(1)", "\tonclick=alert(1)", "`onfocus=x", "%60onfocus%3Dx", "x onload=alert(1)", "/onerror=x",
	"style=x:url(javascript:alert(1))", "a=b:url(%09javascript:alert(1))", "a=b:url( javascript:x)", "a%3Db:url(%20javascript:x)",
	"a=b:url(%09javascript", "a=b:u%09rl(javascript", "x=y:url(%20javascript", "x=y:%09url(javascript",
	"@import 'x'", "@import%20%22x%22", "@i m p o r t url(x)", "-moz-binding:url(x)", "- m o z - b i n d i n g",
	"data:text/html;base64,PHNjcmlwdD4=", "data:text/html,<b>x</b>", "data:image/svg+xml;", "data:,x;charset=x",
	"O:8:\"stdClass\":1:{s:1:\"a\";i:1;}", "O:8:%22stdClass%22:1:{s:1:%22a%22;i:1;}", "C:3:\"Foo\":0:{}",
	"&#39; or 1=1--", "&quot;onload=x", "&lt;script&gt;", "\\u0041", "%5Cu0041", "%0d%0aSet-Cookie:x", "%0a", "%00",
	"`id`", "%60id%60", "; ls", "|| ls", "$(id)", "; ps", "env w", "/bin/ls", "a;mysql", "; whoami",
	"1e309", "sqlmap", "nikto", "<a xlink:href=x>", "/page.xhtml",
	// escaped UTF-8 (refPatterns): Unicode spaces t:removeWhitespace drops,
	// letters Go's (?i) folds to ASCII (Kelvin sign, long s), fullwidth and
	// overlong forms of "<", and plain attacks next to UTF-8 text.
	"a=b:url(%C2%A0javascript", "a=b:url(%E2%80%A8javascript", "a=b:url(%E3%80%80javascript", "x=y:u%C2%85rl(javascript",
	"%27on%E2%84%AAeyup=x", "'onmo%C5%BFe=x", "java%C5%BFcript:alert(1)", "%E2%84%AAjavascript:x.y", "%EF%BC%9Cscript%EF%BC%9E",
	"%C0%BCscript%C0%BE", "%E5%A4%A7' or 1=1--", "%D0%BB%27 union select 1--", "%D0%BB javascript:alert(1)",
	"%E5%A4%A7<script>", "select%C2%A0pg_sleep(5)", "waitfor delay '0:0:5'%E5%A4%A7", "${jndi:x}%D0%BB", "%D0%BB() { :; };",
	"data:%E5%A4%A7,x;charset=y", "@%C2%A0import url(x)", "-%E5%A4%A7moz-binding", "%C5%BFcript", "%FF%FE", "%ED%A0%80",
}

// TestRefererMutations replays the apache-real Referers plainReferer rules
// out, and the attacks in front of, inside, after and in a query of real
// Referers, as written and escaped, and the CRS regression requests' URLs
// and payloads as Referers: whatever MayMatch rules out, Coraza must not
// flag. The real Referers themselves must be ruled out (each is cleared by
// Coraza, checked here too), so the test fails without plainReferer.
func TestRefererMutations(t *testing.T) {
	if testing.Short() {
		t.Skip("evaluates requests through Coraza")
	}
	c := checker(t, 1)
	const ua = "Mozilla/5.0 (X11; Linux x86_64)"
	seen := map[string]bool{}
	var ruledOut, sent, flagged int
	check := func(ref string) {
		if seen[ref] {
			return
		}
		seen[ref] = true
		ev := web("GET", "/index.html", ua, ref)
		r := requestOf(ev)
		if c.MayMatch(ev) {
			sent++
			return
		}
		ruledOut++
		if v := c.evaluate(&r); len(v.Hits) != 0 || v.Score != 0 {
			t.Errorf("MayMatch false but CRS fires %v: Referer=%q", ruleIDs(v), ref)
		}
	}
	for _, h := range apacheReferers {
		if c.MayMatch(web("GET", "/index.html", ua, h)) {
			t.Errorf("apache-real Referer goes to Coraza: %q", h)
		}
		check(h)
	}
	bases := []string{"http://example.com/", "http://www.google.com/search?q=x&oq=www.&gs_l=1.0....0", "http://x/a%27s_guide",
		"http://x/vim/%094", "http://x/?q=%60www", "http://x/nick+%22a%22;sent;", "http://x/%E5%A4%A7%E9%99%8D/",
		"http://x/?text=%D0%BB%D0%B8+%D1%86"}
	for _, h := range apacheReferers {
		bases = append(bases, h[:min(len(h), 120)])
		if len(h) > maxPlain {
			bases = append(bases, h) // attacks past maxPlain
		}
	}
	var attacks []string
	for _, x := range refererAttacks {
		attacks = append(attacks, x, url.QueryEscape(x), url.PathEscape(x), strings.ReplaceAll(x, " ", "+"))
	}
	for _, b := range bases {
		for _, x := range attacks {
			for _, m := range []string{x, x + b, b + x, b[:len(b)/2] + x + b[len(b)/2:], b + " " + x, b + "?q=" + x, b + "&r=" + x + "&s=1"} {
				check(m)
			}
		}
	}
	for _, tc := range loadRegression(t) {
		for _, x := range []string{tc.ev.URL, tc.ev.UserAgent, tc.ev.Referrer} {
			if x != "" {
				check(x)
				check("http://example.com" + x)
			}
			if _, q, ok := strings.Cut(x, "?"); ok {
				check(q)
				for _, kv := range strings.Split(q, "&") {
					_, v, _ := strings.Cut(kv, "=")
					check(v)
					check("http://example.com/?q=" + v)
				}
			}
		}
	}
	// The attacks are attacks: as Referers alone, Coraza flags most.
	for _, x := range attacks {
		if r := requestOf(web("GET", "/index.html", ua, x)); len(c.evaluate(&r).Hits) != 0 {
			flagged++
		}
	}
	t.Logf("%d Referers ruled out (none flagged by Coraza), %d sent to Coraza; %d of %d attacks alone flagged",
		ruledOut, sent, flagged, len(attacks))
	if sent < 1000 || ruledOut < 1000 || flagged < len(attacks)/2 {
		t.Errorf("%d sent, %d ruled out, %d attacks flagged: the mutations test little", sent, ruledOut, flagged)
	}
}

// TestDecodeReferer checks decodeReferer against urlDecodeUni where it
// says it models it, that it refuses what it does not, and that wide marks
// a decoded byte above 0x7f.
func TestDecodeReferer(t *testing.T) {
	for _, tc := range []struct {
		in       string
		ok, wide bool
	}{
		{"plain", true, false}, {"a+b", true, false}, {"New_multiboxer%27s_guide", true, false}, {"%22x%22%60%09", true, false},
		{"%E5%A4%A7", true, true}, {"q=%D0%BB+x", true, true}, {"%ff%FE", true, true}, {"it's", true, false},
		{"%3Cscript%3E", false, false}, {"%u0041", false, false}, {"%zz", false, false}, {"x%2", false, false},
		{"%0a", false, false}, {"%0D", false, false}, {"%00", false, false}, {"%5c", false, false}, {"a\\b", false, false},
		{"a<b", false, false}, {"caf\xc3\xa9", false, false}, {"%7B", false, false}, {"a\tb", true, false},
	} {
		d, wide, ok := decodeReferer(tc.in)
		if ok != tc.ok || ok && wide != tc.wide {
			t.Errorf("decodeReferer(%q) wide, ok = %v, %v, want %v, %v", tc.in, wide, ok, tc.wide, tc.ok)
		}
		if ok && d != urlDecodeUni(tc.in) {
			t.Errorf("decodeReferer(%q) = %q, urlDecodeUni %q", tc.in, d, urlDecodeUni(tc.in))
		}
	}
	for _, tc := range []struct {
		pat    string
		binary bool
	}{{`\x5cu[0-9a-f]{4}`, false}, {`[\x0b\s]`, false}, {`\xbc`, true}, {`\x{ff}`, true}, {`a\x80b`, true}} {
		if got := binaryPattern(tc.pat); got != tc.binary {
			t.Errorf("binaryPattern(%q) = %v, want %v", tc.pat, got, tc.binary)
		}
	}
}
