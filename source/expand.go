package source

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Expand resolves the user's arguments (files, folders walked recursively,
// shell-style globs with filepath.Match syntax plus "**" for any number of
// folders, "-" for stdin) into files, de-duplicated, in a deterministic
// order: rotation sets (access.log, access.log.1, access.log.2.gz,
// access.log-20250519.gz, ... same dir, same base name) are adjacent, oldest
// first, and sets are otherwise sorted by path; stdin comes first.
//
// Symbolic links met while walking are followed (a live /var/log often links
// elsewhere) unless opts.NoFollowSymlinks; a file reached twice, by two
// arguments or through a link, is listed once, under the first argument that
// led to it. Non-regular files, symlink loops, dangling links and unreadable
// entries are returned in problems (not fatal) so the caller can print them.
// An explicit argument that does not exist, or a glob that matches nothing,
// makes err non-nil (naming every such argument); files still holds what the
// other arguments found.
//
// An explicitly named FIFO (as made by a shell's <(...)) is accepted and read
// like stdin; one met while walking a folder is a problem, since opening it
// could block forever.
func Expand(args []string, opts Options) (files []*File, problems []error, err error) {
	e := &expander{opts: opts, seen: map[string]bool{}}
	var missing []error
	for _, arg := range args {
		if arg == "-" {
			if !e.seen["-"] {
				e.seen["-"] = true
				e.files = append(e.files, &File{Arg: "-", Path: "-", Abs: "-", Size: -1, Group: "-"})
			}
			continue
		}
		if hasMeta(arg) {
			if _, err := os.Lstat(arg); err != nil { // a real file may have "[" in its name
				matches, err := glob(arg)
				if err != nil {
					missing = append(missing, fmt.Errorf("glob %s: %w", arg, err))
					continue
				}
				if len(matches) == 0 {
					missing = append(missing, fmt.Errorf("glob %s: matches nothing", arg))
					continue
				}
				for _, m := range matches {
					e.arg(arg, m)
				}
				continue
			}
		}
		if _, err := os.Stat(arg); err != nil && errors.Is(err, fs.ErrNotExist) {
			if _, lerr := os.Lstat(arg); lerr == nil {
				missing = append(missing, fmt.Errorf("%s: dangling symbolic link", arg))
			} else {
				missing = append(missing, fmt.Errorf("%s: %w", arg, fs.ErrNotExist))
			}
			continue
		}
		e.arg(arg, arg)
	}
	order(e.files)
	return e.files, e.problems, errors.Join(missing...)
}

type expander struct {
	opts     Options
	files    []*File
	problems []error
	seen     map[string]bool // real (symlink-resolved) paths already listed
}

func (e *expander) problem(format string, a ...any) {
	e.problems = append(e.problems, fmt.Errorf(format, a...))
}

// arg adds what one path named by argument arg holds.
func (e *expander) arg(arg, p string) {
	fi, err := os.Stat(p)
	if err != nil {
		e.problem("%s: %w", p, err)
		return
	}
	switch {
	case fi.IsDir():
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			e.problem("%s: %w", p, err)
			return
		}
		e.walk(arg, p, real, map[string]bool{real: true})
	case fi.Mode().IsRegular():
		e.add(arg, p, fi)
	case fi.Mode()&fs.ModeNamedPipe != 0:
		e.add(arg, p, fi)
	default:
		e.problem("%s: not a regular file (%s)", p, fi.Mode().Type())
	}
}

// walk lists folder dir (whose resolved path is real) recursively. ancestors
// holds the resolved paths of the folders being walked, to catch link loops.
func (e *expander) walk(arg, dir, real string, ancestors map[string]bool) {
	entries, err := readDir(dir)
	if err != nil {
		e.problem("%s: %w", dir, err)
		// readDir returns what it read before the error.
	}
	for _, de := range entries {
		p := filepath.Join(dir, de.Name())
		t := de.Type()
		if t&fs.ModeSymlink != 0 {
			if e.opts.NoFollowSymlinks {
				e.problem("%s: symbolic link not followed", p)
				continue
			}
			fi, err := os.Stat(p)
			if err != nil {
				e.problem("%s: symbolic link: %w", p, err) // dangling, or a loop (ELOOP)
				continue
			}
			t = fi.Mode().Type()
		}
		switch {
		case t.IsDir():
			sub, err := filepath.EvalSymlinks(p)
			if err != nil {
				e.problem("%s: %w", p, err)
				continue
			}
			if ancestors[sub] {
				e.problem("%s: symbolic link loop (leads back to %s)", p, sub)
				continue
			}
			ancestors[sub] = true
			e.walk(arg, p, sub, ancestors)
			delete(ancestors, sub)
		case t.IsRegular():
			fi, err := os.Stat(p)
			if err != nil {
				e.problem("%s: %w", p, err)
				continue
			}
			e.add(arg, p, fi)
		default:
			e.problem("%s: not a regular file (%s), skipped", p, t)
		}
	}
}

// add lists the file at p once, checking it can be opened for reading.
func (e *expander) add(arg, p string, fi fs.FileInfo) {
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		e.problem("%s: %w", p, err)
		return
	}
	if e.seen[real] {
		return
	}
	e.seen[real] = true
	size := fi.Size()
	if fi.Mode().IsRegular() {
		// Opening read-only changes nothing on disk and catches permission
		// problems now, before hours of scanning. FIFOs are not opened: that
		// would block until a writer appears.
		fh, err := os.Open(p)
		if err != nil {
			e.problem("%s: %w", p, err)
			return
		}
		fh.Close()
	} else {
		size = -1
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		e.problem("%s: %w", p, err)
		return
	}
	e.files = append(e.files, &File{Arg: arg, Path: p, Abs: abs, Size: size, ModTime: fi.ModTime()})
}

func hasMeta(p string) bool { return strings.ContainsAny(p, `*?[`) }

// glob is filepath.Glob with "**" matching any number of folders (zero
// included) when it is a whole path element.
func glob(pattern string) ([]string, error) {
	if !strings.Contains(pattern, "**") {
		return filepath.Glob(pattern)
	}
	// Walk from the longest leading part without wildcards.
	sep := string(filepath.Separator)
	parts := strings.Split(filepath.ToSlash(pattern), "/")
	for _, part := range parts {
		if strings.Contains(part, "**") && part != "**" {
			return nil, fmt.Errorf(`"**" must be a whole path element`)
		}
		if _, err := filepath.Match(part, ""); err != nil {
			return nil, err
		}
	}
	i := 0
	for i < len(parts) && !hasMeta(parts[i]) {
		i++
	}
	root := strings.Join(parts[:i], sep)
	if root == "" {
		if strings.HasPrefix(pattern, sep) {
			root = sep
		} else {
			root = "."
		}
	}
	rest := parts[i:]
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // unreadable folders are simply not matched
		}
		rel, rerr := filepath.Rel(root, p)
		if rerr != nil || rel == "." {
			return nil
		}
		if matchParts(rest, strings.Split(filepath.ToSlash(rel), "/")) {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Like filepath.Glob, matches are cleaned ("./a" is "a").
	return out, nil
}

// matchParts matches path elements against pattern elements, "**" standing for
// zero or more elements.
func matchParts(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for k := 0; k <= len(name); k++ {
				if matchParts(pat[1:], name[k:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, _ := filepath.Match(pat[0], name[0]); !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}

// readDir is os.ReadDir without updating the folder's access time where the
// system allows it (see openEvidence).
func readDir(dir string) ([]fs.DirEntry, error) {
	f, err := openEvidence(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	entries, err := f.ReadDir(-1)
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	return entries, err
}
