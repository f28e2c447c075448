package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"time"

	"github.com/copydesk/copydesk/bench/internal/benchdb"
	"github.com/copydesk/copydesk/graph"
	"github.com/copydesk/copydesk/internal/comments"
	"github.com/copydesk/copydesk/internal/identity"
	"github.com/copydesk/copydesk/internal/newsroom"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/server"
)

// runGraphQL measures updateReport through the whole HTTP stack: an
// in-process httptest server with the handler internal/app builds (request
// log, recovery, body limit, gqlgen, resolvers, content service), and an HTTP
// client per writer sending the mutation as JSON. The SQL count per update
// comes from the server's own request log line ("sql").
func runGraphQL(ctx context.Context, db *postgres.DB, svc *newsroom.Services, fx *fixture, cfg config) (result, error) {
	var sqlSum, requests atomic.Int64
	var counting atomic.Bool
	log := slog.New(&benchdb.ServerLog{Name: "bench/write", SQL: func(n int64) {
		if counting.Load() {
			sqlSum.Add(n)
			requests.Add(1)
		}
	}})
	// Wired as internal/app does, minus the explorer and the rate limiter;
	// the editor is an admin with an API token, as a newsroom client is.
	ids := identity.New(db)
	token, _, err := benchdb.AdminToken(ctx, ids, "bench@copydesk.invalid", "write benchmark")
	if err != nil {
		return result{}, err
	}
	h := server.New(server.Config{
		GraphQL: graph.NewHandler(&graph.Resolver{DB: db, Reports: svc.Reports, Directory: svc.Directory, Translations: svc.Translations, Identity: ids, Comments: comments.New(db), Version: "bench"}, log, graph.HandlerOptions{}),
		Ready:   func(context.Context) error { return nil },
		Log:     log,
	})
	ts := httptest.NewServer(h)
	defer ts.Close()
	c := &gqlClient{url: ts.URL + "/graphql", token: token, http: &http.Client{Transport: &http.Transport{
		MaxIdleConns: 2 * cfg.clients, MaxIdleConnsPerHost: 2 * cfg.clients, IdleConnTimeout: time.Minute,
	}}}
	defer c.http.CloseIdleConnections()

	if err := c.checkSchema(ctx); err != nil {
		return result{}, err
	}
	if err := prepareRun(ctx, db, fx); err != nil {
		return result{}, err
	}
	if err := c.resolveIDs(ctx, fx); err != nil {
		return result{}, err
	}
	do := c.update
	if _, err := drive(ctx, cfg.clients, cfg.warmup, fx, do); err != nil {
		return result{}, err
	}
	counting.Store(true)
	r, err := measure(ctx, db, "graphql", cfg, fx, do)
	counting.Store(false)
	if err != nil {
		return r, err
	}
	if n := requests.Load(); n > 0 {
		r.stmts = float64(sqlSum.Load()) / float64(n)
	}
	r.heapCovered = "HTTP client, server, gqlgen and content service, all in this process"
	return r, nil
}

// --- GraphQL over HTTP ---

type gqlClient struct {
	url   string
	token string
	http  *http.Client
}

type gqlError struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions"`
}

func (c *gqlClient) do(ctx context.Context, query string, vars map[string]any, out any) error {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var env struct {
		Data   json.RawMessage `json:"data"`
		Errors []gqlError      `json:"errors"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		return fmt.Errorf("HTTP %d: undecodable response: %w", resp.StatusCode, err)
	}
	if len(env.Errors) > 0 {
		e := env.Errors[0]
		return fmt.Errorf("GraphQL error %v: %s", e.Extensions["code"], e.Message)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	if out != nil {
		return json.Unmarshal(env.Data, out)
	}
	return nil
}

// checkSchema skips graphql mode cleanly while the schema lacks updateReport.
func (c *gqlClient) checkSchema(ctx context.Context) error {
	var s struct {
		Schema struct {
			MutationType *struct {
				Fields []struct{ Name string } `json:"fields"`
			} `json:"mutationType"`
		} `json:"__schema"`
	}
	if err := c.do(ctx, `{ __schema { mutationType { fields { name } } } }`, nil, &s); err != nil {
		return fmt.Errorf("introspection: %w", err)
	}
	if s.Schema.MutationType != nil {
		for _, f := range s.Schema.MutationType.Fields {
			if f.Name == "updateReport" {
				return nil
			}
		}
	}
	return skipError{"the GraphQL schema has no updateReport mutation yet (schema.graphqls): the graphql mode is written but untested"}
}

// resolveIDs fills each target's global ID and version from the API:
// report(slug:) with aliases, 50 per request; failing that, the reports
// connection, matched by slug.
func (c *gqlClient) resolveIDs(ctx context.Context, fx *fixture) error {
	type node struct {
		ID      string `json:"id"`
		Slug    string `json:"slug"`
		Version int    `json:"version"`
	}
	errSlug := func() error {
		for lo := 0; lo < len(fx.reports); lo += 50 {
			hi := min(lo+50, len(fx.reports))
			var q strings.Builder
			q.WriteString("query {")
			for i := lo; i < hi; i++ {
				fmt.Fprintf(&q, " r%d: report(slug: %q) { id version }", i, fx.reports[i].slug)
			}
			q.WriteString(" }")
			var got map[string]*node
			if err := c.do(ctx, q.String(), nil, &got); err != nil {
				return err
			}
			for i := lo; i < hi; i++ {
				n := got[fmt.Sprintf("r%d", i)]
				if n == nil || n.ID == "" {
					return fmt.Errorf("report(slug: %q) is null", fx.reports[i].slug)
				}
				fx.reports[i].gid, fx.reports[i].version = n.ID, n.Version
			}
		}
		return nil
	}()
	if errSlug == nil {
		return nil
	}
	bySlug := map[string]*target{}
	for _, t := range fx.reports {
		bySlug[t.slug] = t
	}
	found := 0
	var after any
	for {
		var page struct {
			Reports struct {
				Nodes    []node `json:"nodes"`
				PageInfo struct {
					HasNextPage bool   `json:"hasNextPage"`
					EndCursor   string `json:"endCursor"`
				} `json:"pageInfo"`
			} `json:"reports"`
		}
		err := c.do(ctx, `query($after: String) { reports(first: 100, after: $after) { nodes { id slug version } pageInfo { hasNextPage endCursor } } }`,
			map[string]any{"after": after}, &page)
		if err != nil {
			return fmt.Errorf("cannot get the reports' global IDs: report(slug:): %v; reports(first:100): %w", errSlug, err)
		}
		for _, n := range page.Reports.Nodes {
			if t := bySlug[n.Slug]; t != nil && t.gid == "" {
				t.gid, t.version = n.ID, n.Version
				found++
			}
		}
		if !page.Reports.PageInfo.HasNextPage || found == len(fx.reports) {
			break
		}
		after = page.Reports.PageInfo.EndCursor
	}
	if found != len(fx.reports) {
		return fmt.Errorf("the reports connection listed %d of the %d benchmark reports (report(slug:) failed too: %v)", found, len(fx.reports), errSlug)
	}
	return nil
}

const updateMutation = `mutation($input: UpdateReportInput!) { updateReport(input: $input) { report { id version } } }`

// update sends the updateReport mutation for t.
func (c *gqlClient) update(ctx context.Context, t *target) error {
	v := t.version
	var out struct {
		UpdateReport struct {
			Report struct {
				ID      string `json:"id"`
				Version int    `json:"version"`
			} `json:"report"`
		} `json:"updateReport"`
	}
	err := c.do(ctx, updateMutation, map[string]any{"input": map[string]any{
		"id": t.gid, "expectedVersion": v, "body": t.bodyAt(v + 1), "message": editMessage,
	}}, &out)
	if err != nil {
		return fmt.Errorf("report %s at version %d: %w", t.gid, v, err)
	}
	if out.UpdateReport.Report.ID == "" {
		return fmt.Errorf("report %s at version %d: updateReport returned no report (the payload's userErrors say why; the benchmark's mutation does not select them)", t.gid, v)
	}
	if got := out.UpdateReport.Report.Version; got != v+1 {
		return fmt.Errorf("report %s: version %d after updating version %d", t.gid, got, v)
	}
	t.version = v + 1
	return nil
}
