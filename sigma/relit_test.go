package sigma

import (
	"math/rand"
	"regexp"
	"strings"
	"testing"

	"github.com/kizuki-dfir/kizuki/internal/ac"
)

// TestRegexGate compares gated expressions with the plain ones on random
// values made of the expressions' letters, their case partners inside and
// outside ASCII ('ſ', the Kelvin sign, 'µ'/'μ', sigmas, 'É') and invalid bytes:
// the gate may only save a run that cannot match.
func TestRegexGate(t *testing.T) {
	exprs := []string{
		`(?i)/(uploads?|upload_files|images?|tmp|user_?content)/[^?#]*\.(php[0-9]?|jsp)([?#]|$)`,
		`(?i)[?&;](id|uid|user_?id|no)=[0-9]+`,
		`(?i)/(login|session|wp-login\.php)`,
		`(?i)kit|µσ`,
		`Sess(ion|ions)+`,
		`a(b|c*)d|xy`,
		`(abc|q*)z`,
		`id=[0-9a-f]x`,
		`(?i)(\.(php|gz)([?#]|$)|[?&](export|dump)=)`,
		`^/(a|b)c$`,
		`(?i)straße`,
		`(?i)éte|µσx`, // no ASCII match: the empty gate passes no ASCII value
	}
	pieces := []string{"/", "uploads", "upload_files", "images", "image", "tmp", "user_content", "usercontent", ".php", ".php5", ".jsp", ".", "?", "#", "&", ";", "id=", "?id=7", "&user_id=12", "uid=", "no=", "user_id=", "1", "42",
		"login", "LOGIN", "session", "ſession", "SEſſION", "wp-login.php", "kit", "KIT", "\u212ait", "µσ", "μς", "ΜΣ", "Sess", "ion", "ions", "ab", "acd", "ad", "x", "y", "export=", "dump=", ".gz",
		"a", "b", "c", "q", "z", "7x", "ex", "abc", "/ac", "/bc", "/uploads/", "/upload/", "/IMAGES/", "/tmp/", "shell.php", "x.jsp?", "straße", "STRASSE", "STRAẞE", "\xff", "é", "ÉTE"}
	r := rand.New(rand.NewSource(1))
	for _, expr := range exprs {
		re := regexp.MustCompile(expr)
		set, ok := regexLiteralSet(expr)
		if !ok {
			t.Fatalf("%q: no literal set", expr)
		}
		m := reMatcher{re: re, gate: ac.New(set, nil)}
		matched, gated := 0, 0
		for iter := 0; iter < 5000; iter++ {
			var b strings.Builder
			for n := r.Intn(5); n > 0; n-- {
				b.WriteString(pieces[r.Intn(len(pieces))])
			}
			v := b.String()
			want := re.MatchString(v)
			if got := m.match(v); got != want {
				t.Fatalf("%q on %q: gated %v, expression %v (set %q)", expr, v, got, want, set)
			}
			if want {
				matched++
			}
			if !m.gate.Contains(v) {
				gated++
			}
		}
		if matched == 0 || gated == 0 {
			t.Errorf("%q: %d matches, %d values gated out: the test does not exercise it", expr, matched, gated)
		}
	}
}

// BenchmarkRegexGate runs the web shell rule's expression over the URLs of
// a WordPress site, which it must look at (they end in .php) but which
// are not under an upload folder: with and without the literal gate.
func BenchmarkRegexGate(b *testing.B) {
	expr := `(?i)/(uploads?|upload_files|files|images?|img|media|tmp|attachments?|avatars?|user_?content)/[^?#]*\.(php[0-9]?|phtml|phar|jsp|jspx|aspx?|ashx|cgi|pl)([?#]|$)`
	urls := []string{"/wp-admin/admin-ajax.php", "/index.php?p=4521", "/wp-login.php", "/xmlrpc.php", "/wp-cron.php?doing_wp_cron=1732345678.1234"}
	re := regexp.MustCompile(expr)
	set, _ := regexLiteralSet(expr)
	for _, m := range []struct {
		name string
		m    reMatcher
	}{{"plain", reMatcher{re: re}}, {"gated", reMatcher{re: re, gate: ac.New(set, nil)}}} {
		b.Run(m.name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				if m.m.match(urls[i]) {
					b.Fatal("match")
				}
				if i++; i == len(urls) {
					i = 0
				}
			}
		})
	}
}
