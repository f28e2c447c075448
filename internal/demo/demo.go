// Package demo loads copydesk's demo data: the report of the International
// Technology Trade Conference and China-Japan-Korea Technology Trade Forum
// (Qingdao, 2020), with its event, organizations, people, attendees, tags and
// translations. The data set is structured JSON embedded in the binary
// (qingdao.json); nothing is read from outside the repository at run time.
//
// Loading is idempotent: a data set is recorded in demo_loads in the same
// transaction that inserts it, so a second load (or a second instance
// loading at the same moment) does nothing.
package demo

import (
	"context"
	"log/slog"
	"time"

	"github.com/copydesk/copydesk/internal/postgres"
)

// Name identifies the demo data set in demo_loads.
const Name = "qingdao-2020"

// Load inserts the demo data set unless it is already there, and reports
// whether it inserted it.
func Load(ctx context.Context, db *postgres.DB, log *slog.Logger) (bool, error) {
	start := time.Now()
	loaded := false
	err := db.InTx(ctx, func(tx *postgres.Tx) error {
		first, err := postgres.ClaimDemoLoad(ctx, tx, Name)
		if err != nil || !first {
			return err
		}
		loaded = true
		return insert(ctx, tx)
	})
	if err != nil {
		return false, err
	}
	if loaded {
		log.Info("demo data loaded", "set", Name, "ms", time.Since(start).Milliseconds())
	} else {
		log.Debug("demo data already present", "set", Name)
	}
	return loaded, nil
}

// insert writes the data set's content. The content model fills it in.
func insert(ctx context.Context, tx *postgres.Tx) error { return nil }
