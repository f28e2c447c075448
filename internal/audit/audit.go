// Package audit writes copydesk's audit trail: one append-only entry per
// successful change, recorded in the same transaction as the change, so a
// change that fails (or rolls back) leaves no entry and one that commits
// always has one. Who acted and in which request come from the context.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/reqctx"
)

// Entry is one change to record.
type Entry struct {
	// Action names what happened, as "subject.verb": "report.update",
	// "report.publish", "comment.create", "user.create", "token.revoke"…
	Action string
	// SubjectType and SubjectID name the object changed ("Report", 42).
	SubjectType string
	SubjectID   int64
	// SubjectKey replaces SubjectID for objects keyed otherwise ("42:zh-Hans").
	SubjectKey string
	// ReportID links the entry to a report's history, when it concerns one.
	ReportID *int64
	// Before and After are the relevant state around the change (for a
	// workflow transition, {"status": …}); Detail anything else worth
	// keeping (a reason, a comment ID, the changed fields). Each is
	// marshalled as JSON; nil is stored as NULL.
	Before, After, Detail any
}

// Record appends e to the audit trail in tx. The actor is the context's
// viewer (auth.ViewerFrom): its user and token, or "copydesk" for the
// System viewer.
func Record(ctx context.Context, tx *postgres.Tx, e Entry) error {
	v := auth.ViewerFrom(ctx)
	row := &editorial.AuditRecord{
		ActorID: v.UserRef(), ActorName: v.Name, Action: e.Action,
		SubjectType: e.SubjectType, SubjectID: e.SubjectKey, ReportID: e.ReportID,
	}
	if row.ActorName == "" {
		row.ActorName = v.Email
	}
	if v.TokenID != 0 {
		id := v.TokenID
		row.TokenID = &id
	}
	if id := reqctx.RequestID(ctx); id != "" {
		row.RequestID = &id
	}
	if row.SubjectID == "" {
		row.SubjectID = strconv.FormatInt(e.SubjectID, 10)
	}
	var err error
	if row.Before, err = marshal(e.Before); err != nil {
		return err
	}
	if row.After, err = marshal(e.After); err != nil {
		return err
	}
	if row.Detail, err = marshal(e.Detail); err != nil {
		return err
	}
	return postgres.InsertAudit(ctx, tx, row)
}

func marshal(v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	return b, nil
}

// Write runs fn in one transaction of db and, when fn succeeds, records in
// that same transaction the entry that entry returns (nil: fn changed
// nothing, so there is nothing to record). A change and its audit entry
// commit together or not at all.
func Write(ctx context.Context, db *postgres.DB, fn func(tx *postgres.Tx) error, entry func() *Entry) error {
	return db.InTx(ctx, func(tx *postgres.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		if e := entry(); e != nil {
			return Record(ctx, tx, *e)
		}
		return nil
	})
}

// IfChanged returns e when an update moved the object past the version the
// caller edited, and nil for an update that changed nothing (so Write
// records no entry).
func IfChanged(version, expected int, e Entry) *Entry {
	if version == expected {
		return nil
	}
	return &e
}
