package report

import (
	"bytes"
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	ghtml "github.com/yuin/goldmark/renderer/html"
)

// gfm renders like GitHub: tables, strikethrough, extended autolinks; raw
// HTML passed through (WithUnsafe) so that any HTML a log string managed to
// create shows up in the output instead of being dropped silently.
var gfm = goldmark.New(goldmark.WithExtensions(extension.GFM), goldmark.WithRendererOptions(ghtml.WithUnsafe()))

func mdToHTML(t testing.TB, md string) string {
	t.Helper()
	var b bytes.Buffer
	if err := gfm.Convert([]byte(md), &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

var (
	tagRe     = regexp.MustCompile(`<(/?)([a-zA-Z][a-zA-Z0-9]*)`)
	headingRe = regexp.MustCompile(`(?m)^#{1,6} `)
)

// allowedTags are the elements kizuki's own Markdown produces.
var allowedTags = map[string]bool{
	"h1": true, "h2": true, "h3": true, "h4": true, "p": true, "table": true, "thead": true, "tbody": true,
	"tr": true, "th": true, "td": true, "code": true, "strong": true, "em": true, "ul": true, "li": true,
	"br": true, "hr": true,
}

func TestMarkdownHostile(t *testing.T) {
	out := render(t)
	for _, name := range []string{"report.en.md.golden", "report.ja.md.golden"} {
		md := string(out[name])
		h := mdToHTML(t, md)
		for _, m := range tagRe.FindAllStringSubmatch(h, -1) {
			if !allowedTags[strings.ToLower(m[2])] {
				t.Errorf("%s: renders a <%s> element", name, m[2])
			}
		}
		if got, want := len(regexp.MustCompile(`<h[1-6]`).FindAllString(h, -1)), len(headingRe.FindAllString(md, -1)); got != want {
			t.Errorf("%s: %d headings rendered, %d written by kizuki", name, got, want)
		}
		// kizuki writes <br> in table cells and one hard break (two trailing spaces)
		if got, want := strings.Count(h, "<br"), strings.Count(md, "<br>")+strings.Count(md, "  \n"); got != want {
			t.Errorf("%s: line breaks not all kizuki's", name)
		}
		// The payloads survive as text.
		text := html.UnescapeString(tagRe.ReplaceAllString(h, ""))
		for _, want := range []string{xssPayload, csvPayload, mdPayload, "sqlmap.org", "⟨ESC⟩[2J"} {
			if !strings.Contains(h, html.EscapeString(want)) && !strings.Contains(text, want) {
				t.Errorf("%s: payload %q lost", name, want)
			}
		}
	}
}

// TestMarkdownEscapes checks single strings that try each Markdown construct,
// as prose and as code, in a paragraph and in a table cell.
func TestMarkdownEscapes(t *testing.T) {
	for _, s := range []string{
		xssPayload, mdPayload, imgPayload, csvPayload, htmlAttrPayl,
		"[click](http://evil.example)", "<http://evil.example>", "www.evil.example", "http://evil.example/x",
		"root@evil.example", "mailto:a@b.c", "# heading", "===", "- item", "1. item", "> quote",
		"```", "`code`", "a|b|c", "**bold** _em_ ~~strike~~", "&lt;script&gt;", "<!-- comment -->",
		"\\", "\\|", "[x]: http://evil.example", "![](x)", "$x^2$", "<img src=x onerror=alert(1)>",
	} {
		checkMarkdownString(t, s)
	}
}

func checkMarkdownString(t *testing.T, raw string) {
	t.Helper()
	s := visible(raw, 0)
	for _, r := range []struct{ name, md string }{
		{"prose", "x " + mdText(s, false) + " x\n"},
		{"code", "x " + mdCode(s, false) + " x\n"},
		{"prose cell", "| h |\n| --- |\n| " + mdText(s, true) + " |\n"},
		{"code cell", "| h |\n| --- |\n| " + mdCode(s, true) + " |\n"},
	} {
		h := mdToHTML(t, r.md)
		for _, m := range tagRe.FindAllStringSubmatch(h, -1) {
			switch strings.ToLower(m[2]) {
			case "p", "code", "table", "thead", "tbody", "tr", "th", "td":
			default:
				t.Errorf("%s of %q renders <%s>: %s", r.name, raw, m[2], h)
			}
		}
		if strings.Contains(r.name, "code") && s != "" {
			inner := regexp.MustCompile(`(?s)<code>(.*)</code>`).FindStringSubmatch(h)
			if inner == nil || html.UnescapeString(inner[1]) != s {
				t.Errorf("%s of %q: code content = %v, want the string itself; html %s", r.name, raw, inner, h)
			}
		}
	}
}

func FuzzMarkdown(f *testing.F) {
	for _, s := range []string{xssPayload, mdPayload, imgPayload, "www.x.y", "a@b.c", "`", "|", "\\"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkMarkdownString(t, s)
	})
}
