package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/copydesk/copydesk/bench/internal/httpbench"
)

// profileTop is the top of one CPU profile of copydesk.
type profileTop struct {
	query, seconds, top string
}

// profiles takes a CPU profile of copydesk (its pprof endpoint) while 16
// clients send slug-en, then list-newsroom, and returns the top ~12
// entries of each (go tool pprof -top). These runs are not measured.
func (b *bench) profiles(ctx context.Context) []profileTop {
	if b.cfg.profile <= 0 || !slices.Contains(b.cfg.systems, sysCopydesk) {
		return nil
	}
	var out []profileTop
	for _, qn := range []string{qSlugEn, qListNewsroom} {
		if !slices.Contains(b.cfg.queries, qn) {
			continue
		}
		top, err := b.profile(ctx, qn)
		if err != nil {
			logf("profile %s: %v", qn, err)
			continue
		}
		out = append(out, profileTop{query: qn, seconds: b.cfg.profile.String(), top: top})
	}
	return out
}

func (b *bench) profile(ctx context.Context, qn string) (string, error) {
	q := queries[qn]
	s := b.servers[sysCopydesk]
	l := &httpbench.Load{URL: s.URL, Bodies: b.bodies(q, sysCopydesk), Clients: 16, D: b.cfg.profile + time.Second, Seed: seed}
	if !q.anon {
		l.Token = b.token
	}
	var wg sync.WaitGroup
	wg.Go(func() { l.Run(ctx) })
	defer wg.Wait()
	time.Sleep(500 * time.Millisecond) // the load is on
	secs := max(1, int(b.cfg.profile.Seconds()))
	resp, err := http.Get(fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", b.pprof, secs))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("pprof: %s", resp.Status)
	}
	path := filepath.Join(b.env.Work, "cpu-"+qn+".pprof")
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	_, err = io.Copy(f, resp.Body)
	f.Close()
	if err != nil {
		return "", err
	}
	wg.Wait()
	top, err := exec.CommandContext(ctx, "go", "tool", "pprof", "-top", "-nodecount=12", b.cfg.bin, path).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go tool pprof: %w: %s", err, top)
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(string(top), "\n"), "\n") {
		for _, p := range []string{"File:", "Build ID:", "Type:", "Time:"} { // the header lines that only name this run
			if strings.HasPrefix(l, p) {
				l = ""
			}
		}
		if l != "" {
			lines = append(lines, clip(l, 170))
		}
	}
	logf("profile %s saved to %s", qn, path)
	return strings.Join(lines, "\n"), nil
}
