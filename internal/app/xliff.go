package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/translation"
)

// `copydesk xliff export|import`: the translation-agency hand-off from the
// command line, for operators. It runs as copydesk's System viewer and does
// what the GraphQL xliffExport and importXliff do (the same checks, the same
// all-or-nothing import, the same audit entry).

// withContent is withMigrated with the translation service and a System
// context.
func withContent(ctx context.Context, cfg Config, log *slog.Logger, fn func(context.Context, *postgres.DB, *translation.Service) error) error {
	return withMigrated(ctx, cfg, log, func(db *postgres.DB) error {
		return fn(auth.WithViewer(ctx, auth.System()), db, translation.New(db))
	})
}

// ExportXLIFF writes the XLIFF 2.0 document of the reports with the given
// slugs (current or former) for translation into locale to out.
func ExportXLIFF(ctx context.Context, cfg Config, slugs []string, locale string, out io.Writer, log *slog.Logger) error {
	return withContent(ctx, cfg, log, func(ctx context.Context, db *postgres.DB, svc *translation.Service) error {
		ids := make([]int64, len(slugs))
		for i, s := range slugs {
			id, err := postgres.ReportIDBySlug(ctx, db, s)
			if cerr.Is(err, cerr.NotFound) {
				return fmt.Errorf("--report: no report has the slug %q", s)
			}
			if err != nil {
				return err
			}
			ids[i] = id
		}
		doc, err := svc.ExportXLIFF(ctx, ids, locale)
		if err != nil {
			return flagError(err, xliffFlags)
		}
		_, err = out.Write(doc)
		return err
	})
}

// ImportXLIFF imports the XLIFF 2.0 document read from in and prints one
// line per translation saved to out.
func ImportXLIFF(ctx context.Context, cfg Config, in io.Reader, out io.Writer, log *slog.Logger) error {
	data, err := io.ReadAll(io.LimitReader(in, 5<<20+1))
	if err != nil {
		return err
	}
	return withContent(ctx, cfg, log, func(ctx context.Context, _ *postgres.DB, svc *translation.Service) error {
		list, err := svc.ImportXLIFF(ctx, data)
		if err != nil {
			return flagError(err, xliffFlags)
		}
		for _, t := range list {
			fmt.Fprintf(out, "report %d\t%s\tversion %d\t%s\n", t.ReportID, t.Locale, t.Version, t.Status)
		}
		return nil
	})
}

// xliffFlags maps the input paths of XLIFF errors to the CLI flags.
var xliffFlags = []flagFor{{"input.locale", "--locale"}, {"input.reportIds", "--report"}}
