package search_test

import (
	"os"
	"testing"

	"github.com/copydesk/copydesk/internal/pgtest"
)

// TestMain stops the PostgreSQL cluster pgtest starts for this package.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
