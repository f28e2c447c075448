package httpbench

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// Commit is the short commit of the working tree, "-dirty" when tracked
// files have changes.
func Commit() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	c := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(strings.TrimSpace(string(st))) > 0 {
		c += "-dirty"
	}
	return c
}

// Machine names the CPUs and the Go version.
func Machine() string {
	model := "?"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	return fmt.Sprintf("%d × %s, %s", runtime.NumCPU(), model, runtime.Version())
}

// AppendResults appends entry (its first line the heading) to the
// Markdown file path, as a section with the rest in a code block; a new
// file starts with header.
func AppendResults(path, header, entry string) error {
	if _, err := os.Stat(path); os.IsNotExist(err) {
		if err := os.WriteFile(path, []byte(header), 0o644); err != nil {
			return err
		}
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	lines := strings.SplitN(entry, "\n", 2)
	_, err = fmt.Fprintf(f, "\n## %s\n\n```\n%s```\n", lines[0], lines[1])
	return err
}
