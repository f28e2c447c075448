package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/copydesk/copydesk/graph"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/operations"
	"github.com/copydesk/copydesk/internal/postgres"
)

// The operator commands for persisted operations (`copydesk operations
// …`). Like the identity commands, each opens the configured database,
// applies pending migrations and acts as the System viewer; registrations
// are audited as "copydesk".

func withOperations(ctx context.Context, cfg Config, log *slog.Logger, fn func(context.Context, *operations.Registry) error) error {
	return withMigrated(ctx, cfg, log, func(db *postgres.DB) error {
		return fn(auth.WithViewer(ctx, auth.System()), operations.New(db, operations.Options{Log: log}))
	})
}

// RegisterOperations runs `copydesk operations register FILE`: it
// registers every operation of the manifest (Apollo or Relay, see
// operations.ParseManifest), validated against the schema, or none, and
// writes what it did to out.
func RegisterOperations(ctx context.Context, cfg Config, manifest []byte, out io.Writer, log *slog.Logger) error {
	return withOperations(ctx, cfg, log, func(ctx context.Context, reg *operations.Registry) error {
		m, res, err := reg.RegisterManifest(ctx, manifest, graph.CheckOperation)
		if err != nil {
			return plainError(err)
		}
		log.Info("persisted operations registered", "format", m.Format, "operations", len(m.Entries), "added", res.Added, "digest", res.Digest)
		fmt.Fprintf(out, "registered %d operation(s), %d already registered (%s manifest %s)\n", res.Added, res.Unchanged, m.Format, res.Digest[:12])
		return nil
	})
}

// ListOperations runs `copydesk operations list`: a table of the
// registered operations, newest first; source "" lists both sources.
func ListOperations(ctx context.Context, cfg Config, source string, out io.Writer, log *slog.Logger) error {
	var src operations.Source
	switch strings.ToLower(source) {
	case "":
	case "apq":
		src = operations.SourceAPQ
	case "manifest":
		src = operations.SourceManifest
	default:
		return fmt.Errorf("--source: %q is not apq or manifest", source)
	}
	return withOperations(ctx, cfg, log, func(ctx context.Context, reg *operations.Registry) error {
		w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "HASH\tSOURCE\tNAME\tCREATED\tLAST USED")
		for before := int64(0); ; {
			page, err := reg.List(ctx, src, editorial.MaxPage, before)
			if err != nil {
				return err
			}
			for _, op := range page {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", op.Hash, strings.ToLower(string(op.Source)), dash(op.Name),
					op.CreatedAt.UTC().Format(time.DateTime), op.LastUsedAt.UTC().Format(time.DateTime))
			}
			if len(page) < editorial.MaxPage {
				break
			}
			before = page[len(page)-1].ID
		}
		return w.Flush()
	})
}

// UnregisterOperations runs `copydesk operations unregister HASH…`.
func UnregisterOperations(ctx context.Context, cfg Config, hashes []string, out io.Writer, log *slog.Logger) error {
	return withOperations(ctx, cfg, log, func(ctx context.Context, reg *operations.Registry) error {
		n, err := reg.Unregister(ctx, hashes)
		if err != nil {
			return plainError(err)
		}
		fmt.Fprintf(out, "unregistered %d operation(s)\n", n)
		return nil
	})
}

// plainError is a coded error's message alone, for the terminal.
func plainError(err error) error {
	if e := cerr.As(err); e != nil && e.Code != cerr.Internal {
		return errors.New(e.Message)
	}
	return err
}
