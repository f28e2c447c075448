package graph_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// auditResult is what scripts/http-audit/audit.mjs prints.
type auditResult struct {
	OK       int `json:"ok"`
	Warnings []struct {
		ID, Name, Reason string
		Status           int
	} `json:"warnings"`
	Failures []struct {
		ID, Name, Reason string
		Status           int
	} `json:"failures"`
}

// The public GraphQL-over-HTTP audit (graphql-http's serverAudits) passes
// against the real /graphql handler with no failure and no warning.
func TestGraphQLOverHTTPAudit(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed: the GraphQL-over-HTTP audit (scripts/http-audit) needs Node.js 18 or later")
	}
	dir, err := filepath.Abs(filepath.Join("..", "scripts", "http-audit"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "graphql-http")); err != nil {
		// The same idempotent step scripts/deps.sh runs.
		if out, err := exec.CommandContext(ctx, "bash", filepath.Join(dir, "install.sh")).CombinedOutput(); err != nil {
			t.Fatalf("installing the audit: %v\n%s", err, out)
		}
	}
	a := newAPI(t)
	srv := httptest.NewServer(a.handler)
	defer srv.Close()

	cmd := exec.CommandContext(ctx, "node", filepath.Join(dir, "audit.mjs"), srv.URL+"/graphql")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("running the audit: %v\n%s", err, out)
	}
	var res auditResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("audit output is not JSON: %v\n%s", err, out)
	}
	for _, f := range res.Failures {
		t.Errorf("audit failure %s (%s): %s [HTTP %d]", f.ID, f.Name, f.Reason, f.Status)
	}
	for _, w := range res.Warnings {
		t.Errorf("audit warning %s (%s): %s [HTTP %d]", w.ID, w.Name, w.Reason, w.Status)
	}
	if res.OK == 0 {
		t.Fatalf("no audit passed: %s", out)
	}
	t.Logf("graphql-http audit: %d ok, %d warnings, %d failures", res.OK, len(res.Warnings), len(res.Failures))
}
