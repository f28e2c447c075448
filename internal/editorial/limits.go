package editorial

// Limits on what a report and its relations may hold. The database enforces
// the same numbers with CHECK constraints (migration 00002).
const (
	MaxTitle      = 300     // characters
	MaxSubtitle   = 500     // characters
	MaxSummary    = 3000    // characters
	MaxBodyBytes  = 1 << 20 // bytes of UTF-8
	MaxSection    = 100     // characters
	MaxTags       = 50      // per report
	MaxAuthors    = 20      // per report
	MaxAttendees  = 500     // per report
	MaxRole       = 500     // characters
	MaxNote       = 2000    // characters
	MaxDelegation = 300     // characters
	MaxMessage    = 1000    // characters of a revision message
	MaxOrgName    = 300     // characters
	MaxPersonName = 200     // characters
	MaxTagName    = 100     // characters
	MaxTagDesc    = 1000    // characters
	MaxEventName  = 300     // characters
	MaxPlace      = 300     // characters of venue; city and region 200
	MaxAcronym    = 40      // characters
	MaxMerge      = 50      // entries merged in one call
	MaxFigures    = 50      // per event
)
