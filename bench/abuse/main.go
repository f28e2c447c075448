// Command abuse measures what abusive GraphQL documents cost copydesk: it
// runs `copydesk serve` as a separate process (so its memory can be read
// from /proc) against a private PostgreSQL cluster holding the demo data and
// published reports to fan out over, sends each document of the corpus
// (corpus.go) anonymously and with an admin token, and prints for each the
// HTTP status, error code, bytes, time and the server's RSS; then it
// measures a normal public query's latency alone and while attackers loop
// over the corpus. The issue's targets are printed next to the figures; it
// never fails on them.
//
//	go run ./bench/abuse -h
//	bash bench/abuse.sh [flags]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/copydesk/copydesk/bench/internal/benchdb"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/identity"
	"github.com/copydesk/copydesk/internal/newsroom"
)

type config struct {
	duration   time.Duration
	clients    int
	attackers  int
	only       string
	timeout    time.Duration
	tries      int
	reports    int
	maxRSS     int64 // MB
	settle     time.Duration
	bin        string
	dsn        string
	serveFlags string
	attackAs   string
}

// The issue's targets.
const (
	targetRefuse   = 100 * time.Millisecond
	targetGrowthMB = 50
	targetP99Ratio = 2.0
	slowTry        = time.Second // a document slower than this is tried once
)

func main() {
	var cfg config
	fs := flag.NewFlagSet("abuse", flag.ExitOnError)
	fs.DurationVar(&cfg.duration, "duration", 5*time.Second, "how long the normal query is measured, alone and then under attack")
	fs.IntVar(&cfg.clients, "clients", 4, "concurrent clients sending the normal query")
	fs.IntVar(&cfg.attackers, "attackers", 2, "concurrent attackers looping over the corpus during the second normal-query measurement")
	fs.StringVar(&cfg.only, "only", "", "regexp: only the corpus documents whose name matches (e.g. 'fanout|alias'), for the table and the attackers")
	fs.DurationVar(&cfg.timeout, "timeout", 5*time.Second, "per-request client timeout; a document that times out is recorded as \"timeout\" and not tried again (20s reproduces the issue's slower figures, at the cost of minutes)")
	fs.IntVar(&cfg.tries, "tries", 3, "tries per document and viewer (the median is printed); one when a try takes over 1 s")
	fs.IntVar(&cfg.reports, "reports", 200, "published reports seeded on the demo report's event (tags, attendees), for the fan-out documents")
	fs.Int64Var(&cfg.maxRSS, "max-rss", 4096, "MB: a watchdog kills the server when its RSS passes this (to protect the machine), records it and restarts it; 0: never")
	fs.DurationVar(&cfg.settle, "settle", 2*time.Second, "after a slow or timed-out document, wait at most this long for the server's CPU to go idle; restart it if it does not")
	fs.StringVar(&cfg.bin, "copydesk", "", "the copydesk binary to run (default: go build ./cmd/copydesk into a temporary directory)")
	fs.StringVar(&cfg.attackAs, "attack-as", "both", "who the attackers are: both (every document anonymously and with the admin token, alternately), anon, or admin")
	fs.StringVar(&cfg.serveFlags, "serve-flags", "", "more flags for copydesk serve, space-separated, e.g. \"--pprof-addr 127.0.0.1:6060\"")
	fs.StringVar(&cfg.dsn, "dsn", "", "use this existing database (lib/pq URL, as DATABASE_URL) instead of a private cluster; it is migrated, gets the demo and the seeded reports")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `Usage: go run ./bench/abuse [flags]

Runs copydesk serve as a separate process (DATABASE_URL = a private
PostgreSQL cluster; --demo always, --bootstrap-admin, rate limits off) with
-reports published reports on the demo event, sends every abusive document
of the corpus (bench/abuse/corpus.go) anonymously and as the admin, and
prints status, error code, bytes, time (median of -tries) and the server's
RSS after each; then measures a normal public query at -clients clients for
-duration alone and again while -attackers loop over the corpus. The issue's
targets (refused in < 100 ms, RSS growth < 50 MB, p99 under attack < 2×
alone) are printed with ✓/✗; the exit status does not depend on them.

Flags:
`)
		fs.PrintDefaults()
	}
	_ = fs.Parse(os.Args[1:])
	if cfg.attackAs != "both" && cfg.attackAs != "anon" && cfg.attackAs != "admin" {
		fmt.Fprintf(os.Stderr, "bench/abuse: -attack-as %q is not one of both, anon, admin\n", cfg.attackAs)
		os.Exit(2)
	}
	if fs.NArg() > 0 {
		fs.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(auth.WithViewer(context.Background(), auth.System()), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench/abuse:", err)
		os.Exit(1)
	}
}

// docResult is one document sent as one viewer.
type docResult struct {
	doc      Doc
	as       string
	last     outcome
	tries    int
	median   time.Duration
	rssAfter int64
	peak     int64 // highest RSS sampled while it ran
	note     string
}

func (r docResult) met() bool {
	return r.last.refused() && r.median < targetRefuse
}

func run(ctx context.Context, cfg config, out io.Writer) error {
	if cfg.clients < 1 || cfg.attackers < 0 || cfg.duration <= 0 || cfg.timeout <= 0 || cfg.tries < 1 || cfg.reports < 1 {
		return errors.New("-clients, -duration, -timeout, -tries and -reports must be positive, -attackers not negative")
	}
	only, err := regexp.Compile(cfg.only)
	if err != nil {
		return fmt.Errorf("-only: %w", err)
	}
	env, err := benchdb.Open(ctx, "bench/abuse", cfg.dsn, true)
	if err != nil {
		return err
	}
	defer env.Close()
	if cfg.bin == "" {
		cfg.bin = filepath.Join(env.Work, "copydesk")
		logf("building cmd/copydesk")
		cmd := exec.CommandContext(ctx, "go", "build", "-o", cfg.bin, "github.com/copydesk/copydesk/cmd/copydesk")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go build ./cmd/copydesk: %w", err)
		}
	}
	srv := &server{bin: cfg.bin, dsn: env.DSN, logPath: filepath.Join(os.TempDir(), "copydesk-abuse-server.log"), maxRSS: cfg.maxRSS << 20,
		extra: strings.Fields(cfg.serveFlags)}
	t0 := time.Now()
	if err := srv.start(ctx); err != nil {
		return err
	}
	defer srv.stop(syscall.SIGTERM)
	logf("copydesk serve up (pid %d, %s) in %s; its log: %s", srv.pid(), srv.url, time.Since(t0).Round(time.Millisecond), srv.logPath)
	ids := identity.New(env.DB)
	if srv.token == "" { // an existing database (-dsn) already has users
		if srv.token, _, err = benchdb.AdminToken(ctx, ids, "bench-abuse@copydesk.invalid", "abuse benchmark"); err != nil {
			return fmt.Errorf("admin token: %w", err)
		}
		logf("the database had users: created an admin token for bench-abuse@copydesk.invalid")
	}
	admin, err := ids.Authenticate(ctx, srv.token)
	if err != nil {
		return fmt.Errorf("the admin token: %w", err)
	}
	fx, err := seed(ctx, newsroom.New(env.DB), admin, cfg.reports)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	logf("published %d reports on the demo event (id %d) in %s", fx.published, fx.eventID, fx.took.Round(time.Millisecond))
	if _, err := env.DB.ExecContext(ctx, "VACUUM ANALYZE"); err != nil {
		return fmt.Errorf("VACUUM ANALYZE: %w", err)
	}

	c := newClient(func() string { srv.mu.Lock(); defer srv.mu.Unlock(); return srv.url })
	if err := probe(ctx, c, cfg.timeout); err != nil {
		return err
	}
	docs := slices.DeleteFunc(Corpus(demoSlug), func(d Doc) bool { return !only.MatchString(d.Name) })
	if len(docs) == 0 {
		return fmt.Errorf("-only %q matches no document of the corpus", cfg.only)
	}

	// 1. The normal query alone (after a warm-up); the baseline RSS after it.
	c.load(ctx, normalQuery, cfg.clients, time.Second, cfg.timeout)
	logf("normal query alone: %d clients for %s", cfg.clients, cfg.duration)
	alone := c.load(ctx, normalQuery, cfg.clients, cfg.duration, cfg.timeout)
	baseRSS, _ := srv.rss()
	srv.runPeak.Store(baseRSS)

	// 2. Each document, anonymously and as the admin.
	var rows []docResult
	for _, d := range docs {
		for _, as := range []string{"anon", "admin"} {
			tok := ""
			if as == "admin" {
				tok = srv.token
			}
			r := sendDoc(ctx, srv, c, d, as, tok, cfg)
			rows = append(rows, r)
			logf("%-24s %-5s %s", d.Name, as, r.summary())
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
	}
	afterDocs, _ := srv.rss()
	if !srv.alive() || !srv.settle(ctx, cfg.settle) { // the attack starts on a server at rest
		if err := srv.restart(ctx); err != nil {
			return err
		}
	}

	// 3. The normal query while attackers loop over the corpus.
	logf("normal query under attack: %d clients, %d attackers, for %s", cfg.clients, cfg.attackers, cfg.duration)
	var st attackStats
	actx, stopAttack := context.WithCancel(ctx)
	wg := c.attack(actx, docs, srv.token, cfg.attackAs, cfg.attackers, cfg.timeout, &st)
	time.Sleep(200 * time.Millisecond) // let the attack start
	attacked := c.load(ctx, normalQuery, cfg.clients, cfg.duration, cfg.timeout)
	stopAttack()
	wg.Wait()
	attackNote := ""
	if !srv.alive() {
		attackNote = "the server died during the attack (" + srv.deathCause() + "); restarted"
		if err := srv.restart(ctx); err != nil {
			return err
		}
	} else if !srv.settle(ctx, cfg.settle) {
		attackNote = fmt.Sprintf("the server was still busy %s after the attack", cfg.settle)
	}
	endRSS, _ := srv.rss()

	printReport(out, cfg, fx, docs, rows, alone, attacked, &st, attackNote, srv, rssFigures{base: baseRSS, afterDocs: afterDocs, end: endRSS, peak: srv.runPeak.Load()})
	return nil
}

// normalQuery is the public read the attack must not slow down: the demo
// report with its event, tags and attendees, anonymously.
var normalQuery = fmt.Sprintf(`{ report(slug: %q) { id title summary event { id name } tags { name } attendees { role person { name } } } }`, demoSlug)

// probe checks the normal query answers and that the fan-out has data: the
// demo event lists at least 100 published reports to the public.
func probe(ctx context.Context, c *client, timeout time.Duration) error {
	o := c.send(ctx, normalQuery, "", timeout)
	if o.status != 200 || o.nErrors != 0 || !o.data {
		return fmt.Errorf("the normal query failed: %+v", o)
	}
	q := fmt.Sprintf(`{ report(slug: %q) { event { reports(first: 100) { nodes { id } } } } }`, demoSlug)
	p := c.send(ctx, q, "", timeout)
	if p.status != 200 || p.nErrors != 0 || p.ids != 100 {
		return fmt.Errorf("the demo event does not list 100 published reports to the public (%d listed, %d errors)", p.ids, p.nErrors)
	}
	logf("probe: normal query %d bytes; report → event → reports(first: 100): 100 reports, %d bytes", o.bytes, p.bytes)
	return nil
}

// sendDoc sends d up to cfg.tries times, once when a try is slow or times
// out, then waits for the server to settle, restarting it when it died or
// stays busy.
func sendDoc(ctx context.Context, srv *server, c *client, d Doc, as, token string, cfg config) docResult {
	r := docResult{doc: d, as: as}
	now, _ := srv.rss()
	srv.peak.Store(now)
	var took []time.Duration
	for range cfg.tries {
		o := c.send(ctx, unique(d.Query), token, cfg.timeout)
		r.last, r.tries = o, r.tries+1
		took = append(took, o.took)
		if o.timeout || o.err != nil || o.took > slowTry {
			break
		}
	}
	slices.Sort(took)
	r.median = took[len(took)/2]
	if r.last.err != nil {
		r.note = "client: " + shortErr(r.last.err) + "; "
	}
	settled := srv.alive() && (!r.last.timeout && r.median <= 200*time.Millisecond || srv.settle(ctx, cfg.settle))
	r.rssAfter, _ = srv.rss()
	r.peak = srv.peak.Load()
	switch {
	case !srv.alive():
		r.note += "server died (" + srv.deathCause() + "); restarted"
	case !settled:
		r.note += fmt.Sprintf("server still busy %s later; restarted", cfg.settle)
	default:
		r.note = strings.TrimSuffix(r.note, "; ")
	}
	if r.note != "" {
		if err := srv.restart(ctx); err != nil {
			r.note += " (restart failed: " + err.Error() + ")"
		}
	}
	return r
}

func (r docResult) summary() string {
	return fmt.Sprintf("status %s, code %s, %s, %s, RSS %s%s", r.statusText(), r.codeText(), human(r.last.bytes), r.timeText(), mb(r.rssAfter), map[bool]string{true: "; " + r.note, false: ""}[r.note != ""])
}

func (r docResult) statusText() string {
	if r.last.status == 0 {
		return "-"
	}
	return fmt.Sprint(r.last.status)
}

func (r docResult) codeText() string {
	o := r.last
	switch {
	case o.timeout:
		return "(timeout)"
	case o.err != nil:
		return "(no answer)"
	case o.code == "" && o.data && o.nErrors == 0:
		return "none: data"
	case o.code == "" && o.nErrors != 0:
		return "(no code)"
	}
	s := o.code
	if o.nErrors > 1 {
		s += fmt.Sprintf(" ×%d", o.nErrors)
	}
	if o.data {
		s += " +data"
	}
	return s
}

func (r docResult) timeText() string {
	switch {
	case r.last.timeout:
		return fmt.Sprintf("timeout (>%s)", r.last.took.Round(time.Second))
	case r.last.err != nil:
		return "no answer after " + dur(r.last.took)
	}
	return dur(r.median)
}

type rssFigures struct{ base, afterDocs, end, peak int64 }

func printReport(out io.Writer, cfg config, fx *fixture, docs []Doc, rows []docResult, alone, attacked loadResult, st *attackStats, attackNote string, srv *server, rss rssFigures) {
	fmt.Fprintf(out, "\nAbusive GraphQL documents against copydesk serve (a separate process; RSS from /proc/PID/status)\n")
	fmt.Fprintf(out, "  data: the demo, plus %d published reports on the demo event (%d tags of %d, %d attendees each)\n", fx.published, tagsPer, nTags, attendeesPer)
	fmt.Fprintf(out, "  RATE LIMITS OFF (--rate-anonymous 0 --rate-token 0): this measures cost limits, not the rate limiter\n")
	fmt.Fprintf(out, "  client timeout %s; time = median of up to %d tries (one try when a try takes > %s or times out); %d CPUs\n\n", cfg.timeout, cfg.tries, slowTry, runtime.NumCPU())
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "document\tas\tquery\tstatus\tcode\tbytes\ttime\tRSS after\tΔ RSS\tpeak RSS\trefused < 100 ms\t")
	met := 0
	for _, r := range rows {
		mark := "✗"
		if r.met() {
			mark, met = "✓", met+1
		}
		if r.note != "" {
			mark += " (" + r.note + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.doc.Name, r.as, human(int64(len(r.doc.Query))), r.statusText(), r.codeText(),
			human(r.last.bytes), r.timeText(), mb(r.rssAfter), deltaMB(r.rssAfter, rss.base), mb(r.peak), mark)
	}
	tw.Flush()

	fmt.Fprintf(out, "\nnormal query: anonymous report(slug:) with event, tags, attendees; %d clients × %s\n", cfg.clients, cfg.duration)
	tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\trequests\treq/s\tp50\tp99\tfailed\ttimeouts\tno answer\t")
	for _, l := range []struct {
		name string
		r    loadResult
	}{{"alone", alone}, {fmt.Sprintf("under attack (%d attackers, %s)", cfg.attackers, cfg.attackAs), attacked}} {
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%s\t%s\t%d\t%d\t%d\t\n", l.name, l.r.requests, float64(l.r.requests)/l.r.took.Seconds(),
			dur(l.r.pct(0.50)), dur(l.r.pct(0.99)), l.r.failed, l.r.timeouts, l.r.transport)
	}
	tw.Flush()
	fmt.Fprintf(out, "  attackers sent %d documents: %d refused, %d accepted, %d timed out, %d unanswered; %s received\n",
		st.sent.Load(), st.refused.Load(), st.accepted.Load(), st.timeouts.Load(), st.transport.Load(), human(st.bytes.Load()))
	if attackNote != "" {
		fmt.Fprintf(out, "  note: %s\n", attackNote)
	}
	if n := srv.errorLines.Load(); n > 0 {
		fmt.Fprintf(out, "  the server logged %d ERROR lines (%s; most are requests cut short when the client gave up)\n", n, srv.logPath)
	}

	fmt.Fprintf(out, "\ntargets (from the issue)\n")
	fmt.Fprintf(out, "  every abusive document refused in < %d ms:    %d of %d  %s\n", targetRefuse.Milliseconds(), met, len(rows), check(met == len(rows)))
	growth := rss.peak - rss.base
	fmt.Fprintf(out, "  RSS growth < %d MB over the run:          peak %s (baseline %s, peak %s, after the documents %s, at the end %s)  %s\n",
		targetGrowthMB, deltaMB(rss.peak, rss.base), mb(rss.base), mb(rss.peak), mb(rss.afterDocs), mb(rss.end), check(growth < targetGrowthMB<<20 && srv.killed.Load() == 0))
	if n := srv.killed.Load(); n > 0 {
		fmt.Fprintf(out, "    the watchdog killed the server %d time(s) at RSS > %d MB (-max-rss); peaks above are cut there\n", n, cfg.maxRSS)
	}
	if srv.restarts > 0 {
		fmt.Fprintf(out, "    the server was restarted %d time(s) (died, or still busy %s after a document); RSS after a restart starts again low\n", srv.restarts, cfg.settle)
	}
	pa, pb := alone.pct(0.99), attacked.pct(0.99)
	ratio := "-"
	ok := false
	if pa > 0 && pb > 0 {
		ratio = fmt.Sprintf("%.2f×", float64(pb)/float64(pa))
		ok = float64(pb) < targetP99Ratio*float64(pa) && attacked.transport == 0
	}
	fmt.Fprintf(out, "  normal p99 under attack < %.0f× alone:        %s → %s = %s  %s\n", targetP99Ratio, dur(pa), dur(pb), ratio, check(ok))

	fmt.Fprintf(out, "\ncorpus (bench/abuse/corpus.go; the root report is %s)\n", demoSlug)
	for _, d := range docs {
		fmt.Fprintf(out, "  %-24s %s", d.Name, d.What)
		if d.Issue != "" {
			fmt.Fprintf(out, "; issue: %s", d.Issue)
		}
		fmt.Fprintln(out)
	}
	fmt.Fprintln(out, "  code = extensions.code of the first error (×N errors; +data: data came too); \"none: data\" = accepted and answered.")
	fmt.Fprintln(out, "  every try of a document carries a new trailing comment, so the parsed-query cache never answers for it.")
	fmt.Fprintln(out, "  refused = an error came back (a field error beside partial data counts). Δ RSS = RSS after the document − the baseline (after the normal query alone).")
}

func check(ok bool) string {
	if ok {
		return "✓"
	}
	return "✗"
}

func dur(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
}

func human(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func mb(n int64) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f MB", float64(n)/(1<<20))
}

// deltaMB is rss − base, "-" when rss is unknown (the server was not running).
func deltaMB(rss, base int64) string {
	if rss == 0 {
		return "-"
	}
	return fmt.Sprintf("%+.0f MB", float64(rss-base)/(1<<20))
}

// unique makes each abusive document a new one to the server's parsed-query
// cache (an LRU keyed by the text), as an attacker would: a trailing
// comment with a counter. Without it, every try after the first skips
// parsing and validation.
func unique(q string) string {
	return q + "\n# " + strconv.FormatInt(nonce.Add(1), 10)
}

var nonce atomic.Int64

func shortErr(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		s = s[i+2:]
	}
	return s
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench/abuse: "+strings.TrimRight(format, "\n")+"\n", args...)
}
