package source

import (
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// compressionExts are the file name endings rotation tools add when they
// compress. They only matter for grouping: the content is sniffed, not named.
var compressionExts = []string{".gz", ".bz2", ".xz", ".zst", ".zstd", ".lz4", ".z", ".Z"}

// rotation is where a file sits in its rotation set.
type rotation struct {
	base string // the live file's name: "access.log"
	// class orders the kinds of member: numbered (oldest = highest number)
	// before dated before the bare base name, compressed before plain.
	class int
	num   int    // for numbered members
	date  string // for dated members, "YYYYMMDDhhmmss"
}

const (
	classNumbered = iota
	classDated
	classBaseCompressed
	classBase
)

// parseRotation splits a file name into its rotation set's base name and its
// position, recognising the logrotate and newsyslog conventions: name.1,
// name.2.gz, name-20250519, name-20250519.gz, name-2025051913, name-1747650000
// (dateformat %s), name.2025-05-19 (rotatelogs, log4j).
func parseRotation(name string) rotation {
	stem, compressed := name, false
	for _, ext := range compressionExts {
		if s, ok := strings.CutSuffix(stem, ext); ok && s != "" {
			stem, compressed = s, true
			break
		}
	}
	if i := strings.LastIndexAny(stem, ".-_"); i > 0 && i < len(stem)-1 {
		base, suf := stem[:i], stem[i+1:]
		if d, ok := parseDate(suf, stem[i]); ok {
			return rotation{base: base, class: classDated, date: d}
		}
		if stem[i] == '.' && allDigits(suf) && len(suf) <= 6 {
			n, _ := strconv.Atoi(suf)
			return rotation{base: base, class: classNumbered, num: n}
		}
	}
	// "name-2025-05-19": the date itself holds separators.
	if len(stem) > 11 && (stem[len(stem)-11] == '-' || stem[len(stem)-11] == '.' || stem[len(stem)-11] == '_') {
		if d, ok := parseDate(stem[len(stem)-10:], '-'); ok {
			return rotation{base: stem[:len(stem)-11], class: classDated, date: d}
		}
	}
	if compressed {
		return rotation{base: stem, class: classBaseCompressed}
	}
	return rotation{base: name, class: classBase}
}

// parseDate recognises a rotation date suffix and returns it as a sortable
// "YYYYMMDDhhmmss".
func parseDate(s string, sep byte) (string, bool) {
	layouts := []string{"20060102", "2006010215", "200601021504", "20060102150405", "2006-01-02"}
	for _, l := range layouts {
		if len(s) != len(l) {
			continue
		}
		t, err := time.Parse(l, s)
		if err == nil && t.Year() >= 1990 && t.Year() < 2200 {
			return t.Format("20060102150405"), true
		}
	}
	// dateformat -%s: seconds since the epoch, 2001..2286.
	if sep == '-' && len(s) == 10 && allDigits(s) && s[0] == '1' {
		n, _ := strconv.ParseInt(s, 10, 64)
		return time.Unix(n, 0).UTC().Format("20060102150405"), true
	}
	return "", false
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// order sorts files into rotation sets and sets their Group and Seq.
func order(files []*File) {
	type key struct {
		group string
		rot   rotation
	}
	keys := make(map[*File]key, len(files))
	for _, f := range files {
		if f.Abs == "-" {
			keys[f] = key{group: "-", rot: rotation{class: classBase}}
			continue
		}
		dir, name := filepath.Split(f.Abs)
		r := parseRotation(name)
		keys[f] = key{group: filepath.Join(dir, r.base), rot: r}
	}
	sort.SliceStable(files, func(i, j int) bool {
		a, b := keys[files[i]], keys[files[j]]
		if a.group != b.group {
			if a.group == "-" || b.group == "-" {
				return a.group == "-"
			}
			return a.group < b.group
		}
		ra, rb := a.rot, b.rot
		if ra.class != rb.class {
			return ra.class < rb.class
		}
		if ra.num != rb.num {
			return ra.num > rb.num // access.log.9 is older than access.log.1
		}
		if ra.date != rb.date {
			return ra.date < rb.date
		}
		return files[i].Abs < files[j].Abs
	})
	for i, f := range files {
		f.Group = keys[f].group
		if i > 0 && files[i-1].Group == f.Group {
			f.Seq = files[i-1].Seq + 1
		} else {
			f.Seq = 0
		}
	}
	// A file alone in its set is its own group, whatever its name looks like.
	alone := make([]bool, len(files))
	for i, f := range files {
		alone[i] = (i == 0 || files[i-1].Group != f.Group) && (i == len(files)-1 || files[i+1].Group != f.Group)
	}
	for i, f := range files {
		if alone[i] {
			f.Group = f.Abs
		}
	}
}
