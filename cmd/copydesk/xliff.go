package main

import (
	"context"
	"errors"
	"io"
	"os"

	"github.com/copydesk/copydesk/internal/app"
)

const xliffUsage = `Exchange translations with an agency as XLIFF 2.0.

Usage:
  copydesk xliff export --locale L --report SLUG [--report SLUG2 …] [--out FILE]
                    write the reports' source texts and existing translations
                    (default: to stdout)
  copydesk xliff import [--in FILE]
                    import a translated document (default: from stdin); nothing
                    is saved unless every file in it is accepted

Run 'copydesk xliff export --help' for its flags.
`

func xliffCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	sub, args, err := subcommand(args, xliffUsage, stderr, "export", "import")
	if err != nil {
		return err
	}
	var c common
	switch sub {
	case "export":
		fs := newFlagSet("xliff export", "Write an XLIFF 2.0 document of the reports for translation into --locale: one <file> per report, one <unit> per field with source text, existing translations as targets.", stderr)
		c.register(fs)
		loc := fs.String("locale", "", "the target locale, BCP 47, e.g. zh-Hans (required)")
		outPath := fs.String("out", "", "write the document to this file instead of stdout")
		var reports listFlag
		fs.Var(&reports, "report", "the slug of a report to export (required; repeat, or separate with commas; at most 50, one source locale)")
		if err := parseOnly(fs, args); err != nil {
			return err
		}
		if err := required("locale", *loc); err != nil {
			return err
		}
		if len(reports) == 0 {
			return errors.New("--report is required: give the slug of at least one report")
		}
		log, err := c.logger(stderr)
		if err != nil {
			return err
		}
		out := stdout
		if *outPath != "" {
			f, err := os.Create(*outPath)
			if err != nil {
				return err
			}
			defer f.Close()
			out = f
		}
		return app.ExportXLIFF(ctx, c.config(), reports, *loc, out, log)
	default: // import
		fs := newFlagSet("xliff import", "Import a translated XLIFF 2.0 document (as 'copydesk xliff export' or the xliffExport query make it). It is refused, whole, when a report's source or translation changed since the export. Prints one line per translation saved.", stderr)
		c.register(fs)
		inPath := fs.String("in", "", "read the document from this file instead of stdin")
		if err := parseOnly(fs, args); err != nil {
			return err
		}
		log, err := c.logger(stderr)
		if err != nil {
			return err
		}
		in := stdin
		if *inPath != "" {
			f, err := os.Open(*inPath)
			if err != nil {
				return err
			}
			defer f.Close()
			in = f
		}
		return app.ImportXLIFF(ctx, c.config(), in, stdout, log)
	}
}
