package detect

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/kizuki-dfir/kizuki/sigma"
)

// RuleSource is a folder of Sigma rules: the embedded pack or a user's folder.
type RuleSource struct {
	Name string // "builtin" or the folder as given
	FS   fs.FS
}

// DirSource is a user's rule folder (for example a SigmaHQ checkout).
func DirSource(dir string) (RuleSource, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return RuleSource{}, fmt.Errorf("rules %s: %w", dir, err)
	}
	if !st.IsDir() {
		return RuleSource{}, fmt.Errorf("rules %s: not a folder", dir)
	}
	return RuleSource{Name: dir, FS: os.DirFS(dir)}, nil
}

// Loaded is the outcome of loading rule sources.
type Loaded struct {
	Rules       []*sigma.Rule
	Files       int
	ParseErrors []sigma.Unsupported // files that are not valid Sigma, with the reason
}

// LoadRules parses every *.yml and *.yaml file of the sources, in a
// deterministic order. Files that fail to parse are reported, not fatal.
func LoadRules(srcs ...RuleSource) (*Loaded, error) {
	l := &Loaded{}
	for _, src := range srcs {
		var files []string
		err := fs.WalkDir(src.FS, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && strings.HasPrefix(d.Name(), ".") && p != "." {
				return fs.SkipDir
			}
			if ext := path.Ext(p); !d.IsDir() && (ext == ".yml" || ext == ".yaml") {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("rules %s: %w", src.Name, err)
		}
		sort.Strings(files)
		for _, f := range files {
			data, err := fs.ReadFile(src.FS, f)
			if err != nil {
				return nil, fmt.Errorf("rules %s: %w", src.Name, err)
			}
			display := path.Join(src.Name, f)
			l.Files++
			rs, err := sigma.ParseFile(display, data)
			if err != nil {
				l.ParseErrors = append(l.ParseErrors, sigma.Unsupported{Path: display, Reason: err.Error()})
				continue
			}
			l.Rules = append(l.Rules, rs...)
		}
	}
	return l, nil
}
