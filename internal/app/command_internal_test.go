package app

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/copydesk/copydesk/internal/pgembed"
	"github.com/copydesk/copydesk/internal/postgres"
)

// TestCommandWhoseServerStopsSaysSo: an operator command running on the
// cluster of a server (it joined it) fails when the server stops that
// cluster under it, and says so and what to do; it neither keeps the
// cluster running nor starts it again.
func TestCommandWhoseServerStopsSaysSo(t *testing.T) {
	parent, err := os.MkdirTemp("", "copydesk-app-test-*") // reachable by the postgres user
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(parent, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(parent) })
	dir := filepath.Join(parent, "data")
	quiet := slog.New(slog.DiscardHandler)
	ctx := context.Background()
	server, err := pgembed.Start(ctx, pgembed.Options{Dir: dir, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = server.Stop() })

	err = withMigrated(ctx, Config{DataDir: dir}, quiet, func(db *postgres.DB) error {
		if err := server.Stop(); err != nil { // the server shuts down while the command runs
			return err
		}
		_, err := db.ExecContext(ctx, "SELECT 1")
		return err
	})
	if err == nil {
		t.Fatal("the command succeeded on a stopped cluster")
	}
	t.Logf("the operator reads:\n%v", err)
	for _, s := range []string{"stopped its database", "while the command ran, so the command may not have finished", "Run it again"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("the error lacks %q", s)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "pg", "postmaster.pid")); err == nil {
		t.Error("postgres runs in the data dir after the server stopped it and the command ended")
	}
}
