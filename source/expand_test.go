package source

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseRotation(t *testing.T) {
	tests := []struct {
		name  string
		base  string
		class int
		num   int
		date  string
	}{
		// logrotate defaults (Debian /etc/logrotate.d/nginx, rsyslog).
		{"access.log", "access.log", classBase, 0, ""},
		{"access.log.1", "access.log", classNumbered, 1, ""},
		{"access.log.2.gz", "access.log", classNumbered, 2, ""},
		{"syslog.10.gz", "syslog", classNumbered, 10, ""},
		{"auth.log.1.bz2", "auth.log", classNumbered, 1, ""},
		{"error.log.3.xz", "error.log", classNumbered, 3, ""},
		{"mail.log.4.zst", "mail.log", classNumbered, 4, ""},
		// logrotate dateext (RHEL /var/log/messages-YYYYMMDD).
		{"messages-20250519", "messages", classDated, 0, "20250519000000"},
		{"access.log-20250519.gz", "access.log", classDated, 0, "20250519000000"},
		{"access.log-2025051913", "access.log", classDated, 0, "20250519130000"},
		// dateformat -%s
		{"secure-1747650000", "secure", classDated, 0, "20250519102000"},
		// Apache rotatelogs / log4j style.
		{"app.log.2025-05-19", "app.log", classDated, 0, "20250519000000"},
		{"app.log-2025-05-19.gz", "app.log", classDated, 0, "20250519000000"},
		{"access.log.gz", "access.log", classBaseCompressed, 0, ""},
		// Not rotations.
		{"server-01.log", "server-01.log", classBase, 0, ""},
		{"2025-05-19.log", "2025-05-19.log", classBase, 0, ""},
		{".1", ".1", classBase, 0, ""},
		{"x.20251399", "x", classNumbered, 0, ""}, // not a date, too long for a number: see below
	}
	for _, tc := range tests {
		r := parseRotation(tc.name)
		if tc.name == "x.20251399" {
			// An 8-digit suffix that is no date is not a rotation number either.
			if r.class != classBase || r.base != tc.name {
				t.Errorf("%s: got %+v, want the base file", tc.name, r)
			}
			continue
		}
		if r.base != tc.base || r.class != tc.class || r.num != tc.num || r.date != tc.date {
			t.Errorf("%s: got %+v, want base %q class %d num %d date %q", tc.name, r, tc.base, tc.class, tc.num, tc.date)
		}
	}
}

// mkTree makes files (all with a line of content) under dir.
func mkTree(t *testing.T, dir string, names ...string) {
	t.Helper()
	for _, n := range names {
		writeFile(t, dir, n, []byte(n+"\n"))
	}
}

func paths(files []*File) []string {
	var out []string
	for _, f := range files {
		out = append(out, f.Path)
	}
	return out
}

func TestExpandOrder(t *testing.T) {
	dir := t.TempDir()
	mkTree(t, dir,
		"nginx/access.log",
		"nginx/access.log.1",
		"nginx/access.log.2.gz",
		"nginx/access.log.10.gz",
		"nginx/error.log",
		"nginx/error.log-20250519.gz",
		"nginx/error.log-20250412.gz",
		"nginx/error.log-20250601",
		"auth.log",
		"auth.log.1",
		"deep/a/b/c/messages",
		"zeta.log",
	)
	t.Chdir(dir)
	files, problems, err := Expand([]string{"."}, Options{})
	if err != nil || len(problems) != 0 {
		t.Fatalf("Expand: %v %v", err, problems)
	}
	want := []string{
		"auth.log.1", "auth.log",
		"deep/a/b/c/messages",
		"nginx/access.log.10.gz", "nginx/access.log.2.gz", "nginx/access.log.1", "nginx/access.log",
		"nginx/error.log-20250412.gz", "nginx/error.log-20250519.gz", "nginx/error.log-20250601", "nginx/error.log",
		"zeta.log",
	}
	if got := paths(files); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("order:\n got %q\nwant %q", got, want)
	}
	for _, f := range files {
		abs := filepath.Join(dir, f.Path)
		if f.Abs != abs || f.Arg != "." || f.Size <= 0 || f.ModTime.IsZero() {
			t.Errorf("%s: %+v", f.Path, f)
		}
	}
	// Sets and sequence numbers.
	bySet := map[string][]int{}
	for _, f := range files {
		bySet[f.Group] = append(bySet[f.Group], f.Seq)
	}
	if g := filepath.Join(dir, "nginx/access.log"); fmtInts(bySet[g]) != "0 1 2 3" {
		t.Errorf("access.log set seqs = %v", bySet[g])
	}
	if g := filepath.Join(dir, "zeta.log"); fmtInts(bySet[g]) != "0" {
		t.Errorf("single file group %q: %v", g, bySet)
	}
}

func fmtInts(v []int) string {
	var b strings.Builder
	for i, n := range v {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(string(rune('0' + n)))
	}
	return b.String()
}

func TestExpandArgs(t *testing.T) {
	dir := t.TempDir()
	mkTree(t, dir, "logs/a.log", "logs/b.log", "logs/sub/c.log", "logs/sub/deeper/d.log.gz", "other/x.txt", "weird[1].log")
	t.Chdir(dir)
	tests := []struct {
		name    string
		args    []string
		want    []string
		wantErr string
	}{
		{"file", []string{"logs/a.log"}, []string{"logs/a.log"}, ""},
		{"dir and a file in it: listed once", []string{"logs", "logs/a.log"}, []string{"logs/a.log", "logs/b.log", "logs/sub/c.log", "logs/sub/deeper/d.log.gz"}, ""},
		{"glob", []string{"logs/*.log"}, []string{"logs/a.log", "logs/b.log"}, ""},
		{"glob matching a dir walks it", []string{"logs/su?"}, []string{"logs/sub/c.log", "logs/sub/deeper/d.log.gz"}, ""},
		{"double star", []string{"logs/**/*.log"}, []string{"logs/a.log", "logs/b.log", "logs/sub/c.log"}, ""},
		{"dot slash double star, cleaned like filepath.Glob", []string{"./logs/**/*.log"}, []string{"logs/a.log", "logs/b.log", "logs/sub/c.log"}, ""},
		{"dot slash glob", []string{"./logs/*.log"}, []string{"logs/a.log", "logs/b.log"}, ""},
		{"double star first", []string{"**/*.gz"}, []string{"logs/sub/deeper/d.log.gz"}, ""},
		{"literal name with brackets", []string{"weird[1].log"}, []string{"weird[1].log"}, ""},
		{"stdin first", []string{"other", "-", "-"}, []string{"-", "other/x.txt"}, ""},
		{"missing file", []string{"logs/a.log", "nope.log"}, []string{"logs/a.log"}, "nope.log"},
		{"empty glob", []string{"*.nothing"}, nil, "*.nothing: matches nothing"},
		{"bad glob", []string{"logs/[.log"}, nil, "syntax error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files, problems, err := Expand(tc.args, Options{})
			if len(problems) != 0 {
				t.Errorf("problems: %v", problems)
			}
			if tc.wantErr == "" && err != nil {
				t.Fatalf("err = %v", err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			if got := paths(files); strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	if _, _, err := Expand([]string{"nope.log"}, Options{}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want fs.ErrNotExist", err)
	}
}

func TestExpandProblems(t *testing.T) {
	dir := t.TempDir()
	mkTree(t, dir, "logs/a.log", "elsewhere/real.log")
	logs := filepath.Join(dir, "logs")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Symlink(".", filepath.Join(logs, "loop")))                          // a link back to its own folder
	must(os.Symlink("self", filepath.Join(logs, "self")))                       // a link to itself: ELOOP
	must(os.Symlink("missing.log", filepath.Join(logs, "dangling")))            // nothing there
	must(os.Symlink("../elsewhere", filepath.Join(logs, "linked")))             // a folder elsewhere: followed
	must(os.Symlink("a.log", filepath.Join(logs, "same.log")))                  // a second name for a.log: listed once
	must(mkfifo(t, filepath.Join(logs, "pipe"), 0o600))                         // would block if opened
	must(os.WriteFile(filepath.Join(logs, "secret.log"), []byte("x\n"), 0o000)) // unreadable unless root

	files, problems, err := Expand([]string{logs}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(logs, "a.log"), filepath.Join(logs, "linked", "real.log")}
	if os.Geteuid() == 0 {
		want = append(want, filepath.Join(logs, "secret.log")) // root reads anything
	}
	if got := paths(files); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("files = %q, want %q", got, want)
	}
	wantProblems := []string{"loop: symbolic link loop", "self: symbolic link", "dangling: symbolic link", "pipe: not a regular file"}
	if os.Geteuid() != 0 {
		wantProblems = append(wantProblems, "secret.log: open")
	}
	all := ""
	for _, p := range problems {
		all += p.Error() + "\n"
	}
	for _, w := range wantProblems {
		if !strings.Contains(all, w) {
			t.Errorf("problems lack %q:\n%s", w, all)
		}
	}
	if len(problems) != len(wantProblems) {
		t.Errorf("%d problems, want %d:\n%s", len(problems), len(wantProblems), all)
	}

	// Without following, the links are reported rather than walked.
	files, problems, err = Expand([]string{logs}, Options{NoFollowSymlinks: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 || files[0].Path != filepath.Join(logs, "a.log") || len(problems) < 5 {
		t.Errorf("NoFollowSymlinks: %q, %v", paths(files), problems)
	}
	for _, f := range files {
		if strings.Contains(f.Path, "linked") {
			t.Errorf("NoFollowSymlinks followed %s", f.Path)
		}
	}

	// A link named explicitly is followed, listed under the name given, and
	// once only even with its target named too.
	link := filepath.Join(dir, "link.log")
	must(os.Symlink(filepath.Join(logs, "a.log"), link))
	files, _, err = Expand([]string{link, filepath.Join(logs, "a.log")}, Options{})
	if err != nil || len(files) != 1 || files[0].Path != link || files[0].Abs != link {
		t.Errorf("explicit link: %v %q", err, paths(files))
	}

	// An explicitly named FIFO is accepted, read like stdin.
	files, _, err = Expand([]string{filepath.Join(logs, "pipe")}, Options{})
	if err != nil || len(files) != 1 || files[0].Size != -1 {
		t.Errorf("explicit FIFO: %v %+v", err, files)
	}
}
