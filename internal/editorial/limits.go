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

// Limits of the other editorial objects. Each service checks its own; the
// database backs the text lengths with CHECK constraints where it stores them.
const (
	// Events.
	MaxCityRegion  = 200 // characters of an event's city or region
	MaxOrganizers  = 50  // organizations per event
	MaxFigureLabel = 300 // characters
	MaxFigureItems = 300 // channels or countries per figure
	// MaxFigureValue is the largest figure: 2^53 - 1, the largest integer a
	// JSON client that reads numbers as doubles (every browser) keeps exact.
	MaxFigureValue = 1<<53 - 1
	MaxChannel     = 100 // characters

	// Workflow transitions.
	MaxComment   = 10000 // characters of a requestChanges comment
	MaxReason    = 1000  // characters of an unpublish, takedown or lift-takedown reason
	MaxReviewers = 20    // reviewers assigned to one report

	// Corrections (migration 00016 backs MaxCorrection).
	MaxCorrection = 2000 // characters of a correction note (plain text)

	// Comments (migration 00006 backs MaxCommentBody).
	MaxCommentBody = 10000 // characters (Unicode code points) of Markdown
	MaxMentions    = 50    // users mentioned by one comment

	// Translations.
	MaxXLIFFReports = 50 // reports in one XLIFF export

	// Users, desks and tokens.
	MaxEmail     = 254
	MaxUserName  = 200
	MaxDeskName  = 100
	MaxTokenName = 100
	MaxGrants    = 50
	MaxLocales   = 50

	// MaxPage is the largest page any list returns.
	MaxPage = 100
)
