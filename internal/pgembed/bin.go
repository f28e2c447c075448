package pgembed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"time"
)

// MinMajorVersion is the oldest PostgreSQL major version copydesk runs on.
const MinMajorVersion = 15

// installHint is the error FindBinDir returns when no usable binaries exist.
const installHint = "PostgreSQL server binaries (initdb, postgres) not found on PATH or under /usr/lib/postgresql/*/bin; install them with: apt-get install postgresql-15 (Debian/Ubuntu)"

// ErrNotFound is returned (wrapped) by FindBinDir and Start when no
// PostgreSQL server binaries can be found. Its message says what to install.
var ErrNotFound = errors.New(installHint)

// debianBinGlob is where Debian/Ubuntu packages put the server binaries.
var debianBinGlob = "/usr/lib/postgresql/*/bin"

// FindBinDir locates the directory holding the PostgreSQL server binaries
// (initdb and postgres, side by side) of major version 15 or newer.
//
// It looks on PATH first, resolving symlinks so that the sibling binaries
// are found in the real directory, then under /usr/lib/postgresql/*/bin,
// taking the highest major version.
func FindBinDir() (string, error) {
	var tooOld error
	if dir, ok := pathBinDir(); ok {
		_, err := binMajorVersion(dir)
		if err == nil {
			return dir, nil
		}
		tooOld = err
	}
	matches, _ := filepath.Glob(debianBinGlob)
	type cand struct {
		dir   string
		major int
	}
	var cands []cand
	for _, m := range matches {
		n, err := strconv.Atoi(filepath.Base(filepath.Dir(m)))
		if err != nil || !hasServerBinaries(m) {
			continue
		}
		cands = append(cands, cand{m, n})
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i].major > cands[j].major })
	for _, c := range cands {
		if c.major < MinMajorVersion {
			if tooOld == nil {
				tooOld = fmt.Errorf("PostgreSQL %d found in %s is too old: copydesk needs PostgreSQL %d or newer; install it with: apt-get install postgresql-15 (Debian/Ubuntu)", c.major, c.dir, MinMajorVersion)
			}
			continue
		}
		if _, err := binMajorVersion(c.dir); err != nil {
			if tooOld == nil {
				tooOld = err
			}
			continue
		}
		return c.dir, nil
	}
	if tooOld != nil {
		return "", tooOld
	}
	return "", ErrNotFound
}

// pathBinDir returns the real directory of the postgres found on PATH, if
// initdb sits next to it.
func pathBinDir() (string, bool) {
	p, err := exec.LookPath("postgres")
	if err != nil {
		return "", false
	}
	if _, err := exec.LookPath("initdb"); err != nil {
		return "", false
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", false
	}
	dir := filepath.Dir(real)
	if !hasServerBinaries(dir) {
		return "", false
	}
	return dir, true
}

func hasServerBinaries(dir string) bool {
	for _, name := range []string{"postgres", "initdb"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
			return false
		}
	}
	return true
}

var versionRE = regexp.MustCompile(`\(PostgreSQL\) (\d+)`)

// binMajorVersion runs "postgres --version" in dir and returns the major
// version, or an error if it is older than MinMajorVersion.
func binMajorVersion(dir string) (int, error) {
	if !hasServerBinaries(dir) {
		return 0, fmt.Errorf("%s does not contain the PostgreSQL server binaries (initdb, postgres): %w", dir, ErrNotFound)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	bin := filepath.Join(dir, "postgres")
	out, err := exec.CommandContext(ctx, bin, "--version").CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("%s --version: %v: %s", bin, err, bytes.TrimSpace(out))
	}
	m := versionRE.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("%s --version: unexpected output %q", bin, bytes.TrimSpace(out))
	}
	major, _ := strconv.Atoi(string(m[1]))
	if major < MinMajorVersion {
		return major, fmt.Errorf("PostgreSQL %d found in %s is too old: copydesk needs PostgreSQL %d or newer; install it with: apt-get install postgresql-15 (Debian/Ubuntu)", major, dir, MinMajorVersion)
	}
	return major, nil
}
