package metrics

import (
	"database/sql"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// ReplicaStats is what the read replica's monitor knows, as RegisterReplica
// exports it (internal/app fills it from postgres.ReplicaStatus).
type ReplicaStats struct {
	Up         bool    // the last check reached the replica and found a standby
	Serving    bool    // public reads go to the replica (false: to the primary)
	LagSeconds float64 // how old the replica's data is, about
	LagBytes   int64   // WAL it has still to replay
	// Fallbacks counts the moves of public reads to the primary, by
	// reason; every reason the replica can give is a key, from the start.
	Fallbacks map[string]int64
}

// RegisterReplica adds the read replica's series, read from stats at each
// scrape, and its pool's statistics (go_sql_* with
// db_name="copydesk_replica"; its connections are opened to the primary
// while public reads are there).
func (m *Metrics) RegisterReplica(pool *sql.DB, stats func() ReplicaStats) error {
	if err := m.reg.Register(collectors.NewDBStatsCollector(pool, "copydesk_replica")); err != nil {
		return err
	}
	return m.reg.Register(replicaCollector{stats: stats})
}

var (
	replicaUp = prometheus.NewDesc("copydesk_replica_up",
		"1 when the last check reached the read replica and found a standby.", nil, nil)
	replicaServing = prometheus.NewDesc("copydesk_replica_serving",
		"1 while public reads go to the read replica, 0 while they go to the primary (the replica unreachable, not a standby, or behind by more than --replica-max-lag).", nil, nil)
	replicaLag = prometheus.NewDesc("copydesk_replica_lag_seconds",
		"How old the read replica's data is, to about a check interval (0: it has replayed everything the primary has flushed).", nil, nil)
	replicaLagBytes = prometheus.NewDesc("copydesk_replica_lag_bytes",
		"WAL the read replica has still to replay: the primary's flushed WAL position minus the replica's replay position.", nil, nil)
	replicaFallbacks = prometheus.NewDesc("copydesk_replica_fallbacks_total",
		"Moves of public reads from the read replica to the primary, by reason: unreachable, lag or not_standby.", []string{"reason"}, nil)
)

// replicaCollector turns one ReplicaStats per scrape into the replica's
// series, so they never disagree with each other.
type replicaCollector struct{ stats func() ReplicaStats }

func (c replicaCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{replicaUp, replicaServing, replicaLag, replicaLagBytes, replicaFallbacks} {
		ch <- d
	}
}

func (c replicaCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.stats()
	ch <- prometheus.MustNewConstMetric(replicaUp, prometheus.GaugeValue, boolValue(st.Up))
	ch <- prometheus.MustNewConstMetric(replicaServing, prometheus.GaugeValue, boolValue(st.Serving))
	ch <- prometheus.MustNewConstMetric(replicaLag, prometheus.GaugeValue, st.LagSeconds)
	ch <- prometheus.MustNewConstMetric(replicaLagBytes, prometheus.GaugeValue, float64(st.LagBytes))
	for reason, n := range st.Fallbacks {
		ch <- prometheus.MustNewConstMetric(replicaFallbacks, prometheus.CounterValue, float64(n), reason)
	}
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
