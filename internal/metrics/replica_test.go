package metrics_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/copydesk/copydesk/internal/metrics"
)

// The read replica's series say where public reads go and why, each scrape
// from one reading of the monitor, and follow the naming conventions.
func TestReplicaSeries(t *testing.T) {
	m := metrics.New(metrics.Options{})
	pool := sql.OpenDB(noConnector{}) // its statistics only: never connects
	defer pool.Close()
	st := metrics.ReplicaStats{Up: true, Serving: false, LagSeconds: 42.5, LagBytes: 4096,
		Fallbacks: map[string]int64{"unreachable": 0, "lag": 3, "not_standby": 0}}
	if err := m.RegisterReplica(pool, func() metrics.ReplicaStats { return st }); err != nil {
		t.Fatal(err)
	}
	want := `
# HELP copydesk_replica_fallbacks_total Moves of public reads from the read replica to the primary, by reason: unreachable, lag or not_standby.
# TYPE copydesk_replica_fallbacks_total counter
copydesk_replica_fallbacks_total{reason="lag"} 3
copydesk_replica_fallbacks_total{reason="not_standby"} 0
copydesk_replica_fallbacks_total{reason="unreachable"} 0
# HELP copydesk_replica_lag_bytes WAL the read replica has still to replay: the primary's flushed WAL position minus the replica's replay position.
# TYPE copydesk_replica_lag_bytes gauge
copydesk_replica_lag_bytes 4096
# HELP copydesk_replica_lag_seconds How old the read replica's data is, to about a check interval (0: it has replayed everything the primary has flushed).
# TYPE copydesk_replica_lag_seconds gauge
copydesk_replica_lag_seconds 42.5
# HELP copydesk_replica_serving 1 while public reads go to the read replica, 0 while they go to the primary (the replica unreachable, not a standby, or behind by more than --replica-max-lag).
# TYPE copydesk_replica_serving gauge
copydesk_replica_serving 0
# HELP copydesk_replica_up 1 when the last check reached the read replica and found a standby.
# TYPE copydesk_replica_up gauge
copydesk_replica_up 1
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want),
		"copydesk_replica_up", "copydesk_replica_serving", "copydesk_replica_lag_seconds", "copydesk_replica_lag_bytes", "copydesk_replica_fallbacks_total"); err != nil {
		t.Error(err)
	}
	problems, err := testutil.GatherAndLint(m.Registry())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if strings.HasPrefix(p.Metric, "copydesk_") {
			t.Errorf("%s: %s", p.Metric, p.Text)
		}
	}
}

type noConnector struct{}

func (noConnector) Connect(context.Context) (driver.Conn, error) {
	return nil, errors.New("no database")
}
func (noConnector) Driver() driver.Driver { return nil }
