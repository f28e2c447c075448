package app_test

import (
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/copydesk/copydesk/internal/app"
	"github.com/copydesk/copydesk/internal/pgtest"
)

// readyz GETs /readyz and decodes its status code and body.
func readyz(t *testing.T, base string) (int, struct {
	Status  string
	Replica map[string]any
}) {
	t.Helper()
	code, body := get(t, base+"/readyz")
	var out struct {
		Status  string
		Replica map[string]any
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatalf("/readyz: %v: %s", err, body)
	}
	return code, out
}

// /readyz says where public reads go, and stays 200 when the replica is
// lost: public reads then go to the primary, which the metrics and a
// warning in the log say too; once the replica is back, so are they.
func TestReadinessReportsTheReplica(t *testing.T) {
	dsn := pgtest.NewDSN(t)
	proxy := pgtest.NewProxy(t, pgtest.ReplicaDSN(t, dsn))
	var logged syncBuffer // see identity_test.go
	base := startServerLogging(t, app.Config{DatabaseURL: dsn, ReplicaURL: proxy.DSN(), ReplicaMaxLag: time.Minute, Demo: app.DemoNever},
		slog.New(slog.NewJSONHandler(&logged, nil)))
	if code, r := readyz(t, base); code != 200 || r.Replica["public_reads"] != "replica" || r.Replica["up"] != true {
		t.Fatalf("/readyz = %d %+v, want 200 with public reads on the replica", code, r)
	}
	if v, _ := value(scrape(t, base+"/metrics"), "copydesk_replica_serving", nil); v != 1 {
		t.Errorf("copydesk_replica_serving = %v with the replica up, want 1", v)
	}

	proxy.Cut()
	pollReadyz(t, base, func(code int, r map[string]any) bool {
		if code != 200 {
			t.Fatalf("/readyz = %d with the replica unreachable, want 200 (public reads go to the primary)", code)
		}
		return r["public_reads"] == "primary"
	})
	_, r := readyz(t, base)
	if r.Replica["reason"] != "unreachable" || r.Replica["up"] != false {
		t.Errorf("/readyz replica = %+v, want public reads on the primary, the replica unreachable", r.Replica)
	}
	m := scrape(t, base+"/metrics")
	for name, want := range map[string]float64{"copydesk_replica_serving": 0, "copydesk_replica_up": 0} {
		if v, ok := value(m, name, nil); !ok || v != want {
			t.Errorf("%s = %v, want %v", name, v, want)
		}
	}
	if v, _ := value(m, "copydesk_replica_fallbacks_total", map[string]string{"reason": "unreachable"}); v != 1 {
		t.Errorf(`copydesk_replica_fallbacks_total{reason="unreachable"} = %v, want 1`, v)
	}
	if _, ok := value(m, "go_sql_open_connections", map[string]string{"db_name": "copydesk_replica"}); !ok {
		t.Error("no pool statistics for the replica's pool")
	}
	if !strings.Contains(strings.Join(warnings(logged.String()), "\n"), "public reads moved to the primary") {
		t.Errorf("no warning in the log: %v", warnings(logged.String()))
	}

	proxy.Restore()
	pollReadyz(t, base, func(code int, r map[string]any) bool { return r["public_reads"] == "replica" })
}

// pollReadyz polls /readyz until ok holds for its status and replica.
func pollReadyz(t *testing.T, base string, ok func(code int, replica map[string]any) bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, r := readyz(t, base)
		if ok(code, r.Replica) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz never changed: %d %+v", code, r)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
