// Package report renders findings: findings.json (the stable contract), the Timesketch timeline CSV,
// a self-contained HTML report, Markdown, and the terminal summary; in English or Japanese.
//
// Every string inside a Findings value may have been written by an attacker
// (a URL, a user agent, a user name, a log line). Each renderer therefore
// escapes for its own medium: html/template for HTML, code spans and
// backslash escapes for Markdown, formula neutralisation for CSV, and for the
// human-readable outputs control characters, escape sequences and bidi
// overrides are shown as visible placeholders instead of being interpreted.
package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Options controls the human-readable renderers. JSON and CSV ignore it: they
// are machine formats and always UTC.
type Options struct {
	Lang     string         // "en" (default) or "ja"
	Location *time.Location // zone for human-readable times in HTML/MD/terminal (JSON/CSV stay UTC); e.g. Asia/Tokyo shows JST
	Color    bool           // terminal colours
	Width    int            // terminal width for the summary (0 = 100)
}

func (o Options) loc() *time.Location {
	if o.Location == nil {
		return time.UTC
	}
	return o.Location
}

// visible makes a log-derived string safe to show to a person: C0 controls
// become tags such as ⟨ESC⟩ and ⟨CR⟩, C1 controls U+XXXX tags, bidi embeddings,
// overrides and isolates become tags (so "evil\u202Etxt.exe" cannot
// masquerade as "evilexe.txt"), a tab becomes a space, invalid UTF-8 becomes U+FFFD, and the result
// is capped at limit runes (0: no cap). Nothing is dropped silently: an investigator sees
// that an escape sequence was there. The output contains no control
// characters at all, not even \n or \t.
func visible(s string, limit int) string {
	if limit <= 0 {
		limit = 1 << 30
	}
	clean := true
	n := 0
	for _, r := range s {
		n++
		if r == utf8.RuneError || needsTag(r) {
			clean = false
			break
		}
	}
	if clean && n <= limit {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	n = 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if n >= limit {
			b.WriteString("…")
			break
		}
		n++
		switch {
		case r == utf8.RuneError:
			b.WriteRune('\uFFFD')
		case r == '\t':
			b.WriteByte(' ') // a field separator in many logs (MySQL, auditd), not an attack
		case r < 0x20:
			b.WriteString("⟨")
			b.WriteString(c0Names[r])
			b.WriteString("⟩")
		case r == 0x7f:
			b.WriteString("⟨DEL⟩")
		case needsTag(r):
			fmt.Fprintf(&b, "⟨U+%04X⟩", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// c0Names are the ASCII control mnemonics; tags made of plain letters render
// in every font, unlike the Unicode control pictures.
var c0Names = [32]string{
	"NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "TAB", "LF", "VT", "FF", "CR", "SO", "SI",
	"DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB", "ESC", "FS", "GS", "RS", "US",
}

// needsTag reports runes a terminal or a browser would act on rather than
// show: controls, C1 controls (U+0080–U+009F, which include CSI and OSC),
// bidi controls, line/paragraph separators and the BOM.
func needsTag(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	case r == 0x200e, r == 0x200f, r == 0x061c, r == 0x2028, r == 0x2029, r == 0xfeff:
		return true
	}
	return false
}

// formatting helpers shared by the human renderers

func fmtTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(loc).Format("2006-01-02 15:04:05 MST")
}

func fmtInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// fmtDuration shows the two largest units: "2 h 14 min", "2時間14分".
func fmtDuration(l int, sec int64) string {
	if sec < 0 {
		sec = 0
	}
	units := []struct {
		key string
		n   int64
	}{{"unit.day", 86400}, {"unit.hour", 3600}, {"unit.min", 60}, {"unit.sec", 1}}
	var parts []string
	for i, u := range units {
		v := sec / u.n
		if v == 0 && !(i == len(units)-1 && len(parts) == 0) {
			if len(parts) > 0 {
				break
			}
			continue
		}
		sec -= v * u.n
		if l == ja {
			parts = append(parts, strconv.FormatInt(v, 10)+msg(l, u.key))
		} else {
			parts = append(parts, strconv.FormatInt(v, 10)+" "+msg(l, u.key))
		}
		if len(parts) == 2 {
			break
		}
	}
	if l == ja {
		return strings.Join(parts, "")
	}
	return strings.Join(parts, " ")
}

// fmtBytes: "1.2 MiB (1,234,567 bytes)"; small values only in bytes.
func fmtBytes(l int, n int64) string {
	exact := fmtInt(n) + " " + msg(l, "unit.bytes")
	if l == ja {
		exact = fmtInt(n) + msg(l, "unit.bytes")
	}
	if n < 1024 {
		return exact
	}
	v := float64(n)
	unit := ""
	for _, u := range []string{"KiB", "MiB", "GiB", "TiB", "PiB"} {
		v /= 1024
		unit = u
		if v < 1024 {
			break
		}
	}
	h := strconv.FormatFloat(v, 'f', 1, 64) + " " + unit
	if l == ja {
		return h + "（" + exact + "）"
	}
	return h + " (" + exact + ")"
}

// fmtPercent is part of whole; callers pass parsed and parsed+unparsed, so
// blank lines (which need no parsing) do not lower the parse rate.
func fmtPercent(part, whole int64) string {
	if whole <= 0 {
		return "—"
	}
	p := float64(part) * 100 / float64(whole)
	if part < whole && p > 99.9 {
		p = 99.9 // never claim 100 % while something was left over
	}
	return strconv.FormatFloat(p, 'f', 1, 64) + "%"
}
