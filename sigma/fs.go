package sigma

import (
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// maxRuleFile bounds the size of one rule file.
const maxRuleFile = 4 << 20

// ParseFS parses every .yml and .yaml file under root in fsys, in lexical
// order. A file that fails to parse is reported in errs and skipped; the
// others still load.
func ParseFS(fsys fs.FS, root string) (rules []*Rule, errs []error) {
	err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			errs = append(errs, err)
			return nil
		}
		if d.IsDir() {
			return nil
		}
		if ext := strings.ToLower(path.Ext(p)); ext != ".yml" && ext != ".yaml" {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			errs = append(errs, err)
			return nil
		}
		if info.Size() > maxRuleFile {
			errs = append(errs, fmt.Errorf("%s: %d bytes, more than the %d a rule file may have", p, info.Size(), maxRuleFile))
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			errs = append(errs, err)
			return nil
		}
		rs, err := ParseFile(p, data)
		if err != nil {
			errs = append(errs, err)
			return nil
		}
		rules = append(rules, rs...)
		return nil
	})
	if err != nil {
		errs = append(errs, err)
	}
	return rules, errs
}
