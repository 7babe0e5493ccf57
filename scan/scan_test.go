package scan

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/source"
)

// Lines from /work/shared/data/apache-real/access.log (Apache-2.0).
const accessLines = `83.149.9.216 - - [17/May/2015:10:05:03 +0000] "GET /presentations/logstash-monitorama-2013/images/kibana-search.png HTTP/1.1" 200 203023 "http://semicomplete.com/presentations/logstash-monitorama-2013/" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36"
83.149.9.216 - - [17/May/2015:10:05:43 +0000] "GET /presentations/logstash-monitorama-2013/images/kibana-dashboard3.png HTTP/1.1" 200 171717 "http://semicomplete.com/presentations/logstash-monitorama-2013/" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36"
`

type countHandler struct{ n atomic.Int64 }

func (h *countHandler) Worker() func(*event.Event) { return func(*event.Event) { h.n.Add(1) } }

func write(t *testing.T, path string, data []byte) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func gz(t *testing.T, data []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

func run(t *testing.T, cfg Config) *Result {
	t.Helper()
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func byName(res *Result) map[string]*Input {
	m := map[string]*Input{}
	for _, in := range res.Inputs {
		m[filepath.Base(strings.ReplaceAll(in.Path, "!", "/"))] = in
	}
	return m
}

func problem(in *Input, kind string) int64 {
	for _, p := range in.Problems {
		if p.Kind == kind {
			return p.Count
		}
	}
	return 0
}

// snapshot lists every file under dir with its size and mode, to prove a
// scan wrote nothing and changed nothing.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, _ := d.Info()
		out = append(out, p+" "+info.Mode().String()+" "+info.ModTime().String()+" "+itoa(info.Size()))
		return nil
	})
	sort.Strings(out)
	return strings.Join(out, "\n")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestHostileInputs(t *testing.T) {
	dir := t.TempDir()
	// A binary file (an ELF-like header and random-looking bytes).
	bin := make([]byte, 8192)
	for i := range bin {
		bin[i] = byte(i * 7)
	}
	copy(bin, "\x7fELF\x02\x01\x01\x00")
	write(t, filepath.Join(dir, "core.bin"), bin)
	// A zip whose members try to escape.
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	for _, name := range []string{"../../etc/evil.log", "/abs/access.log"} {
		w, _ := zw.Create(name)
		w.Write([]byte(accessLines))
	}
	zw.Close()
	write(t, filepath.Join(dir, "escape.zip"), zb.Bytes())
	// A gzip bomb: 64 MiB of log-like text capped at 1 MiB.
	var bomb bytes.Buffer
	bw, _ := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	chunk := bytes.Repeat([]byte(strings.SplitAfter(accessLines, "\n")[0]), (1<<20)/len(strings.SplitAfter(accessLines, "\n")[0]))
	for range 64 {
		bw.Write(chunk)
	}
	bw.Close()
	write(t, filepath.Join(dir, "bomb.log.gz"), bomb.Bytes())
	// A 50 MB line between two good lines.
	var long bytes.Buffer
	long.WriteString(strings.SplitAfter(accessLines, "\n")[0])
	long.Write(bytes.Repeat([]byte("A"), 50<<20))
	long.WriteString("\n" + strings.SplitAfter(accessLines, "\n")[1])
	write(t, filepath.Join(dir, "long.log"), long.Bytes())
	// Invalid UTF-8 inside an otherwise valid access log line.
	write(t, filepath.Join(dir, "latin1.log"), []byte(strings.Replace(accessLines, "Macintosh", "Mac\xe9\xff", 1)))
	// A truncated gzip: the lines before the cut are still read.
	full := gz(t, []byte(strings.Repeat(accessLines, 200)))
	write(t, filepath.Join(dir, "cut.log.gz"), full[:len(full)/2])

	before := snapshot(t, dir)
	h := &countHandler{}
	res := run(t, Config{Args: []string{dir}, Source: source.Options{MaxBytes: 1 << 20}, MaxLine: 1 << 20, Handler: h})
	if after := snapshot(t, dir); after != before {
		t.Fatalf("the scan changed the input folder:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	ins := byName(res)

	if in := ins["core.bin"]; in == nil || in.Format != "binary" || problem(in, "binary") != 8192 {
		t.Errorf("binary file: %+v", in)
	}
	for _, name := range []string{"evil.log", "access.log"} {
		in := ins[name]
		if in == nil {
			t.Fatalf("zip member %s missing; inputs: %v", name, keys(ins))
		}
		if strings.Contains(in.Path, "..") || strings.Contains(in.Path, "!/") {
			t.Errorf("zip member path not sanitised: %q", in.Path)
		}
		if problem(in, "unsafe_member_name") != 1 || in.Parsed != 2 {
			t.Errorf("zip member %s: problems %+v parsed %d", name, in.Problems, in.Parsed)
		}
	}
	if in := ins["bomb.log.gz"]; in == nil || problem(in, "size_cap") != 1 || in.Bytes > 1<<20 {
		t.Errorf("gzip bomb: %+v", in)
	}
	if in := ins["long.log"]; in == nil || in.Lines != 3 || problem(in, "line_too_long") != 1 || in.Parsed != 2 {
		t.Errorf("50 MB line: lines %d parsed %d problems %+v", in.Lines, in.Parsed, in.Problems)
	}
	if in := ins["latin1.log"]; in == nil || problem(in, "invalid_utf8") != 1 || in.Parsed != 2 {
		t.Errorf("invalid UTF-8: %+v", in)
	}
	if in := ins["cut.log.gz"]; in == nil || problem(in, "read") != 1 || in.Parsed < 100 {
		t.Errorf("truncated gzip: parsed %d problems %+v", in.Parsed, in.Problems)
	} else if p := in.Problems[0].Message; !strings.Contains(p, "truncated") && !strings.Contains(p, "unexpected EOF") {
		t.Errorf("truncated gzip message %q does not say so", p)
	}
	if h.n.Load() == 0 {
		t.Error("handler saw no events")
	}
}

func keys(m map[string]*Input) []string {
	var k []string
	for n := range m {
		k = append(k, n)
	}
	sort.Strings(k)
	return k
}

// TestParallelMatchesSerial: cutting a big input into blocks decoded on many
// goroutines gives exactly the account one goroutine gives.
func TestParallelMatchesSerial(t *testing.T) {
	dir := t.TempDir()
	var b bytes.Buffer
	for i := range 40000 {
		b.WriteString(strings.SplitAfter(accessLines, "\n")[i%2])
		if i%997 == 0 {
			b.WriteString("garbage line that is not a log\n")
		}
	}
	p := write(t, filepath.Join(dir, "big.log"), b.Bytes())
	one := run(t, Config{Args: []string{p}, Workers: 1}).Inputs[0]
	many := run(t, Config{Args: []string{p}, Workers: 8}).Inputs[0]
	if one.Lines != many.Lines || one.Parsed != many.Parsed || one.Unparsed != many.Unparsed || one.Events != many.Events ||
		!one.FirstTime.Equal(*many.FirstTime) || len(one.Samples) != len(many.Samples) || one.Samples[0] != many.Samples[0] {
		t.Fatalf("parallel account differs:\n one %+v\nmany %+v", one.Input, many.Input)
	}
	if one.Unparsed != 41 || one.Lines != 40041 || one.Format != "access.combined" {
		t.Fatalf("account = %+v", one.Input)
	}
}

func TestStdinAndForcedFormat(t *testing.T) {
	res := run(t, Config{Args: []string{"-"}, Source: source.Options{Stdin: strings.NewReader(accessLines)}, Format: "raw"})
	in := res.Inputs[0]
	if in.Path != "-" || in.Format != "raw" || in.Sniffed || in.Unparsed != 2 {
		t.Fatalf("stdin forced raw: %+v", in.Input)
	}
	if _, err := Run(context.Background(), Config{Args: []string{"-"}, Format: "nope"}); err == nil {
		t.Fatal("unknown --format accepted")
	}
}

// TestLineChecks counts invalid UTF-8 and NUL bytes per line whether the
// block around them is clean or not, including a line the cap cuts inside
// a character (valid in the block, invalid once cut).
func TestLineChecks(t *testing.T) {
	tests := []struct {
		name          string
		text          string
		invalid, nuls int64
		trustedCut    int64 // invalid_utf8 with TrustText: only cut lines are checked
	}{
		{"clean", "plain line\nanother\n", 0, 0, 0},
		{"cut inside a character", "ok\n" + strings.Repeat("é", 10) + "\nok\n", 1, 0, 1},
		{"cut between characters", "ok\n" + strings.Repeat("a", 30) + "\n", 0, 0, 0},
		{"invalid and NUL", "ok\nMac\xe9\xff\nnul\x00here\nok\n", 1, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := write(t, filepath.Join(t.TempDir(), "x.log"), []byte(tt.text))
			checked, trusted := &countHandler{}, &countHandler{}
			in := run(t, Config{Args: []string{p}, Format: "raw", MaxLine: 15, Handler: checked}).Inputs[0]
			if got := problem(in, "invalid_utf8"); got != tt.invalid {
				t.Errorf("invalid_utf8 = %d, want %d (%+v)", got, tt.invalid, in.Problems)
			}
			if got := problem(in, "binary_line"); got != tt.nuls {
				t.Errorf("binary_line = %d, want %d (%+v)", got, tt.nuls, in.Problems)
			}
			// Trusted text: the same lines decoded, the checks left out.
			in = run(t, Config{Args: []string{p}, Format: "raw", MaxLine: 15, Handler: trusted, TrustText: true}).Inputs[0]
			if got := problem(in, "invalid_utf8") + problem(in, "binary_line"); got != tt.trustedCut {
				t.Errorf("TrustText: invalid_utf8 + binary_line = %d, want %d (%+v)", got, tt.trustedCut, in.Problems)
			}
			if checked.n.Load() != trusted.n.Load() || checked.n.Load() == 0 {
				t.Errorf("TrustText: %d events, %d without", trusted.n.Load(), checked.n.Load())
			}
		})
	}
}
