package published_test

import (
	"context"
	stdjson "encoding/json"
	"testing"

	gojson "github.com/goccy/go-json"

	"github.com/copydesk/copydesk/internal/demo"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/pgtest"
	"github.com/copydesk/copydesk/internal/postgres"
)

// Decoding the demo report's source document (every public read that
// misses the cache does it once): encoding/json against goccy/go-json,
// which postgres uses for documents.
//
//	go test ./internal/published -run '^$' -bench DecodeSource -benchmem
func BenchmarkDecodeSource(b *testing.B) {
	db, err := postgres.Open(context.Background(), pgtest.NewDSN(b), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := demo.Load(context.Background(), db, nil); err != nil {
		b.Fatal(err)
	}
	var doc []byte
	if err := db.QueryRowxContext(context.Background(), `SELECT doc FROM public_reports LIMIT 1`).Scan(&doc); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d bytes", len(doc))
	for _, c := range []struct {
		name string
		fn   func([]byte, any) error
	}{{"std", stdjson.Unmarshal}, {"goccy", gojson.Unmarshal}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				var s editorial.PublicSource
				if err := c.fn(doc, &s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
