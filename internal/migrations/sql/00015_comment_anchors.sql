-- +goose Up
-- Comment anchors follow edits (package comments, FollowEdit). A thread
-- anchored to a range of a text field keeps two texts:
--
--   quote          the text quoted when the comment was made; it never
--                  changes, and stays when the thread loses its range;
--   current_quote  the text the range covers now: when the field is edited
--                  the range moves along the diff and current_quote is that
--                  range's text, so char_length(current_quote) is always
--                  range_end - range_start.
--
-- When the quoted text is gone (deleted or rewritten), or the attendee a
-- thread is about leaves the report, the thread is outdated: outdated_at
-- says since when, and a text anchor has no range any more (range_start,
-- range_end and current_quote are NULL) while quote keeps what it said.
-- Outdated is for good: a later edit does not anchor the thread again.
-- Only the report's source texts carry anchors: translations have none.
ALTER TABLE comments
    ADD COLUMN current_quote text,
    ADD COLUMN outdated_at timestamptz,
    DROP CONSTRAINT comments_range_check;

-- Until now ranges did not follow edits, so a range may already point at
-- other words. A range that still covers its quote keeps it; any other is
-- outdated now (rather than guessed at: the quote may occur elsewhere, or
-- not at all). So is an attendee anchor whose attendee already left.
WITH anchored AS (
    SELECT c.id, coalesce(CASE c.field WHEN 'title' THEN r.title WHEN 'subtitle' THEN r.subtitle
        WHEN 'summary' THEN r.summary WHEN 'body' THEN r.body END, '') AS text
    FROM comments c JOIN reports r ON r.id = c.report_id
    WHERE c.range_start IS NOT NULL
)
UPDATE comments c SET current_quote = c.quote
FROM anchored a
WHERE a.id = c.id AND c.range_end <= char_length(a.text)
    AND substr(a.text, c.range_start + 1, c.range_end - c.range_start) = c.quote;
UPDATE comments SET range_start = NULL, range_end = NULL, outdated_at = now()
WHERE range_start IS NOT NULL AND current_quote IS NULL;
UPDATE comments SET outdated_at = now()
WHERE parent_id IS NULL AND field = 'attendee' AND attendee_id IS NULL;

-- (As in 00006: written so that no NULL makes a check pass by being unknown.)
ALTER TABLE comments
    -- A range, its current text and the original quote go together, on a
    -- text field, on a thread that is not outdated.
    ADD CONSTRAINT comments_range_check CHECK (
        (range_start IS NULL AND range_end IS NULL AND current_quote IS NULL)
        OR (range_start IS NOT NULL AND range_end IS NOT NULL AND current_quote IS NOT NULL AND quote IS NOT NULL
            AND outdated_at IS NULL
            AND coalesce(field IN ('title', 'subtitle', 'summary', 'body'), false)
            AND 0 <= range_start AND range_start <= range_end
            AND char_length(current_quote) = range_end - range_start)),
    -- A quote without a range is an outdated text anchor; an outdated thread
    -- is a root that lost its range (keeping its quote, on a text field) or
    -- its attendee.
    ADD CONSTRAINT comments_outdated_check CHECK (CASE WHEN outdated_at IS NULL THEN quote IS NULL OR range_start IS NOT NULL
        ELSE parent_id IS NULL AND range_start IS NULL AND CASE WHEN quote IS NOT NULL
            THEN coalesce(field IN ('title', 'subtitle', 'summary', 'body'), false)
            ELSE coalesce(field = 'attendee', false) AND attendee_id IS NULL END END);

-- +goose Down
-- The old schema has no place for an outdated thread's quote (a quote went
-- with a range), and its quote had to match the range: an outdated thread
-- goes back to an anchor on the whole field, and a moved range keeps the
-- text it covers now.
ALTER TABLE comments
    DROP CONSTRAINT comments_outdated_check,
    DROP CONSTRAINT comments_range_check;
UPDATE comments SET quote = NULL WHERE range_start IS NULL AND quote IS NOT NULL;
UPDATE comments SET quote = current_quote WHERE range_start IS NOT NULL AND quote IS DISTINCT FROM current_quote;
ALTER TABLE comments
    DROP COLUMN outdated_at,
    DROP COLUMN current_quote,
    ADD CONSTRAINT comments_range_check CHECK (
        (range_start IS NULL AND range_end IS NULL AND quote IS NULL)
        OR (range_start IS NOT NULL AND range_end IS NOT NULL AND quote IS NOT NULL
            AND coalesce(field IN ('title', 'subtitle', 'summary', 'body'), false)
            AND 0 <= range_start AND range_start <= range_end
            AND char_length(quote) = range_end - range_start));
