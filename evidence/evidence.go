// Package evidence keeps the trail that lets kizuki's findings stand up in a
// report: the case folder, the manifest of every input with its hashes, and an
// append-only custody journal whose entries are chained by SHA-256 so that any
// edit breaks the chain. Verify re-checks all of it.
package evidence

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"sort"
	"time"
)

// Names of the files in a case folder's evidence directory.
const (
	Dir          = "evidence"
	ManifestFile = "manifest.json"
	JournalFile  = "journal.jsonl"
)

// Case is an open case folder.
type Case struct {
	dir     string
	created bool   // Create made the folder (it did not exist)
	prev    string // SHA-256 of the last journal line
	seq     int
	now     func() time.Time
}

// Create opens dir as a case folder, creating it. A folder that exists and is
// not empty is refused unless force is set: a case is evidence, and replacing
// one by accident must take a deliberate flag. With force, an existing
// journal is continued, not replaced, so the custody trail stays whole.
func Create(dir string, force bool) (*Case, error) {
	entries, err := os.ReadDir(dir)
	created := false
	switch {
	case errors.Is(err, os.ErrNotExist):
		created = true
	case err != nil:
		return nil, fmt.Errorf("case folder %s: %w", dir, err)
	case len(entries) > 0 && !force:
		return nil, fmt.Errorf("case folder %s is not empty (choose another --out, or --force to write into it)", dir)
	}
	if err := os.MkdirAll(filepath.Join(dir, Dir), 0o755); err != nil {
		return nil, fmt.Errorf("create case folder: %w", err)
	}
	c := &Case{dir: dir, now: time.Now, created: created}
	entries2, err := readJournal(filepath.Join(dir, Dir, JournalFile))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if n := len(entries2); n > 0 {
		c.prev = entries2[n-1].hash
		c.seq = entries2[n-1].entry.Seq
	}
	return c, nil
}

// Discard removes the case folder if Create made it, for a scan that could
// not start (no input readable): a folder holding only the journal of a scan
// that never ran would block the corrected command. A folder that existed
// before is left alone.
func (c *Case) Discard() error {
	if !c.created {
		return nil
	}
	return os.RemoveAll(c.dir)
}

// Dir returns the case folder's path.
func (c *Case) Dir() string { return c.dir }

// Path returns the path of a file inside the case folder. name must be a
// local path (no "..", not absolute): nothing is ever written outside a case.
func (c *Case) Path(name string) (string, error) {
	if !filepath.IsLocal(name) {
		return "", fmt.Errorf("refusing to write %q outside the case folder", name)
	}
	return filepath.Join(c.dir, name), nil
}

// Entry is one line of the custody journal.
type Entry struct {
	Seq     int             `json:"seq"`
	Time    time.Time       `json:"time"`
	Action  string          `json:"action"` // "scan", "outputs", "verify", ...
	Tool    string          `json:"tool"`
	Version string          `json:"version"`
	Args    []string        `json:"args,omitempty"`
	Host    string          `json:"host"`
	User    string          `json:"user"`
	Details json.RawMessage `json:"details,omitempty"`
	// Prev is the SHA-256 of the previous journal line's bytes (without its
	// newline); empty for the first entry.
	Prev string `json:"prev_sha256"`
}

// Record appends an entry to the journal. details is marshalled to JSON.
func (c *Case) Record(action, version string, args []string, details any) error {
	var raw json.RawMessage
	if details != nil {
		b, err := json.Marshal(details)
		if err != nil {
			return fmt.Errorf("journal %s: %w", action, err)
		}
		raw = b
	}
	host, _ := os.Hostname()
	who := ""
	if u, err := user.Current(); err == nil {
		who = u.Username
	}
	c.seq++
	e := Entry{Seq: c.seq, Time: c.now().UTC(), Action: action, Tool: "kizuki", Version: version,
		Args: args, Host: host, User: who, Details: raw, Prev: c.prev}
	line, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("journal %s: %w", action, err)
	}
	f, err := os.OpenFile(filepath.Join(c.dir, Dir, JournalFile), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("open journal: %w", err)
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("write journal: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write journal: %w", err)
	}
	c.prev = sum256(line)
	return nil
}

// Manifest lists every input of a scan with its hashes.
type Manifest struct {
	Schema int         `json:"schema"`
	Files  []InputFile `json:"files"`
}

// InputFile is one file as found on disk (or stdin), hashed while it was read.
type InputFile struct {
	Path     string    `json:"path"`     // as given
	Resolved string    `json:"resolved"` // absolute path ("-" for stdin)
	Size     int64     `json:"size"`
	ModTime  time.Time `json:"mtime"`
	SHA256   string    `json:"sha256"`
	SHA1     string    `json:"sha1"`
	Members  []Member  `json:"members,omitempty"` // archive members
}

// Member is one archive member.
type Member struct {
	Path   string `json:"path"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
	SHA1   string `json:"sha1"`
}

// WriteManifest writes evidence/manifest.json.
func (c *Case) WriteManifest(m Manifest) error {
	m.Schema = 1
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	return writeFile(filepath.Join(c.dir, Dir, ManifestFile), append(b, '\n'))
}

// Seal hashes the given output files (paths relative to the case folder) and
// records them as the journal's last entry, so Verify can tell if any changed.
func (c *Case) Seal(version string, outputs []string) error {
	hashes := map[string]string{}
	for _, name := range append(outputs, filepath.Join(Dir, ManifestFile)) {
		p, err := c.Path(name)
		if err != nil {
			return err
		}
		h, _, err := hashFile(p)
		if err != nil {
			return fmt.Errorf("seal: %w", err)
		}
		hashes[filepath.ToSlash(name)] = h
	}
	return c.Record("outputs", version, nil, map[string]any{"sha256": hashes})
}

func writeFile(path string, data []byte) error {
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func sum256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// hashFile returns the SHA-256 and SHA-1 of a file, read once.
func hashFile(path string) (string, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	h256, h1 := sha256.New(), sha1.New()
	if _, err := io.Copy(io.MultiWriter(h256, h1), f); err != nil {
		return "", "", fmt.Errorf("read %s: %w", path, err)
	}
	return hex.EncodeToString(h256.Sum(nil)), hex.EncodeToString(h1.Sum(nil)), nil
}

type journalLine struct {
	entry Entry
	hash  string
	raw   []byte
}

func readJournal(path string) ([]journalLine, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []journalLine
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Bytes()
		var e Entry
		if err := json.Unmarshal(line, &e); err != nil {
			return out, fmt.Errorf("journal line %d: %w", n, err)
		}
		out = append(out, journalLine{entry: e, hash: sum256(line), raw: append([]byte(nil), line...)})
	}
	return out, sc.Err()
}

// Check is one verification result.
type Check struct {
	What   string `json:"what"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
}

// Verification is the outcome of Verify.
type Verification struct {
	Checks []Check `json:"checks"`
}

// OK reports whether every check passed.
func (v *Verification) OK() bool {
	for _, c := range v.Checks {
		if !c.OK {
			return false
		}
	}
	return len(v.Checks) > 0
}

func (v *Verification) add(ok bool, what, format string, a ...any) {
	v.Checks = append(v.Checks, Check{What: what, OK: ok, Detail: fmt.Sprintf(format, a...)})
}

// Verify checks a case folder: the journal's chain, the outputs against the
// hashes sealed in the journal, and, with inputs set, the original inputs
// against the manifest (re-read from their resolved paths).
func Verify(dir string, inputs bool) (*Verification, error) {
	v := &Verification{}
	lines, err := readJournal(filepath.Join(dir, Dir, JournalFile))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s is not a kizuki case folder (no %s/%s)", dir, Dir, JournalFile)
		}
		v.add(false, "journal", "%v", err)
		return v, nil
	}
	chainOK := true
	prev := ""
	for i, l := range lines {
		if l.entry.Prev != prev {
			v.add(false, "journal", "entry %d (line %d): previous-entry hash %q does not match %q: the journal was edited", l.entry.Seq, i+1, l.entry.Prev, prev)
			chainOK = false
		}
		prev = l.hash
	}
	if chainOK {
		v.add(true, "journal", "%d entries, hash chain intact", len(lines))
	}
	var sealed map[string]string
	for i := len(lines) - 1; i >= 0; i-- {
		if lines[i].entry.Action == "outputs" {
			var d struct {
				SHA256 map[string]string `json:"sha256"`
			}
			if err := json.Unmarshal(lines[i].entry.Details, &d); err == nil {
				sealed = d.SHA256
			}
			break
		}
	}
	if sealed == nil {
		v.add(false, "outputs", "the journal records no outputs (the scan did not finish)")
	}
	names := make([]string, 0, len(sealed))
	for n := range sealed {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if !filepath.IsLocal(filepath.FromSlash(n)) {
			v.add(false, n, "journal names a file outside the case folder")
			continue
		}
		got, _, err := hashFile(filepath.Join(dir, filepath.FromSlash(n)))
		switch {
		case err != nil:
			v.add(false, n, "%v", err)
		case got != sealed[n]:
			v.add(false, n, "SHA-256 %s, sealed %s: the file changed after the scan", got, sealed[n])
		default:
			v.add(true, n, "SHA-256 %s matches", got)
		}
	}
	if !inputs {
		return v, nil
	}
	mb, err := os.ReadFile(filepath.Join(dir, Dir, ManifestFile))
	if err != nil {
		v.add(false, "manifest", "%v", err)
		return v, nil
	}
	var m Manifest
	if err := json.Unmarshal(mb, &m); err != nil {
		v.add(false, "manifest", "%v", err)
		return v, nil
	}
	for _, f := range m.Files {
		if f.Resolved == "-" {
			v.add(true, "input "+f.Path, "standard input cannot be re-read; recorded SHA-256 %s", f.SHA256)
			continue
		}
		got, got1, err := hashFile(f.Resolved)
		switch {
		case err != nil:
			v.add(false, "input "+f.Path, "%v", err)
		case got != f.SHA256 || got1 != f.SHA1:
			v.add(false, "input "+f.Path, "SHA-256 %s, manifest %s: the input changed", got, f.SHA256)
		default:
			v.add(true, "input "+f.Path, "SHA-256 %s matches", got)
		}
	}
	return v, nil
}
