package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/copydesk/copydesk/internal/pgtest"
	"github.com/copydesk/copydesk/internal/postgres"
)

// /readyz tells a pool whose every connection is busy from a database it
// cannot reach: a load balancer and an operator act differently on them.
func TestReadinessTellsABusyPoolFromADownDatabase(t *testing.T) {
	db, err := postgres.OpenWith(context.Background(), pgtest.NewDSN(t), nil, postgres.Options{MaxOpen: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ready := readiness(db)
	if err := ready(context.Background()); err != nil {
		t.Fatalf("ready: %v", err)
	}
	conn, err := db.Conn(context.Background()) // the pool's only connection, held
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := ready(ctx); err == nil || !strings.HasPrefix(err.Error(), "database pool busy") {
		t.Errorf("with the pool busy: %v, want database pool busy", err)
	}
	conn.Close()
	db.Close()
	if err := ready(context.Background()); err == nil || err.Error() != "database unreachable" {
		t.Errorf("with the pool closed: %v, want database unreachable", err)
	}
}
