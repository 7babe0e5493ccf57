package report

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestBrowser loads the hostile fixture's HTML report in headless Chromium
// and checks what the browser built, not what we wrote:
//
//   - the dumped DOM holds the payloads as text (&lt;script&gt;…), so they
//     were escaped, not dropped;
//   - the DOM contains no <script>, <img>, <iframe>, <object>, <embed>,
//     <link> or <base> element and no on* event-handler attribute: the
//     payloads (`<script>alert(1)</script>`, `" onmouseover="alert(2)`,
//     `![x](https://…)`) created no element or attribute;
//   - no href/src in the DOM points outside the file;
//   - Chromium's log reports no Content-Security-Policy violation (which is
//     what an injected inline script or an outside load would cause) and no
//     uncaught script error.
//
// Set KIZUKI_SCREENSHOT=/path.png to also save a screenshot for a look.
func TestBrowser(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium not installed (apt-get install -y chromium): headless report test skipped")
	}
	if testing.Short() {
		t.Skip("-short: headless browser test skipped")
	}
	out := render(t)
	// Control: a page with a real injected script and an outside image must
	// trip the detectors, or the checks below prove nothing.
	t.Run("control", func(t *testing.T) {
		dir := t.TempDir()
		page := filepath.Join(dir, "bad.html")
		bad := strings.Replace(string(out["report.en.html.golden"]), "<h1>", `<script>alert(1)</script><img src="https://evil.example/x.png"><h1>`, 1)
		if err := os.WriteFile(page, []byte(bad), 0o644); err != nil {
			t.Fatal(err)
		}
		dom, log := runChromium(t, chromium, dir, "--dump-dom", "file://"+page)
		if !strings.Contains(strings.ToLower(dom), "<script") || !strings.Contains(log, "Content Security Policy") {
			t.Errorf("injected script not detected (DOM has <script: %v; CSP violation logged: %v)",
				strings.Contains(strings.ToLower(dom), "<script"), strings.Contains(log, "Content Security Policy"))
		}
	})
	for _, name := range []string{"report.en.html.golden", "report.ja.html.golden"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			page := filepath.Join(dir, "report.html")
			if err := os.WriteFile(page, out[name], 0o644); err != nil {
				t.Fatal(err)
			}
			dom, log := runChromium(t, chromium, dir, "--dump-dom", "file://"+page)
			if !strings.Contains(dom, "INC-0001") {
				t.Fatalf("chromium produced no report DOM; stderr:\n%s", log)
			}
			for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "=cmd|' /C calc'!A0", "](javascript:x)", "⟨ESC⟩[2J⟨ESC⟩]0;pwned⟨BEL⟩", "invoice⟨U+202E⟩gpj.php"} {
				if !strings.Contains(dom, want) {
					t.Errorf("payload %q not in the DOM as text", want)
				}
			}
			low := strings.ToLower(dom)
			for _, el := range []string{"<script", "<img", "<iframe", "<object", "<embed", "<link", "<base", "<form"} {
				if strings.Contains(low, el) {
					t.Errorf("DOM contains a %s element", el)
				}
			}
			if m := regexp.MustCompile(`<[a-z][^<>]*\son[a-z]+=`).FindString(low); m != "" {
				t.Errorf("DOM has an event-handler attribute: %s", m)
			}
			if m := regexp.MustCompile(`\s(href|src)="(?:[a-z]+:|//)`).FindString(low); m != "" {
				t.Errorf("DOM refers outside the file: %s", m)
			}
			for _, bad := range []string{"Content Security Policy", "Uncaught"} {
				if strings.Contains(log, bad) {
					t.Errorf("chromium log reports %q:\n%s", bad, log)
				}
			}
			if shot := os.Getenv("KIZUKI_SCREENSHOT"); shot != "" && strings.Contains(name, ".en.") {
				runChromium(t, chromium, dir, "--hide-scrollbars", "--window-size=1280,3200", "--screenshot="+shot, "file://"+page)
			}
		})
	}
}

func runChromium(t *testing.T, chromium, dir string, args ...string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--enable-logging=stderr", "--v=0", "--user-data-dir=" + filepath.Join(dir, "profile")}
	cmd := exec.CommandContext(ctx, chromium, append(base, args...)...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, e.String())
	}
	return o.String(), e.String()
}
