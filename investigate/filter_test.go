package investigate

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kizuki-dfir/kizuki/format"
	"github.com/kizuki-dfir/kizuki/scan"
)

// TestFilterSound checks Filter against the reference, the collector fed
// every line: a filter chosen from the shape a first pass saw must give the
// same facts. The inputs are built so that a wrong choice loses facts: an
// address that is not its line's first field (vhost_combined, sshd), events
// kept from everyone (sudo, from no suspect), a web shell requested by an
// address nobody suspects.
func TestFilterSound(t *testing.T) {
	dir := t.TempDir()
	ts := func(i int) string {
		return time.Date(2025, 5, 19, 3, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second).Format("02/Jan/2006:15:04:05 -0700")
	}
	var combined, vhost strings.Builder
	for i := range 400 {
		ip := fmt.Sprintf("192.0.2.%d", 1+i%50)
		req := fmt.Sprintf("GET /mypage.php?id=%d", i)
		switch {
		case i%7 == 0:
			ip = "203.0.113.7"
		case i%11 == 0:
			req = "GET /search.php?q=select+union+drop" // watched words, from no suspect
		case i%13 == 0:
			req = "GET /uploads/avatar.php?cmd=id" // the shell, from no suspect
		}
		line := fmt.Sprintf("%s - - [%s] \"%s HTTP/1.1\" 200 %d \"-\" \"Mozilla/5.0 sudo\"\n", ip, ts(i), req, 100+i)
		combined.WriteString(line)
		vhost.WriteString("shop.example:443 " + line)
	}
	auth := "May 19 04:02:30 web01 sudo:      ops : TTY=pts/1 ; PWD=/home/ops ; USER=root ; COMMAND=/bin/bash\n" +
		"May 19 04:02:31 web01 sshd[1234]: Failed password for root from 203.0.113.7 port 4242 ssh2\n" +
		"May 19 04:02:35 web01 sshd[1234]: Accepted password for ops from 203.0.113.7 port 4243 ssh2\n" +
		"May 19 04:03:00 web01 CRON[5100]: (root) CMD (run-parts /etc/cron.hourly)\n"
	// No address at all: the address test holds vacuously, the kinds decide.
	sudo := "May 19 04:02:30 web01 sudo:      ops : TTY=pts/1 ; PWD=/home/ops ; USER=root ; COMMAND=/bin/bash\n" +
		"May 19 04:03:00 web01 useradd[5100]: new user: name=backup, UID=1001, GID=1001, home=/home/backup, shell=/bin/bash\n"
	// A quoted user name comes before the request: the first quoted field
	// is not where the URL is, and the shell is requested from no suspect.
	quoted := combined.String() + fmt.Sprintf("198.51.100.9 - \"x\" [%s] \"GET /uploads/avatar.php?cmd=id HTTP/1.1\" 200 10 \"-\" \"curl\"\n", ts(401))
	files := map[string]string{"combined.log": combined.String(), "quoted.log": quoted, "vhost.log": vhost.String(), "auth.log": auth, "sudo.log": sudo}
	for _, shells := range [][]string{nil, {"/uploads/avatar.php"}} {
		for name, body := range files {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			cfg := scan.Config{Args: []string{p}, Workers: 2, Decode: format.Options{Location: time.UTC}}
			first, err := scan.Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			shape := first.Inputs[0].Shape
			collect := func(filtered bool) (*facts, *Collector) {
				c := NewCollector([]string{"203.0.113.7"}, shells)
				cfg := cfg
				cfg.Handler = c
				if filtered {
					cfg.Skip = func(*scan.Input) func(string) bool { return c.Filter(shape) }
				}
				if _, err := scan.Run(context.Background(), cfg); err != nil {
					t.Fatal(err)
				}
				return c.facts(func(int32) string { return p }), c
			}
			want, _ := collect(false)
			got, c := collect(true)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s, shells %v: filtered facts differ from every line's:\n got  %+v\n want %+v", name, shells, got, want)
			}
			// The cheap filter must be the one chosen where it is sound,
			// or this test proves nothing about it.
			cheap := name == "combined.log" || name == "quoted.log"
			if inRequest := name != "quoted.log"; shape.URLInRequest != inRequest {
				t.Errorf("%s: URLInRequest = %v, want %v", name, shape.URLInRequest, inRequest)
			}
			noise := strings.Split(combined.String(), "\n")[11] // watched words, no suspect
			if got := c.Filter(shape)(noise) && !c.Skip(noise); got != cheap {
				t.Errorf("%s, shells %v: cheap filter chosen %v, want %v", name, shells, got, cheap)
			}
			// Shells are looked for as they appear in lines only where every
			// URL was its line's text.
			if cheap && shells != nil {
				sh := shape
				sh.URLInLine = false
				if c.Filter(sh)(noise) {
					t.Errorf("shells followed though URLs were not their lines' text")
				}
			}
		}
	}
}
