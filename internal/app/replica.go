package app

import (
	"log/slog"
	"math"

	"github.com/copydesk/copydesk/internal/metrics"
	"github.com/copydesk/copydesk/internal/postgres"
)

// The read replica never makes the server unready. While it is down, not a
// standby, or too far behind, public reads go to the primary (postgres,
// replica.go): the instance can serve everything, and since every instance
// shares the replica, failing readiness for it would take them all out of
// the load balancer, and the public site down with the replica. /readyz
// says where public reads go and why; the metrics and a warning in the log
// say when they move.

// replicaInfo is the read replica's state for /readyz, or nil when there
// is none.
func replicaInfo(db *postgres.DB) func() map[string]any {
	if _, ok := db.ReplicaStatus(); !ok {
		return nil
	}
	return func() map[string]any {
		st, _ := db.ReplicaStatus()
		r := map[string]any{"public_reads": "replica", "up": st.Up,
			"lag_seconds": math.Round(st.Lag.Seconds()*1000) / 1000, "lag_bytes": st.LagBytes}
		if !st.Serving {
			r["public_reads"], r["reason"] = "primary", st.Reason
		}
		return map[string]any{"replica": r}
	}
}

// registerReplica exports the read replica's state and pool, and logs
// where public reads start, when there is a replica.
func registerReplica(m *metrics.Metrics, db *postgres.DB, log *slog.Logger) error {
	st, ok := db.ReplicaStatus()
	if !ok {
		return nil
	}
	if st.Serving {
		log.Info("read replica ready: public reads go to it", "lag", st.Lag)
	}
	return m.RegisterReplica(db.ReplicaPool(), func() metrics.ReplicaStats {
		st, _ := db.ReplicaStatus()
		return metrics.ReplicaStats{Up: st.Up, Serving: st.Serving, LagSeconds: st.Lag.Seconds(), LagBytes: st.LagBytes, Fallbacks: st.Fallbacks}
	})
}
