package postgres

import (
	"testing"

	"github.com/lib/pq"

	"github.com/copydesk/copydesk/internal/pgtest"
)

// The statements that write a search document run inside functions that
// keep one generic plan per session (migration 00013): sent as a
// statement, each write was planned again, and planning cost four times
// the execution (bench/write). Without the setting, PostgreSQL would keep
// planning them: its estimate of the generic plan is the higher one.
func TestSearchWritesArePlannedOncePerSession(t *testing.T) {
	db := pgtest.NewDB(t)
	for _, fn := range []string{"copydesk_put_search_source", "copydesk_put_search_locale"} {
		var config []string
		if err := db.QueryRow(`SELECT COALESCE(proconfig, '{}') FROM pg_proc WHERE proname = $1`, fn).Scan(pq.Array(&config)); err != nil {
			t.Fatalf("%s: %v", fn, err)
		}
		if len(config) != 1 || config[0] != "plan_cache_mode=force_generic_plan" {
			t.Errorf("%s runs with %q, want plan_cache_mode=force_generic_plan", fn, config)
		}
	}
}
