package main

import (
	"context"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/copydesk/copydesk/bench/internal/benchdb"
	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/identity"
	"github.com/copydesk/copydesk/internal/newsroom"
	"github.com/copydesk/copydesk/internal/pgtest"
	"github.com/copydesk/copydesk/internal/postgres"
	"github.com/copydesk/copydesk/internal/reports"
	"github.com/copydesk/copydesk/internal/richtext"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// The dataset is loaded with COPY, around the services; these tests read it
// back through copydesk's own storage and services, which must find it as
// they would have written it.
func TestTheDatasetIsWhatCopydeskWouldHaveWritten(t *testing.T) {
	ctx := auth.WithViewer(context.Background(), auth.System())
	db, err := postgres.Open(ctx, pgtest.NewDSN(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, admin, err := benchdb.AdminToken(ctx, identity.New(db), "bench-read@copydesk.invalid", "read benchmark")
	if err != nil {
		t.Fatal(err)
	}
	const n = 60
	if have, err := haveDataset(ctx, db, datasetKey(n)); err != nil || have {
		t.Fatalf("a fresh database has the dataset: %v, %v", have, err)
	}
	if err := buildDataset(ctx, db, n, admin.UserID); err != nil {
		t.Fatal(err)
	}
	if have, err := haveDataset(ctx, db, datasetKey(n)); err != nil || !have {
		t.Fatalf("the dataset is not found again after its build: %v, %v", have, err)
	}
	if _, err := haveDataset(ctx, db, datasetKey(n+1)); err == nil {
		t.Fatal("a database holding another dataset is not refused")
	}

	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	t.Run("every report's latest revision is a snapshot of its working copy, and the published ones are published at it", func(t *testing.T) {
		checkRevisions(t, ctx, db, ids)
	})
	t.Run("every translation is current", func(t *testing.T) {
		var keys []editorial.TranslationKey
		for _, id := range ids {
			if translated(id) {
				for _, loc := range targetLocales {
					keys = append(keys, editorial.TranslationKey{ReportID: id, Locale: loc})
				}
			}
		}
		states, err := newsroom.New(db).Translations.TranslationStates(ctx, keys)
		if err != nil {
			t.Fatal(err)
		}
		if len(states) != len(keys) {
			t.Fatalf("%d translation states for %d translations", len(states), len(keys))
		}
		for k, s := range states {
			if !s.Current() || s.SourceVersion != 1 || s.CurrentSourceVersion != 1 {
				t.Errorf("translation %v: %+v", k, s)
			}
		}
	})
	t.Run("the services go on writing after the dataset", func(t *testing.T) {
		svc := newsroom.New(db)
		msg := "Correct the headline"
		saved, err := svc.Reports.UpdateReport(ctx, reports.UpdateReportInput{ID: 2, ExpectedVersion: 1,
			Title: editorial.SetTo("A corrected headline"), Message: &msg})
		if err != nil {
			t.Fatal(err)
		}
		if saved.Report.Version != 2 || saved.Revision.Version != 2 {
			t.Errorf("after an update: report version %d, revision %d; want 2", saved.Report.Version, saved.Revision.Version)
		}
		created, err := svc.Reports.CreateReport(ctx, reports.CreateReportInput{Title: "A new report", SourceLocale: "en", Body: "Text.",
			Attendees: []reports.AttendeeInput{{PersonID: new(int64(1)), Participations: []editorial.Participation{"ATTENDED"}}}})
		if err != nil {
			t.Fatal(err)
		}
		if created.Report.ID != n+1 {
			t.Errorf("the next report got ID %d, want %d", created.Report.ID, n+1)
		}
	})
}

func checkRevisions(t *testing.T, ctx context.Context, db *postgres.DB, ids []int64) {
	reps, err := postgres.ReportsByIDs(ctx, db, ids)
	if err != nil {
		t.Fatal(err)
	}
	pubs, err := postgres.PublicationsByReportIDs(ctx, db, ids)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		r := reps[id]
		want := len((&report{ID: id, Status: statusOf(id)}).revisions())
		if r == nil || r.Status != statusOf(id) || r.Version != want {
			t.Fatalf("report %d: %+v, want status %s at version %d", id, r, statusOf(id), want)
		}
		if got := richtext.WordCount(r.Body); r.WordCount != got {
			t.Errorf("report %d: word count %d, the app counts %d", id, r.WordCount, got)
		}
		working, err := postgres.Snapshot(ctx, db, id)
		if err != nil {
			t.Fatal(err)
		}
		rev, err := postgres.RevisionByVersion(ctx, db, id, r.Version)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(working, rev.Snapshot); d != "" {
			t.Errorf("report %d: revision %d differs from the working copy (-working +revision):\n%s", id, r.Version, d)
		}
		pub := pubs[id]
		switch {
		case r.Status != editorial.Published && pub != nil:
			t.Errorf("report %d is %s and published", id, r.Status)
		case r.Status == editorial.Published && (pub == nil || pub.RevisionID != rev.ID || pub.Version != r.Version || r.PublishedAt == nil || !pub.FirstPublishedAt.Equal(*r.PublishedAt)):
			t.Errorf("report %d: publication %+v, want revision %d at version %d, first published at %v", id, pub, rev.ID, r.Version, r.PublishedAt)
		}
	}
}
