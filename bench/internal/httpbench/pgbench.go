package httpbench

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

// Pgbench is one pgbench run: -M prepared, Clients clients for D (whole
// seconds, at least 1), the scripts Files picked at random (@1 each), the
// variables Vars (-D), against DSN; its per-transaction log goes to a
// temporary directory under Work.
type Pgbench struct {
	Bin, DSN, Work string
	Files, Vars    []string
	Clients        int
	D              time.Duration
	Tag            string // names the run in errors
}

// Run runs pgbench and reads every transaction's latency from its log.
func (p *Pgbench) Run(ctx context.Context) (Result, error) {
	secs := max(1, int(math.Round(p.D.Seconds())))
	dir, err := os.MkdirTemp(p.Work, "pgbench-log-")
	if err != nil {
		return Result{}, err
	}
	defer os.RemoveAll(dir)
	conn, env := benchdb.PgbenchConn(p.DSN)
	threads := min(p.Clients, runtime.NumCPU())
	args := []string{"-n", "-M", "prepared", "-c", strconv.Itoa(p.Clients), "-j", strconv.Itoa(threads), "-T", strconv.Itoa(secs),
		"-l", "--log-prefix", filepath.Join(dir, "tx")}
	for _, f := range p.Files {
		args = append(args, "-f", f+"@1")
	}
	for _, v := range p.Vars {
		args = append(args, "-D", v)
	}
	args = append(args, conn)
	cmd := exec.CommandContext(ctx, p.Bin, args...)
	cmd.Env = append(os.Environ(), env...)
	t0 := time.Now()
	out, err := cmd.CombinedOutput()
	took := time.Since(t0)
	if err != nil {
		return Result{}, fmt.Errorf("pgbench %s: %w\n%s", p.Tag, err, Clip(string(out), 3000))
	}
	if m := regexp.MustCompile(`number of failed transactions: (\d+)`).FindStringSubmatch(string(out)); m != nil && m[1] != "0" {
		return Result{}, fmt.Errorf("pgbench %s: %s failed transactions\n%s", p.Tag, m[1], Clip(string(out), 3000))
	}
	res := Result{Took: time.Duration(secs) * time.Second}
	if cmd.ProcessState != nil {
		res.ClientCPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	logs, _ := filepath.Glob(filepath.Join(dir, "tx*"))
	for _, path := range logs {
		if err := readTxLog(path, &res); err != nil {
			return Result{}, err
		}
	}
	if res.Requests == 0 {
		return Result{}, fmt.Errorf("pgbench %s ran no transaction in %s:\n%s", p.Tag, took, Clip(string(out), 3000))
	}
	slices.Sort(res.Lat)
	return res, nil
}

// readTxLog reads pgbench's per-transaction log: "client_id
// transaction_no time script_no time_epoch time_us", time in µs.
func readTxLog(path string, res *Result) error {
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
			res.Requests++
			res.Failed++
			continue
		}
		us, err := strconv.ParseInt(fields[2], 10, 64)
		if err != nil {
			return fmt.Errorf("%s: %q: %w", path, sc.Text(), err)
		}
		res.Requests++
		res.Lat = append(res.Lat, time.Duration(us)*time.Microsecond)
	}
	return sc.Err()
}
