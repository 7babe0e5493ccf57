package investigate

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestMayHoldID checks the gate in front of idParam: it may turn a query
// away only if the regular expression finds no record id in it. Queries
// are drawn from the pieces its matches are made of, in both cases, with
// the runes Unicode folds to ASCII letters (K, ſ) and separators; the test
// also fails if the gate never turns one away.
func TestMayHoldID(t *testing.T) {
	seps := []string{"", "&", ";", "?", "#", "x", " ", "%26"}
	keys := []string{"id", "ID", "Id", "uid", "user_id", "USERID", "member_Id", "customer_", "account_id", "no", "NO", "mid",
		"i", "d", "n", "o", "xid", "ıd", "İD", "ſid", "nO", "K", ""}
	eqs := []string{"=", "=", "=", "==", "", "%3D"}
	values := []string{"1", "42", "123456789012", "1234567890123", "", "x1", "-1", "1x", "1#", "١"}
	rng := rand.New(rand.NewPCG(5, 8))
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	matched, turned := 0, 0
	for range 300000 {
		var b strings.Builder
		for range 1 + rng.IntN(3) {
			b.WriteString(pick(seps) + pick(keys) + pick(eqs) + pick(values))
		}
		q := b.String()
		m := idParam.MatchString(q)
		if m {
			matched++
		}
		if !mayHoldID(q) {
			turned++
			if m {
				t.Fatalf("mayHoldID(%q) = false, but idParam matches it", q)
			}
		}
	}
	if matched < 1000 || turned < 1000 {
		t.Errorf("%d queries matched, %d turned away: the draws prove little", matched, turned)
	}
}

// TestUploadWords checks the gate in front of uploadForm: it may turn a
// path away only if the regular expression does not match it. Paths are
// drawn from the pieces of its matches, cut and in both cases, with the
// runes Unicode folds to ASCII letters (K, ſ, İ, ı); the test also fails if
// the gate never turns one away.
func TestUploadWords(t *testing.T) {
	pieces := []string{"upload", "UPLOAD", "Upl", "oad", "file", "_", "manager", "MANAGER", "attach", "ATT", "ach", "import", "IMPORT",
		"imp", "ort", "avatar", "AVATAR", "ava", "tar", "media", "/", "new", "MEDIA/NEW", "async-", "ASYNC-UPLOAD", "ſ", "K", "İ", "ı",
		"x", ".php", "-", "%2F", "/wp-admin/", "up", "load"}
	rng := rand.New(rand.NewPCG(9, 4))
	matched, turned := 0, 0
	for range 300000 {
		var b strings.Builder
		for range 1 + rng.IntN(5) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		p := b.String()
		m := uploadForm.MatchString(p)
		if m {
			matched++
		}
		if !uploadWords.Contains(p) {
			turned++
			if m {
				t.Fatalf("uploadWords turns %q away, but uploadForm matches it", p)
			}
		}
	}
	if matched < 1000 || turned < 1000 {
		t.Errorf("%d paths matched, %d turned away: the draws prove little", matched, turned)
	}
}
