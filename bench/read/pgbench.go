package main

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/copydesk/copydesk/bench/internal/benchdb"
)

// runPgbench runs the scripts with clients clients for d (whole seconds)
// and reads every transaction's latency from pgbench's per-transaction log.
func (b *bench) runPgbench(ctx context.Context, s *pgbenchScripts, clients int, d time.Duration, tag string) (loadResult, error) {
	bin, err := benchdb.FindPgbench(b.cfg.pgbench)
	if err != nil {
		return loadResult{}, err
	}
	secs := max(1, int(math.Round(d.Seconds())))
	dir, err := os.MkdirTemp(b.env.Work, "pgbench-log-")
	if err != nil {
		return loadResult{}, err
	}
	defer os.RemoveAll(dir)
	conn, env := benchdb.PgbenchConn(b.env.DSN)
	threads := min(clients, runtime.NumCPU())
	args := []string{"-n", "-M", "prepared", "-c", strconv.Itoa(clients), "-j", strconv.Itoa(threads), "-T", strconv.Itoa(secs),
		"-l", "--log-prefix", filepath.Join(dir, "tx")}
	for _, f := range s.files {
		args = append(args, "-f", f+"@1")
	}
	for _, v := range s.vars {
		args = append(args, "-D", v)
	}
	args = append(args, conn)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	t0 := time.Now()
	out, err := cmd.CombinedOutput()
	took := time.Since(t0)
	if err != nil {
		return loadResult{}, fmt.Errorf("pgbench %s: %w\n%s", tag, err, clip(string(out), 3000))
	}
	if m := regexp.MustCompile(`number of failed transactions: (\d+)`).FindStringSubmatch(string(out)); m != nil && m[1] != "0" {
		return loadResult{}, fmt.Errorf("pgbench %s: %s failed transactions\n%s", tag, m[1], clip(string(out), 3000))
	}
	res := loadResult{took: time.Duration(secs) * time.Second}
	if cmd.ProcessState != nil {
		res.clientCPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	logs, _ := filepath.Glob(filepath.Join(dir, "tx*"))
	for _, path := range logs {
		if err := readTxLog(path, &res); err != nil {
			return loadResult{}, err
		}
	}
	if res.requests == 0 {
		return loadResult{}, fmt.Errorf("pgbench %s ran no transaction in %s:\n%s", tag, took, clip(string(out), 3000))
	}
	slices.Sort(res.lat)
	return res, nil
}

// readTxLog reads pgbench's per-transaction log: "client_id
// transaction_no time script_no time_epoch time_us", time in µs.
func readTxLog(path string, res *loadResult) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 {
			continue
		}
		if fields[2] == "failed" || fields[2] == "skipped" {
			res.requests++
			res.failed++
			continue
		}
		us, err := strconv.ParseInt(fields[2], 10, 64)
		if err != nil {
			return fmt.Errorf("%s: %q: %w", path, sc.Text(), err)
		}
		res.requests++
		res.lat = append(res.lat, time.Duration(us)*time.Microsecond)
	}
	return sc.Err()
}
