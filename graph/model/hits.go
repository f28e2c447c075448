package model

import "context"

// Hits returns where report reportID matched a search (nil: it is not on
// the page). A page's Hits reads every hit of the page the first time it
// is called, and shares the result.
type Hits func(ctx context.Context, reportID int64) (*SearchHit, error)
