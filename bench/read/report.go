package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/copydesk/copydesk/bench/internal/httpbench"
)

// The targets.
const (
	targetVsPeerSlug     = 2.0  // anonymous report by slug ≥ 2× PostGraphile (16 and 64 clients)
	targetVsOneStatement = 0.5  // … and ≥ 0.5× the one-statement pgbench
	targetP99            = 25.0 // ms, p99 of the report by slug at 64 clients
	targetVsPeerNewsroom = 1.5  // newsroom list of 50 ≥ 1.5× PostGraphile
	targetNewsroomSQL    = 6.0  // … with ≤ 6 SQL statements per request
	targetRSSMB          = 150  // copydesk's RSS at 64 clients
)

// cell is the medians over rounds of one (query, clients, system).
type cell struct {
	rps, p50, p99, sql, cpu float64 // p50, p99 in ms; cpu: the client's CPU, % of one core
	rss                     int64   // the highest peak over rounds
	rounds                  int
	failed                  int
}

func median(xs []float64) float64 { return httpbench.Median(xs) }

func (res *results) cell(q string, c int, sys string) *cell {
	var rps, p50, p99, sql, cpu []float64
	out := &cell{}
	for _, r := range res.runs {
		if r.query != q || r.clients != c || r.system != sys {
			continue
		}
		rps = append(rps, r.rps())
		p50 = append(p50, float64(r.Pct(0.5).Microseconds())/1000)
		p99 = append(p99, float64(r.Pct(0.99).Microseconds())/1000)
		sql = append(sql, r.sql)
		if r.Took > 0 {
			cpu = append(cpu, 100*r.ClientCPU.Seconds()/r.Took.Seconds())
		}
		out.rss = max(out.rss, r.peakRSS)
		out.rounds++
		out.failed += r.Failed
	}
	if out.rounds == 0 {
		return nil
	}
	out.rps, out.p50, out.p99, out.sql, out.cpu = median(rps), median(p50), median(p99), median(sql), median(cpu)
	return out
}

// ratio is the median over rounds of copydesk's req/s ÷ sys's in the same round.
func (res *results) ratio(q string, c int, sys string) (float64, bool) {
	byRound := map[int]*runResult{}
	for _, r := range res.runs {
		if r.query == q && r.clients == c && r.system == sysCopydesk {
			byRound[r.round] = r
		}
	}
	var xs []float64
	for _, r := range res.runs {
		if r.query == q && r.clients == c && r.system == sys {
			if cd := byRound[r.round]; cd != nil && r.rps() > 0 {
				xs = append(xs, cd.rps()/r.rps())
			}
		}
	}
	return median(xs), len(xs) > 0
}

var sysLabel = map[string]string{sysCopydesk: "copydesk", sysPeer: "PostGraphile", sysPgbenchA: "pgbench (a)", sysPgbenchB: "pgbench (b)"}

// table writes the results table: one line per query × clients × system,
// then copydesk's ratios with the targets that apply.
func (b *bench) table(w io.Writer, res *results) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "query\tclients\tsystem\treq/s\tp50 ms\tp99 ms\tSQL/req\tpeak RSS\tclient CPU\t÷ PostGraphile\t÷ pgbench (a)\t÷ pgbench (b)\t")
	for _, q := range b.cfg.queries {
		for _, c := range b.cfg.clients {
			for _, sys := range b.cfg.systems {
				x := res.cell(q, c, sys)
				if x == nil {
					continue
				}
				ratios := []string{"", "", ""}
				if sys == sysCopydesk {
					for i, other := range []string{sysPeer, sysPgbenchA, sysPgbenchB} {
						if r, ok := res.ratio(q, c, other); ok {
							ratios[i] = fmt.Sprintf("%.2f×%s", r, b.mark(q, c, other, r))
						}
					}
				}
				fail := ""
				if x.failed > 0 {
					fail = fmt.Sprintf(" (%d failed)", x.failed)
				}
				fmt.Fprintf(tw, "%s\t%d\t%s\t%.0f%s\t%.2f\t%.2f\t%.1f\t%s\t%.0f %%\t%s\t%s\t%s\t\n", q, c, sysLabel[sys], x.rps, fail, x.p50, x.p99, x.sql, mb(x.rss), x.cpu,
					ratios[0], ratios[1], ratios[2])
			}
		}
	}
	tw.Flush()
}

// mark is the ✓/✗ of a ratio that a target applies to ("" when none does).
func (b *bench) mark(q string, c int, other string, r float64) string {
	slug := q == qSlugEn || q == qSlugJa
	switch {
	case slug && (c == 16 || c == 64) && other == sysPeer:
		return " " + check(r >= targetVsPeerSlug)
	case slug && (c == 16 || c == 64) && other == sysPgbenchB:
		return " " + check(r >= targetVsOneStatement)
	case q == qListNewsroom && other == sysPeer:
		return " " + check(r >= targetVsPeerNewsroom)
	}
	return ""
}

func check(ok bool) string {
	if ok {
		return "✓"
	}
	return "✗"
}

// targets writes the targets that are not ratios.
func (b *bench) targets(w io.Writer, res *results) {
	fmt.Fprintln(w, "targets (issue 12): ratios above carry ✓/✗ where a target applies (report by slug at 16 and 64 clients: ≥ 2× PostGraphile, ≥ 0.5× pgbench (b); list-newsroom: ≥ 1.5× PostGraphile)")
	for _, q := range []string{qSlugEn, qSlugJa} {
		if x := res.cell(q, 64, sysCopydesk); x != nil {
			fmt.Fprintf(w, "  %s p99 at 64 clients ≤ %.0f ms: %.2f ms %s\n", q, targetP99, x.p99, check(x.p99 <= targetP99))
		}
	}
	for _, c := range b.cfg.clients {
		if x := res.cell(qListNewsroom, c, sysCopydesk); x != nil {
			fmt.Fprintf(w, "  list-newsroom SQL per request ≤ %.0f (%d clients): %.1f %s\n", targetNewsroomSQL, c, x.sql, check(x.sql <= targetNewsroomSQL))
		}
	}
	var peak int64
	seen := false
	for _, q := range b.cfg.queries {
		if x := res.cell(q, 64, sysCopydesk); x != nil {
			peak, seen = max(peak, x.rss), true
		}
	}
	if seen {
		fmt.Fprintf(w, "  copydesk peak RSS at 64 clients ≤ %d MB: %s %s\n", targetRSSMB, mb(peak), check(peak <= targetRSSMB<<20))
	}
}

// report prints the results and appends them to -results.
func (b *bench) report(res *results, prof []profileTop) error {
	var out strings.Builder
	b.header(&out, res)
	b.table(&out, res)
	fmt.Fprintln(&out)
	b.targets(&out, res)
	for _, p := range prof {
		fmt.Fprintf(&out, "\ncopydesk CPU profile, %s at 16 clients (%s; go tool pprof -top):\n%s\n", p.query, p.seconds, p.top)
	}
	fmt.Print("\n" + out.String())
	if b.cfg.results == "" {
		return nil
	}
	return appendResults(b.cfg.results, out.String())
}

func (b *bench) header(w io.Writer, res *results) {
	fmt.Fprintf(w, "bench/read %s · commit %s · %s\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"), b.commit, httpbench.Machine())
	fmt.Fprintf(w, "dataset: %d reports (%d published, %d with ja), %d events, %d tags, %d people, %d organizations; database %s\n",
		b.cfg.reports, len(b.pools.en), len(b.pools.ja), nEvents, nTags, nPeople, nOrgs, b.dbSize)
	fmt.Fprintf(w, "runs: %d rounds × %s per (query, clients, system), medians over rounds; took %s; flags: %s\n\n",
		b.cfg.rounds, b.cfg.duration, res.took.Round(time.Second), strings.Join(os.Args[1:], " "))
}

const resultsHeader = `# bench/read results

Appended by ` + "`bash bench/read.sh`" + ` (see bench/README.md, "Public and newsroom reads");
old entries stay, to show the trend. Each entry: date, commit (` + "`-dirty`" + ` when
the tree had changes), machine, dataset, flags, then one line per query ×
clients × system:

- **req/s**: answered requests (pgbench: transactions) per second, median over rounds;
- **p50 ms, p99 ms**: latency percentiles of the run, median over rounds (HTTP:
  the load generator's request to response; pgbench: its per-transaction log);
- **SQL/req**: statements per request, from pg_stat_statements (` + "`sum(calls)`" + `
  delta ÷ requests; the same method for every system);
- **peak RSS**: highest VmRSS of the server process (copydesk serve, node) sampled
  every 20 ms during the runs; the servers restart before each query, whose
  client counts run in ascending order; "-" for pgbench;
- **client CPU**: CPU the load generator (pgbench rows: pgbench) used during
  the run, in % of one core (of the machine's 2);
- **÷ PostGraphile, ÷ pgbench (a), ÷ pgbench (b)**: copydesk's req/s over the
  other system's in the same round, median over rounds, with ✓/✗ where one of
  issue 12's targets applies. pgbench (a) runs the statements copydesk sends
  (from its statement log); pgbench (b) one json_agg statement returning the
  same data.

Then the targets that are not ratios, and the top of copydesk's CPU profile.
`

func appendResults(path, entry string) error {
	err := httpbench.AppendResults(path, resultsHeader, entry)
	if err == nil {
		logf("appended the results to %s", path)
	}
	return err
}
