package content_test

import (
	"context"
	"os"
	"testing"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/pgtest"
)

// TestMain stops the PostgreSQL cluster pgtest starts for this package.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// asSystem is the context the specification tests call the service in:
// copydesk's System viewer, who may do everything. Who may do what is
// specified in access_test.go.
func asSystem(t testing.TB) context.Context { return auth.WithViewer(t.Context(), auth.System()) }
