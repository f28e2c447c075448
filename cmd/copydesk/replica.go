package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/copydesk/copydesk/internal/app"
)

// replicaFlags are serve's flags for a read replica (README, "Read
// replicas").
type replicaFlags struct {
	url    *string
	maxLag *time.Duration
}

func registerReplica(fs *flag.FlagSet) *replicaFlags {
	return &replicaFlags{
		// The default stays empty so --help never prints the URL, which
		// usually holds a password; apply falls back to the environment.
		url: fs.String("replica-url", "",
			"PostgreSQL URL of a streaming replica of the database for public reads (anonymous and READ_PUBLISHED requests); the newsroom, writes, migrations and jobs stay on the primary (env COPYDESK_REPLICA_URL)"),
		maxLag: fs.Duration("replica-max-lag", envDuration("COPYDESK_REPLICA_MAX_LAG", 30*time.Second),
			"while the replica's data is older than this, public reads go to the primary; 0: no bound (env COPYDESK_REPLICA_MAX_LAG)"),
	}
}

// apply checks the flags and sets them in cfg.
func (r *replicaFlags) apply(cfg *app.Config) error {
	url := *r.url
	if url == "" {
		url = os.Getenv("COPYDESK_REPLICA_URL")
	}
	if *r.maxLag < 0 {
		return fmt.Errorf("--replica-max-lag: %s is negative", *r.maxLag)
	}
	cfg.ReplicaURL, cfg.ReplicaMaxLag = url, *r.maxLag
	return nil
}
