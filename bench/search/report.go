package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/copydesk/copydesk/bench/internal/httpbench"
)

// Targets of issue 13.
const (
	targetP99      = 50 * time.Millisecond // at targetClients, every class
	targetClients  = 8
	targetDeepPage = 1.5
)

type cell struct {
	rps, p50, p99 float64 // medians over rounds; ms
	failed        int
}

func median(xs []float64) float64 { return httpbench.Median(xs) }

func (res *results) cell(t *testCase, sys string, c int) *cell {
	var rps, p50, p99 []float64
	out := &cell{}
	for _, r := range res.runs {
		if r.tc == t && r.system == sys && r.clients == c {
			rps = append(rps, r.RPS())
			p50 = append(p50, float64(r.Pct(0.5).Microseconds())/1000)
			p99 = append(p99, float64(r.Pct(0.99).Microseconds())/1000)
			out.failed += r.Failed
		}
	}
	if len(rps) == 0 {
		return nil
	}
	out.rps, out.p50, out.p99 = median(rps), median(p50), median(p99)
	return out
}

// ratio is copydesk's req/s over sys's in the same round, median over rounds.
func (res *results) ratio(t *testCase, sys string, c int) float64 {
	var xs []float64
	for _, a := range res.runs {
		if a.tc != t || a.system != sysCopydesk || a.clients != c {
			continue
		}
		for _, o := range res.runs {
			if o.tc == t && o.system == sys && o.clients == c && o.round == a.round && o.RPS() > 0 {
				xs = append(xs, a.RPS()/o.RPS())
			}
		}
	}
	return median(xs)
}

func check(ok bool) string {
	if ok {
		return "✓"
	}
	return "✗"
}

// targetAt is the client count the p99 target is read at: 8, or the
// largest measured when 8 was not.
func (b *bench) targetAt() int {
	if slices.Contains(b.cfg.clients, targetClients) {
		return targetClients
	}
	return slices.Max(b.cfg.clients)
}

func (b *bench) report(res *results) error {
	var w strings.Builder
	b.header(&w, res)
	b.table(&w, res)
	b.planTable(&w)
	b.pageTable(&w)
	b.sizeTable(&w)
	b.targets(&w, res)
	fmt.Print("\n" + w.String())
	if b.cfg.results == "" {
		return nil
	}
	if err := httpbench.AppendResults(b.cfg.results, "", w.String()); err != nil {
		return err
	}
	logf("appended the results to %s", b.cfg.results)
	return nil
}

func (b *bench) header(w io.Writer, res *results) {
	d := b.docs
	fmt.Fprintf(w, "bench/search %s · commit %s · %s\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"), b.commit, httpbench.Machine())
	fmt.Fprintf(w, "dataset: %s: %d reports (%d published), %d translations (%d published); search documents: newsroom %d, public %d %s\n",
		b.dataset, d.Reports, d.Published, d.Translations, d.PublishedTranslations, d.Newsroom, d.Public, check(d.complete()))
	fmt.Fprintf(w, "fixtures: tag %d (on %d reports), person %d (at %d reports), event dates %s to %s\n",
		b.fx.tagID, b.fx.tagReports, b.fx.personID, b.fx.personReport, eventFrom, eventTo)
	fmt.Fprintf(w, "runs: %d rounds × %s per (class, audience, clients, system), medians over rounds; took %s; flags: %s\n",
		b.cfg.rounds, b.cfg.duration, res.took.Round(time.Second), strings.Join(os.Args[1:], " "))
	fmt.Fprintf(w, "request: reports(search: $q, first: 20[, filter]) { [totalCount] edges { cursor search { rank highlights { field locale html } } node { id title } } pageInfo { hasNextPage endCursor } }\n")
	fmt.Fprintf(w, "newsroom: admin token (working copies); public: anonymous (published documents). pgbench: -M prepared, the statements copydesk sent for the request (captured from the server log)\n\n")
	for _, name := range b.cfg.classes {
		c := classByName(name)
		fmt.Fprintf(w, "  %-13s %-20s %s\n", c.name, c.search, c.what)
	}
	fmt.Fprintln(w)
}

func (b *bench) table(w io.Writer, res *results) {
	at := b.targetAt()
	fmt.Fprintf(w, "%-14s %-9s %7s %7s %3s │ %9s %8s %8s │ %9s %8s %8s │ %10s │ %s\n", "class", "audience", "matches", "SQL/req", "c",
		"copydesk/s", "p50 ms", "p99 ms", "pgbench/s", "p50 ms", "p99 ms", "÷ pgbench", fmt.Sprintf("p99 ≤ %d ms at %d", targetP99.Milliseconds(), at))
	for _, t := range b.cases {
		for _, c := range b.cfg.clients {
			cd, pg := res.cell(t, sysCopydesk, c), res.cell(t, sysPgbench, c)
			if cd == nil || pg == nil {
				continue
			}
			mark := ""
			if c == at {
				mark = check(cd.p99 <= float64(targetP99.Milliseconds()))
			}
			fail := ""
			if cd.failed > 0 {
				fail = fmt.Sprintf("  (%d failed)", cd.failed)
			}
			fmt.Fprintf(w, "%-14s %-9s %7s %7d %3d │ %9.1f %8.2f %8.2f │ %9.1f %8.2f %8.2f │ %9.2f× │ %s%s\n", t.c.name, t.aud, matchCount(t.matches, t.atLeast), len(t.script.stmts), c,
				cd.rps, cd.p50, cd.p99, pg.rps, pg.p50, pg.p99, res.ratio(t, sysPgbench, c), mark, fail)
		}
	}
	var peers []*testCase
	for _, t := range b.cases {
		if t.peer != nil {
			peers = append(peers, t)
		}
	}
	if len(peers) > 0 {
		fmt.Fprintf(w, "\npeer: a headless CMS's contains filter (ILIKE '%%term%%' over title and body; pg_trgm GIN on reports.title and .body, built in %s), newest first, 21 rows, no ranking, no snippets:\n", b.peerIdx)
		fmt.Fprintf(w, "%-14s %-9s %-10s %3s │ %9s %8s %8s │ %s\n", "class", "audience", "ILIKE", "c", "peer/s", "p50 ms", "p99 ms", "copydesk ÷ peer")
		for _, t := range peers {
			for _, c := range b.cfg.clients {
				if p := res.cell(t, sysPeer, c); p != nil {
					fmt.Fprintf(w, "%-14s %-9s %-10s %3d │ %9.1f %8.2f %8.2f │ %.4f× (the peer %.0f× copydesk)\n", t.c.name, t.aud, t.c.peer, c, p.rps, p.p50, p.p99, res.ratio(t, sysPeer, c), 1/max(res.ratio(t, sysPeer, c), 1e-9))
				}
			}
		}
	}
	fmt.Fprintln(w)
}

func (b *bench) planTable(w io.Writer) {
	fmt.Fprintf(w, "plans: each SELECT copydesk sent for the request, under EXPLAIN (ANALYZE, BUFFERS) with its parameters (one execution, warm cache): execution time, indexes used, the 3 nodes with the most time of their own\n")
	for _, t := range b.cases {
		fmt.Fprintf(w, "  %s (%d statements)\n", t.name(), len(t.script.stmts))
		for _, p := range t.plans {
			what := fmt.Sprintf("#%d", p.stmt)
			if p.stmt == 0 {
				what = "peer"
			} else {
				what += " " + stmtKind(t.script.stmts[p.stmt-1].SQL)
			}
			seq := ""
			if len(p.seqScans) > 0 {
				seq = "  ⚠ Seq Scan on " + strings.Join(p.seqScans, ", ")
			}
			var top []string
			for _, n := range p.top {
				top = append(top, fmt.Sprintf("%s %.2f ms", n.label, n.self))
			}
			idx := strings.Join(p.indexes, ", ")
			if idx == "" {
				idx = "none"
			}
			fmt.Fprintf(w, "    %-14s %8.2f ms  buffers hit %d read %d  indexes: %s%s\n", what, p.total, p.hit, p.read, idx, seq)
			fmt.Fprintf(w, "    %-14s top: %s\n", "", strings.Join(top, "; "))
		}
	}
	fmt.Fprintln(w)
}

// stmtKind names a captured statement by what it reads.
func stmtKind(sql string) string {
	s := strings.Join(strings.Fields(sql), " ")
	switch {
	case strings.Contains(s, "SELECT count(*)"):
		return "count"
	case strings.Contains(s, "ts_rank(x.document, sq.q) AS rank"):
		return "hits"
	case strings.Contains(s, "sort_key"):
		return "page"
	case strings.Contains(s, "api_tokens") || strings.Contains(s, "token"):
		return "token"
	}
	return "other"
}

func (b *bench) pageTable(w io.Writer) {
	if len(b.pages) == 0 {
		return
	}
	fmt.Fprintf(w, "page %d vs page 1 (first: 20, after the cursor walked to; up to %d requests of each, alternating, 1 client, at most %s; p50):\n", b.cfg.pages, b.cfg.pageSamples, pageBudget)
	fmt.Fprintf(w, "  %-10s %-9s %-13s %7s %10s %4s %12s %12s %12s  %s\n", "class", "audience", "order", "matches", "walk", "n", "page 1 p50", fmt.Sprintf("page %d p50", b.cfg.pages), "page 1 p99", fmt.Sprintf("ratio (≤ %.1f×)", targetDeepPage))
	for _, p := range b.pages {
		fmt.Fprintf(w, "  %-10s %-9s %-13s %7s %10s %4d %12s %12s %12s  %.2f× %s\n", p.class, p.aud, p.order, matchCount(p.matches, p.atLeast), p.walk.Round(time.Millisecond), len(p.deep),
			ms(httpbench.Pct(p.first, 0.5)), ms(httpbench.Pct(p.deep, 0.5)), ms(httpbench.Pct(p.first, 0.99)), p.ratio(), check(p.ratio() <= targetDeepPage))
	}
	fmt.Fprintln(w)
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/(1<<20)) }

func (b *bench) sizeTable(w io.Writer) {
	var reports, search int64
	fmt.Fprintf(w, "size on disk (pg_relation_size; tables also pg_total_relation_size, with TOAST and indexes):\n")
	for _, s := range b.sizes {
		total := ""
		if s.Kind == "table" {
			total = mb(s.Total)
		}
		note := ""
		switch {
		case strings.HasPrefix(s.Name, "bench_search_"):
			note = "(the peer's, dropped after the run)"
		case s.Name == "reports" && s.Kind == "table":
			reports = s.Total
		}
		if s.Kind == "table" && strings.HasPrefix(s.Name, "search_report") {
			search += s.Total
		}
		if s.Kind == "index" && strings.HasSuffix(s.Name, "_search_idx") && !strings.HasPrefix(s.Name, "search_") {
			search += s.Rel
			note = "(directory names, generated column)"
		}
		fmt.Fprintf(w, "  %-36s %-5s %10s %10s %s\n", s.Name, s.Kind, mb(s.Rel), total, note)
	}
	if reports > 0 {
		fmt.Fprintf(w, "  search tables with their indexes + directory search indexes: %s = %.2f× the reports table with its TOAST and indexes (%s)\n", mb(search), float64(search)/float64(reports), mb(reports))
	}
	fmt.Fprintln(w)
}

func (b *bench) targets(w io.Writer, res *results) {
	at := b.targetAt()
	fmt.Fprintf(w, "targets (issue 13):\n")
	worst, worstName, ok := 0.0, "", true
	for _, t := range b.cases {
		if c := res.cell(t, sysCopydesk, at); c != nil {
			if c.p99 > worst {
				worst, worstName = c.p99, t.name()
			}
			ok = ok && c.p99 <= float64(targetP99.Milliseconds())
		}
	}
	var bad []string
	for _, t := range b.cases {
		if c := res.cell(t, sysCopydesk, at); c != nil && c.p99 > float64(targetP99.Milliseconds()) {
			bad = append(bad, t.name())
		}
	}
	fmt.Fprintf(w, "  p99 ≤ %d ms at %d clients, every class:  %s  worst %.1f ms (%s)", targetP99.Milliseconds(), at, check(ok), worst, worstName)
	if len(bad) > 0 {
		fmt.Fprintf(w, "; over: %s", strings.Join(bad, ", "))
	}
	fmt.Fprintln(w)
	for _, p := range b.pages {
		fmt.Fprintf(w, "  page %d ≤ %.1f× page 1 (%s, %s, %s):  %s  %.2f×\n", b.cfg.pages, targetDeepPage, p.class, p.aud, p.order, check(p.ratio() <= targetDeepPage), p.ratio())
	}
	fmt.Fprintf(w, "  write cost ≤ 1.3×: measured apart, bash bench/search.sh -write-cost (bench/write at 1a62553, before search, against HEAD)\n")
}
