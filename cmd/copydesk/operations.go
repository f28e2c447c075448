package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/copydesk/copydesk/internal/app"
)

const operationsUsage = `Manage persisted GraphQL operations (README, "Persisted operations").

Usage:
  copydesk operations register FILE
                    register a frontend's persisted-query manifest (Apollo
                    persisted-query-manifest.json, or Relay persisted-queries.json
                    built with SHA-256); all of it or, if an entry is bad, none.
                    FILE - reads standard input
  copydesk operations list [--source apq|manifest]
                    print the registered operations, newest first
  copydesk operations unregister HASH [HASH …]
                    remove operations: clients can no longer run them by hash
`

func operationsCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	sub, args, err := subcommand(args, operationsUsage, stderr, "register", "list", "unregister")
	if err != nil {
		return err
	}
	var c common
	switch sub {
	case "register":
		fs := newFlagSet("operations register FILE", "Register the operations of a persisted-query manifest, validated against the schema: every one, or none.", stderr)
		c.register(fs)
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			fs.Usage()
			return errors.New("give one manifest FILE (- for standard input)")
		}
		var data []byte
		if fs.Arg(0) == "-" {
			data, err = io.ReadAll(stdin)
		} else {
			data, err = os.ReadFile(fs.Arg(0))
		}
		if err != nil {
			return fmt.Errorf("reading the manifest: %w", err)
		}
		log, err := c.logger(stderr)
		if err != nil {
			return err
		}
		return app.RegisterOperations(ctx, c.config(), data, stdout, log)
	case "list":
		fs := newFlagSet("operations list", "Print the registered operations: hash, source, name, creation and last use.", stderr)
		c.register(fs)
		source := fs.String("source", "", "only operations registered this way: apq or manifest (default both)")
		if err := parseOnly(fs, args); err != nil {
			return err
		}
		log, err := c.logger(stderr)
		if err != nil {
			return err
		}
		return app.ListOperations(ctx, c.config(), *source, stdout, log)
	default: // unregister
		fs := newFlagSet("operations unregister HASH…", "Remove persisted operations by hash; every hash must be registered, else nothing is removed.", stderr)
		c.register(fs)
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			fs.Usage()
			return errors.New("give at least one HASH (see 'copydesk operations list')")
		}
		log, err := c.logger(stderr)
		if err != nil {
			return err
		}
		return app.UnregisterOperations(ctx, c.config(), fs.Args(), stdout, log)
	}
}
