package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/copydesk/copydesk/bench/internal/benchdb"
	"github.com/copydesk/copydesk/bench/internal/httpbench"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/identity"
)

// bench is one run's shared state.
type bench struct {
	cfg     *config
	env     *benchdb.Env
	token   string // an admin's FULL token: the newsroom audience
	fx      *fixtures
	srv     *httpbench.Server
	bin     string
	pgbench string
	commit  string
	dataset string
	docs    docCounts
	cases   []*testCase
	pages   []*pageResult
	sizes   []sizeRow
	peerIdx string // how long building the peer's indexes took
}

// testCase is a class searched by one audience.
type testCase struct {
	c       *class
	aud     string
	matches int
	atLeast bool // matches is the API's capped count: at least that many
	body    []byte
	sample  string // the first highlight of the first hit
	hits    int    // edges on the first page
	script  *capturedScript
	peer    *capturedScript
	plans   []*plan
}

func (t *testCase) name() string { return t.c.name + "/" + t.aud }

func (t *testCase) token(b *bench) string {
	if t.aud == audNewsroom {
		return b.token
	}
	return ""
}

func run(ctx context.Context, cfg *config) error {
	ctx = auth.WithViewer(ctx, auth.System())
	settings := map[string]string{"shared_preload_libraries": "pg_stat_statements", "shared_buffers": cfg.buffers} // bench/read's: no restart
	if cfg.dsn != "" {
		settings = nil
	}
	env, err := benchdb.OpenWith(ctx, "bench/search", benchdb.Options{DSN: cfg.dsn, Fast: true, Keep: cfg.keep, Settings: settings})
	if err != nil {
		return err
	}
	defer env.Close()
	b := &bench{cfg: cfg, env: env, commit: httpbench.Commit()}
	if b.pgbench, err = benchdb.FindPgbench(cfg.pgbench); err != nil {
		return err
	}
	if err := b.prepare(ctx); err != nil {
		return err
	}
	if b.bin = cfg.bin; b.bin == "" {
		logf("building cmd/copydesk")
		if b.bin, err = httpbench.BuildCopydesk(ctx, env.Work); err != nil {
			return err
		}
	}
	if b.srv, _, err = httpbench.StartCopydesk(ctx, "copydesk", b.bin, env.DSN, env.Work); err != nil {
		return err
	}
	defer b.srv.Stop()
	logf("copydesk serve up (pid %d, %s); its log: %s", b.srv.Cmd.Process.Pid, b.srv.URL, b.srv.LogPath)
	if err := b.checkCases(ctx); err != nil {
		return err
	}
	if err := b.captureAll(ctx); err != nil {
		return err
	}
	if err := b.deepPages(ctx); err != nil {
		return err
	}
	res, err := b.measure(ctx)
	if err != nil {
		return err
	}
	if b.sizes, err = indexSizes(ctx, env.DB); err != nil {
		return err
	}
	if cfg.peer {
		if err := dropPeerIndexes(ctx, env.DB); err != nil {
			return err
		}
	}
	return b.report(res)
}

// docCounts are the search documents against the reports they index.
type docCounts struct {
	Reports, Published, Newsroom, Public int
	NewsroomLocales, PublicLocales       int
	Translations, PublishedTranslations  int
}

func (d docCounts) complete() bool { return d.Newsroom == d.Reports && d.Public == d.Published }

// prepare checks the dataset and its search documents, builds the peer's
// indexes, warms the cache and picks the fixtures.
func (b *bench) prepare(ctx context.Context) error {
	db := b.env.DB
	var keys []string
	if err := db.SelectContext(ctx, &keys, `SELECT key FROM bench_read.dataset`); err != nil {
		return fmt.Errorf("no bench/read dataset in the database (run bench/read -build-only first, or bash bench/search.sh): %w", err)
	}
	want := fmt.Sprintf(" reports=%d ", b.cfg.reports)
	if len(keys) != 1 || !strings.Contains(keys[0], want) {
		return fmt.Errorf("the database holds the dataset %q, not one of %d reports (bench/read -build-only -reports %d builds it)", keys, b.cfg.reports, b.cfg.reports)
	}
	b.dataset = keys[0]
	token, _, err := benchdb.AdminToken(ctx, identity.New(db), "bench-search@copydesk.invalid", "search benchmark")
	if err != nil {
		return fmt.Errorf("admin token: %w", err)
	}
	b.token = token
	d := &b.docs
	err = db.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM reports),
		(SELECT count(*) FROM reports WHERE status = 'PUBLISHED'),
		(SELECT count(*) FROM search_reports WHERE audience = 'newsroom'),
		(SELECT count(*) FROM search_reports WHERE audience = 'public'),
		(SELECT count(*) FROM search_report_locales WHERE audience = 'newsroom'),
		(SELECT count(*) FROM search_report_locales WHERE audience = 'public'),
		(SELECT count(*) FROM report_translations),
		(SELECT count(*) FROM published_translations t JOIN reports r ON r.id = t.report_id WHERE r.status = 'PUBLISHED')`).Scan(&d.Reports, &d.Published, &d.Newsroom, &d.Public,
		&d.NewsroomLocales, &d.PublicLocales, &d.Translations, &d.PublishedTranslations)
	if err != nil {
		return err
	}
	logf("search documents: newsroom %d of %d reports, public %d of %d published; locale rows newsroom %d (reports + %d translations), public %d (published + %d published translations)",
		d.Newsroom, d.Reports, d.Public, d.Published, d.NewsroomLocales, d.Translations, d.PublicLocales, d.PublishedTranslations)
	if !d.complete() || d.NewsroomLocales != d.Reports+d.Translations || d.PublicLocales != d.Published+d.PublishedTranslations {
		return fmt.Errorf("search documents missing: %+v (bench/read -build-only builds them)", *d)
	}
	if b.cfg.peer {
		t0 := time.Now()
		if err := peerIndexes(ctx, db); err != nil {
			return err
		}
		b.peerIdx = time.Since(t0).Round(time.Second).String()
		logf("peer: pg_trgm indexes on reports.title and reports.body built in %s", b.peerIdx)
	}
	if _, err := db.ExecContext(ctx, `ANALYZE`); err != nil {
		return err
	}
	t0 := time.Now()
	var pages int64
	if err := db.GetContext(ctx, &pages, `SELECT COALESCE(sum(bench_read.pg_prewarm(c.oid)), 0)::bigint FROM pg_class c
		WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'i', 't')`); err != nil {
		return fmt.Errorf("pg_prewarm: %w", err)
	}
	logf("pg_prewarm: %d MB into shared buffers in %s", pages*8/1024, time.Since(t0).Round(time.Millisecond))
	b.fx, err = loadFixtures(ctx, db)
	return err
}

// page is the part of a search response the benchmark reads.
type page struct {
	Data struct {
		Reports struct {
			TotalCount        *int  `json:"totalCount"`
			TotalCountIsExact *bool `json:"totalCountIsExact"`
			Edges             []struct {
				Cursor string `json:"cursor"`
				Search *struct {
					Rank       float64 `json:"rank"`
					Highlights []struct {
						Field, Locale, HTML string
					} `json:"highlights"`
				} `json:"search"`
				Node struct {
					ID, Title string
				} `json:"node"`
			} `json:"edges"`
			PageInfo struct {
				HasNextPage bool   `json:"hasNextPage"`
				EndCursor   string `json:"endCursor"`
			} `json:"pageInfo"`
		} `json:"reports"`
	} `json:"data"`
}

func (b *bench) fetch(ctx context.Context, url, token string, body []byte) (*page, error) {
	raw, err := httpbench.PostRaw(ctx, url, token, body)
	if err != nil {
		return nil, err
	}
	var p page
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// matchCount prints a count of matches: "1000+" when the API's count
// stopped at its limit (a search counts up to 1,000).
func matchCount(n int, atLeast bool) string {
	if atLeast {
		return strconv.Itoa(n) + "+"
	}
	return strconv.Itoa(n)
}

// checkCases builds the test cases, counts each one's matches (the
// request with totalCount) and checks its first page: 20 hits (or all of
// them), each with a search hit, and a highlight with a mark.
func (b *bench) checkCases(ctx context.Context) error {
	for _, name := range b.cfg.classes {
		c := classByName(name)
		for _, aud := range c.audiences {
			t := &testCase{c: c, aud: aud, body: c.body(b.fx, c.total, "", "")}
			p, err := b.fetch(ctx, b.srv.URL, t.token(b), c.body(b.fx, true, "", ""))
			if err != nil {
				return fmt.Errorf("%s: %w", t.name(), err)
			}
			r := p.Data.Reports
			t.matches, t.atLeast, t.hits = *r.TotalCount, !*r.TotalCountIsExact, len(r.Edges)
			if t.hits != min(20, t.matches) || t.matches == 0 {
				return fmt.Errorf("%s: %d hits on the first page of %d matches", t.name(), t.hits, t.matches)
			}
			for _, e := range r.Edges {
				if e.Search == nil {
					return fmt.Errorf("%s: report %s without a search hit", t.name(), e.Node.ID)
				}
				for _, h := range e.Search.Highlights {
					if t.sample == "" && strings.Contains(h.HTML, "<mark>") {
						t.sample = fmt.Sprintf("%s %s: %s", h.Locale, h.Field, h.HTML)
					}
				}
			}
			if t.sample == "" {
				return fmt.Errorf("%s: no highlight with <mark> on the first page", t.name())
			}
			logf("%-22s %6s matches; e.g. %s", t.name(), matchCount(t.matches, t.atLeast), httpbench.Clip(t.sample, 160))
			b.cases = append(b.cases, t)
		}
	}
	return nil
}
