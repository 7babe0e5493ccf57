package report

import (
	"bufio"
	"embed"
	"fmt"
	"html/template"
	"io"

	"github.com/kizuki-dfir/kizuki/findings"
)

//go:embed templates/report.html.tmpl
var templates embed.FS

// htmlTmpl is parsed once; each render clones it to bind the language.
var htmlTmpl = template.Must(template.New("report.html.tmpl").Funcs(template.FuncMap{
	"t":     func(string) string { return "" },
	"int":   func(n any) string { return "" },
	"pct":   func(a, b int64) string { return "" },
	"add":   func(a, b int) int { return a + b },
	"add64": func(a, b int64) int64 { return a + b },
	"sub":   func(a, b int) int { return a - b },
	"more":  func(int) string { return "" },
}).ParseFS(templates, "templates/report.html.tmpl"))

// WriteHTML writes the report as one self-contained HTML file: inline CSS,
// inline SVG charts, no scripts, fonts, images or links to anything outside
// the file, and a Content-Security-Policy forbidding them should an escape
// ever slip through. Strings from findings go through html/template's
// context-aware escaping after visible() has made controls and bidi
// overrides visible.
func WriteHTML(w io.Writer, f *findings.Findings, o Options) error {
	if f == nil {
		return fmt.Errorf("write HTML report: nil findings")
	}
	v := newView(f, o)
	t, err := htmlTmpl.Clone()
	if err != nil {
		return fmt.Errorf("write HTML report: %w", err)
	}
	l := v.L
	t.Funcs(template.FuncMap{
		"t": func(key string) string { return msg(l, key) },
		"int": func(n any) string {
			switch n := n.(type) {
			case int:
				return fmtInt(int64(n))
			case int64:
				return fmtInt(n)
			}
			return fmt.Sprint(n)
		},
		"pct":  fmtPercent,
		"more": func(n int) string { return fmt.Sprintf(msg(l, "alerts.more"), n) },
	})
	bw := bufio.NewWriter(w)
	if err := t.Execute(bw, v); err != nil {
		return fmt.Errorf("write HTML report: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write HTML report: %w", err)
	}
	return nil
}
