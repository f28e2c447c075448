package benchdb

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/copydesk/copydesk/internal/pgembed"
	"github.com/copydesk/copydesk/internal/postgres"
)

// startCluster starts the private cluster in Work/data and, when Settings
// differ from what it runs with, writes them with ALTER SYSTEM (kept in
// the data directory's postgresql.auto.conf) and restarts it: settings
// such as shared_preload_libraries take effect only at server start.
func (e *Env) startCluster(ctx context.Context, o Options) error {
	start := func() error {
		c, err := pgembed.Start(ctx, pgembed.Options{Dir: filepath.Join(e.Work, "data"), Fast: o.Fast})
		if err != nil {
			return fmt.Errorf("start PostgreSQL: %w", err)
		}
		e.Cluster, e.DSN = c, c.DSN("copydesk")
		return nil
	}
	if err := start(); err != nil {
		return err
	}
	if len(o.Settings) == 0 {
		return nil
	}
	db, err := postgres.Open(ctx, e.DSN, nil)
	if err != nil {
		return err
	}
	changed, err := alterSystem(ctx, db, o.Settings)
	db.Close()
	if err != nil || !changed {
		return err
	}
	if err := e.Cluster.Stop(); err != nil {
		return err
	}
	return start()
}

// alterSystem writes the settings that differ from the server's and
// reports whether any did.
func alterSystem(ctx context.Context, db *postgres.DB, settings map[string]string) (bool, error) {
	changed := false
	for _, k := range sortedKeys(settings) {
		cur, err := current(ctx, db, k)
		if err != nil {
			return false, err
		}
		if cur == settings[k] {
			continue
		}
		// ALTER SYSTEM takes no parameters; names are ours, values quoted.
		q := fmt.Sprintf("ALTER SYSTEM SET %s = '%s'", k, strings.ReplaceAll(settings[k], "'", "''"))
		if _, err := db.ExecContext(ctx, q); err != nil {
			return false, fmt.Errorf("%s: %w", q, err)
		}
		changed = true
	}
	return changed, nil
}

// checkSettings fails when the server does not run with settings (an
// external database, or a setting the restart did not apply).
func checkSettings(ctx context.Context, db *postgres.DB, settings map[string]string) error {
	for _, k := range sortedKeys(settings) {
		cur, err := current(ctx, db, k)
		if err != nil {
			return err
		}
		if cur != settings[k] {
			return fmt.Errorf("the server runs with %s = %q, the benchmark needs %q (set it in postgresql.conf and restart)", k, cur, settings[k])
		}
	}
	return nil
}

// current is the setting as the server reports it, in the unit the
// benchmark writes it (e.g. shared_buffers "2GB", not the 8 kB pages of
// pg_settings).
func current(ctx context.Context, db *postgres.DB, name string) (string, error) {
	var v string
	err := db.GetContext(ctx, &v, `SELECT current_setting($1)`, name)
	return v, err
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
