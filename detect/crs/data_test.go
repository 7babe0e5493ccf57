package crs

import (
	"bufio"
	"github.com/kizuki-dfir/kizuki/internal/shareddata"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"

	"github.com/kizuki-dfir/kizuki/event"
)

// ftwFile is the part of a go-ftw regression YAML the tests read.
type ftwFile struct {
	RuleID int `yaml:"rule_id"`
	Tests  []struct {
		TestID int `yaml:"test_id"`
		Stages []struct {
			Input struct {
				Method         string            `yaml:"method"`
				URI            string            `yaml:"uri"`
				Version        string            `yaml:"version"`
				Headers        map[string]string `yaml:"headers"`
				Data           string            `yaml:"data"`
				EncodedRequest string            `yaml:"encoded_request"`
				RawRequest     string            `yaml:"raw_request"`
			} `yaml:"input"`
			Output struct {
				Log struct {
					ExpectIDs   []int `yaml:"expect_ids"`
					NoExpectIDs []int `yaml:"no_expect_ids"`
				} `yaml:"log"`
			} `yaml:"output"`
		} `yaml:"stages"`
	} `yaml:"tests"`
}

// ftwCase is one regression stage turned into an access-log event.
type ftwCase struct {
	name        string // file:test_id
	ev          event.Event
	expect      []int
	noExpect    []int
	loggable    bool // everything the request carried fits in an access-log line
	hasBody     bool
	otherHeader bool
}

// headers an access log records (User-Agent, Referer) or that the Checker
// synthesises (Host, Accept); a test sending any other header, or an unusual
// Host or Accept, tests something an access log does not show.
var loggableHeaders = map[string]bool{"host": true, "user-agent": true, "referer": true, "accept": true}

const ftwAccept = "text/xml,application/xml,application/xhtml+xml,text/html;q=0.9,text/plain;q=0.8,image/png,*/*;q=0.5"

func loadRegression(t testing.TB) []ftwCase {
	t.Helper()
	root := shareddata.Path(t, "crs-regression/tests/regression/tests")
	var files []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(filepath.Base(filepath.Dir(p)), "REQUEST-") && strings.HasSuffix(p, ".yaml") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	var cases []ftwCase
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var ff ftwFile
		if err := yaml.Unmarshal(b, &ff); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, tc := range ff.Tests {
			for si, st := range tc.Stages {
				in := st.Input
				c := ftwCase{
					name:     filepath.Base(f) + ":" + strconv.Itoa(tc.TestID) + "/" + strconv.Itoa(si),
					expect:   st.Output.Log.ExpectIDs,
					noExpect: st.Output.Log.NoExpectIDs,
					hasBody:  in.Data != "" || in.EncodedRequest != "" || in.RawRequest != "",
				}
				c.ev = event.Event{Kind: event.KindWeb, Method: in.Method, URL: in.URI, HTTPVersion: in.Version}
				if c.ev.Method == "" {
					c.ev.Method = "GET"
				}
				if c.ev.URL == "" {
					c.ev.URL = "/"
				}
				var host, accept bool
				for k, v := range in.Headers {
					switch strings.ToLower(k) {
					case "user-agent":
						c.ev.UserAgent = v
					case "referer":
						c.ev.Referrer = v
					case "host":
						host = v == "localhost"
					case "accept":
						accept = v == ftwAccept || v == "*/*"
					}
					if !loggableHeaders[strings.ToLower(k)] {
						c.otherHeader = true
					}
				}
				if !host || !accept {
					c.otherHeader = true
				}
				c.loggable = !c.hasBody && !c.otherHeader && in.RawRequest == "" && in.EncodedRequest == ""
				cases = append(cases, c)
			}
		}
	}
	return cases
}

// combinedRE is a tiny parser for Apache combined lines, enough to feed the
// tests while the real access decoder lives in format/access.
var combinedRE = regexp.MustCompile(`^(\S+) \S+ \S+ \[[^\]]*\] "(\S+) (\S+)(?: (\S+))?" (\d{3}) \S+ "([^"]*)" "([^"]*)"`)

// loadApache decodes the first n lines of the real Apache access log
// (elastic/examples apache_logs, Apache-2.0; see ../shared/data/apache-real).
func loadApache(t testing.TB, n int) []event.Event {
	t.Helper()
	f, err := os.Open(filepath.Join(shareddata.Path(t, "apache-real"), "access.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var evs []event.Event
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	line := int64(0)
	for sc.Scan() && len(evs) < n {
		line++
		m := combinedRE.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		evs = append(evs, event.Event{
			Kind: event.KindWeb, Ref: event.Ref{Line: line}, SourceIP: m[1],
			Method: m[2], URL: m[3], HTTPVersion: m[4], Referrer: m[6], UserAgent: m[7],
		})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return evs
}
