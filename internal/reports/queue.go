package reports

import (
	"context"
	"time"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/postgres"
)

// Queue is a user's work list: report IDs.
type Queue struct {
	// AwaitingReview: IN_REVIEW reports assigned to the user that they have
	// not approved in their current version, oldest first.
	AwaitingReview []int64
	// ChangesRequested: reports the user created that are CHANGES_REQUESTED, newest first.
	ChangesRequested []int64
	// ScheduledToday: reports whose publish job runs on day (in loc), in the order they run.
	ScheduledToday []int64
}

// Queue returns user userID's work lists, with "today" the calendar day of
// day in loc (nil: UTC). One query per list.
func (s *Service) Queue(ctx context.Context, userID int64, day time.Time, loc *time.Location) (Queue, error) {
	var q Queue
	if _, err := auth.Gate(ctx); err != nil {
		return q, err
	}
	if loc == nil {
		loc = time.UTC
	}
	d := day.In(loc)
	from := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
	to := time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc)
	var err error
	if q.AwaitingReview, err = postgres.ReportsAwaitingReview(ctx, s.DB, userID); err != nil {
		return q, err
	}
	if q.ChangesRequested, err = postgres.ReportsWithChangesRequested(ctx, s.DB, userID); err != nil {
		return q, err
	}
	q.ScheduledToday, err = postgres.ReportsScheduledBetween(ctx, s.DB, from, to)
	return q, err
}
