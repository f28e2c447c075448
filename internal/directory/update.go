package directory

import (
	"context"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/copydesk/copydesk/internal/audit"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/published"
)

// The pipelines every directory entry (tag, person, organization, event)
// goes through; each entity brings only its own steps: an entity value, and
// on its inputs a check method (validation, outside the transaction) that
// returns the step to run inside it (complete for a create, apply for an
// update).
//
// create: check the viewer may edit the directory (for tags: may create
// tags, entity.mayCreate), check the input, then in one transaction
// complete the entry (resolve what it refers to), insert it and record
// "<kind>.create".
//
// update: check the viewer and the input the same way, then in one
// transaction lock the entry (NOT_FOUND on input.id), refuse it when it is no
// longer at the expected version (CONFLICT on input.expectedVersion), apply
// the change to a copy and, unless the copy is the same as before, write it
// and record "<kind>.update". An update that changes nothing returns the
// entry as it is, version unchanged, and records nothing.

// entity is what the pipelines need to know of one kind of directory entry.
type entity[T any] struct {
	// kind is the audit subject type ("Tag"). Lower-cased, it starts the
	// audit action ("tag.update") and names the entry in messages ("The tag").
	kind string
	// head returns what the pipelines read of an entry.
	head func(*T) (id int64, name string, version int)
	// lock reads an entry and locks it until the transaction ends.
	lock func(context.Context, *postgres.Tx, int64) (*T, error)
	// insert stores a new entry, with what hangs off it, setting its ID,
	// version and timestamps.
	insert func(context.Context, *postgres.Tx, *T) error
	// same reports whether an update leaves an entry as it was.
	same func(a, b *T) bool
	// write stores next, the changed copy of cur, and bumps its version.
	write func(ctx context.Context, tx *postgres.Tx, cur, next *T) error
	// ref names an entry in public documents (postgres.RefPerson…): an
	// update queues the documents that show it for rebuilding.
	ref func(id int64) string
	// mayCreate, when set, decides who may create an entry (checked entry
	// t) in place of auth.EditDirectory: tags, whose creators the desk
	// settings name. It runs once the viewer passed auth.Gate and the input
	// its checks, before the transaction.
	mayCreate func(ctx context.Context, s *Service, t *T) error
}

// completeStep finishes a checked new entry in the transaction: it resolves
// what the entry refers to and checks what only the database can tell.
type completeStep[T any] func(ctx context.Context, tx *postgres.Tx, t *T) error

// applyStep applies a checked change to next, a copy of cur, in the
// transaction.
type applyStep[T any] func(ctx context.Context, tx *postgres.Tx, cur, next *T) error

// create runs the create pipeline. check returns the checked entry and the
// step that completes it; the step runs on a fresh copy of the entry, since
// the transaction may run again.
func create[T any](ctx context.Context, s *Service, e entity[T], check func() (*T, completeStep[T], error)) (*T, error) {
	if e.mayCreate == nil {
		if err := allowed(ctx, auth.EditDirectory); err != nil {
			return nil, err
		}
	} else if _, err := auth.Gate(ctx); err != nil {
		return nil, err
	}
	checked, complete, err := check()
	if err != nil {
		return nil, err
	}
	if e.mayCreate != nil {
		if err := e.mayCreate(ctx, s, checked); err != nil {
			return nil, err
		}
	}
	var out *T
	err = audit.Write(ctx, s.DB, func(tx *postgres.Tx) error {
		t := *checked
		if err := complete(ctx, tx, &t); err != nil {
			return err
		}
		if err := e.insert(ctx, tx, &t); err != nil {
			return err
		}
		out = &t
		return nil
	}, func() *audit.Entry {
		id, _, _ := e.head(out)
		return &audit.Entry{Action: strings.ToLower(e.kind) + ".create", SubjectType: e.kind, SubjectID: id, After: out}
	})
	return out, err
}

// update runs the update pipeline on entry id, which must be at version
// expected. check returns the step that applies the checked change.
func update[T any](ctx context.Context, s *Service, e entity[T], id int64, expected int, check func() (applyStep[T], error)) (*T, error) {
	if err := allowed(ctx, auth.EditDirectory); err != nil {
		return nil, err
	}
	apply, err := check()
	if err != nil {
		return nil, err
	}
	var out *T
	err = audit.Write(ctx, s.DB, func(tx *postgres.Tx) error {
		cur, err := e.lock(ctx, tx, id)
		if err != nil {
			return cerr.DefaultField(err, "input.id")
		}
		if _, name, version := e.head(cur); version != expected {
			return stale("The "+strings.ToLower(e.kind), name, version)
		}
		next := *cur
		if err := apply(ctx, tx, cur, &next); err != nil {
			return err
		}
		if e.same(cur, &next) {
			out = cur
			return nil
		}
		if err := e.write(ctx, tx, cur, &next); err != nil {
			return err
		}
		out = &next
		return published.Queue(ctx, tx, e.ref(id))
	}, func() *audit.Entry {
		outID, _, version := e.head(out)
		return audit.IfChanged(version, expected, audit.Entry{Action: strings.ToLower(e.kind) + ".update", SubjectType: e.kind, SubjectID: outID, After: out})
	})
	return out, err
}

// allowed checks that the viewer may take action a on the directory.
func allowed(ctx context.Context, a auth.Action) error {
	return auth.Check(auth.ViewerFrom(ctx), a, auth.Resource{})
}

// writeRow is the write of an entry that is one row and nothing else.
func writeRow[T any](store func(context.Context, *postgres.Tx, *T) error) func(ctx context.Context, tx *postgres.Tx, cur, next *T) error {
	return func(ctx context.Context, tx *postgres.Tx, _, next *T) error { return store(ctx, tx, next) }
}

// firstError returns the first of errs that is not nil. The checks that
// give errs have all run by then; they are independent of one another, so
// this is the error of the first check that fails, as if they had run one by
// one.
func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// into sets *dst to what check makes of v.
func into[V, W any](dst *W, check func(V) (W, error), v V) error {
	var err error
	*dst, err = check(v)
	return err
}

// checkSet replaces the value of f, when it is set, by what check makes of
// it; an unset field is left alone, unchecked.
func checkSet[V any](f *editorial.Field[V], check func(V) (V, error)) error {
	if !f.Set {
		return nil
	}
	return into(&f.Value, check, f.Value)
}

// put sets *dst to the value of f when f is set.
func put[V any](dst *V, f editorial.Field[V]) {
	if f.Set {
		*dst = f.Value
	}
}

// setParent sets *dst to the parent f names when f is set, resolved and
// checked as the new parent of entry id, named name (resolveParent).
func setParent(ctx context.Context, q sqlx.QueryerContext, kind string, id int64, name string, dst **int64, f editorial.Field[*int64]) error {
	if !f.Set {
		return nil
	}
	parent, err := resolveParent(ctx, q, kind, "input.parentId", id, name, f.Value)
	if err != nil {
		return err
	}
	*dst = parent
	return nil
}

// stale is the CONFLICT for an update made against an old version.
func stale(what, name string, current int) error {
	e := cerr.FieldErrorf(cerr.Conflict, "input.expectedVersion",
		"%s %q was changed by someone else and is now at version %d. Reload it and apply your change again.", what, name, current)
	return e.WithDetail("currentVersion", current)
}
