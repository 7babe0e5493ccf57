package detect_test

import (
	"bufio"
	"os"
	"testing"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/format/auditd"
	"github.com/kizuki-dfir/kizuki/internal/shareddata"
	"github.com/kizuki-dfir/kizuki/sigma"
)

// TestProcessCreationOnAudit runs SigmaHQ's "Curl Usage on Linux"
// (process_creation, Image|endswith '/curl') over the auditd sample: it can
// only fire on the EXECVE record because the decoder joins the executable
// path of the SYSCALL record of the same event. It fires exactly once: the
// SYSCALL record itself is a system event, not a process start.
func TestProcessCreationOnAudit(t *testing.T) {
	path := shareddata.Path(t, "sigma/rules/linux/process_creation/proc_creation_lnx_curl_usage.yml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rules, err := sigma.ParseFile(path, data)
	if err != nil {
		t.Fatal(err)
	}
	rs, unsup := sigma.Compile(rules, sigma.DefaultPipeline())
	if len(unsup) > 0 {
		t.Fatalf("unsupported: %+v", unsup)
	}
	f, err := os.Open("../format/auditd/testdata/audit.log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := auditd.NewDecoder()
	var hits []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		d.Decode(sc.Text(), event.Ref{}, func(ev *event.Event) {
			if len(rs.Match(ev, nil)) > 0 {
				hits = append(hits, ev.Raw)
			}
		})
	}
	if len(hits) != 1 {
		t.Fatalf("rule fired on %d records, want 1 (the curl EXECVE): %q", len(hits), hits)
	}
}
