-- +goose Up
-- Corrections and takedowns (internal/workflow, internal/reports).
--
-- TAKEN_DOWN: a report removed from every public surface by a takedown
-- (with an audited reason). Unlike UNPUBLISHED, a plain publish cannot
-- bring it back: an editor must lift the takedown first (liftTakedown),
-- which leaves it UNPUBLISHED (or APPROVED, if it was never published).
ALTER TABLE reports DROP CONSTRAINT reports_status_check,
    ADD CONSTRAINT reports_status_check CHECK (status IN ('DRAFT', 'IN_REVIEW', 'CHANGES_REQUESTED', 'APPROVED', 'SCHEDULED', 'PUBLISHED', 'UNPUBLISHED', 'TAKEN_DOWN', 'ARCHIVED'));

-- Public correction notes: one per republication that carried one, kept
-- with the report for good. A note is public content: it is written in the
-- transaction of the republication (never before), and the public reads it
-- from the report's public document (published.Build), so it reaches
-- readers with the corrected text and leaves with the report. Plain text,
-- in the report's source locale at the time (locale).
CREATE TABLE report_corrections (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_id   bigint NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    -- The revision the republication published (one correction per publication).
    revision_id bigint NOT NULL CONSTRAINT report_corrections_revision_key UNIQUE,
    version     integer NOT NULL CONSTRAINT report_corrections_version_check CHECK (version > 0),
    locale      text NOT NULL CONSTRAINT report_corrections_locale_check CHECK (locale ~ '^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$'),
    note        text NOT NULL CONSTRAINT report_corrections_note_check CHECK (btrim(note) <> '' AND char_length(note) <= 2000),
    created_by  bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL,
    -- The revision is one of the report's own.
    CONSTRAINT report_corrections_revision_fkey FOREIGN KEY (revision_id, report_id) REFERENCES report_revisions (id, report_id)
);
CREATE INDEX report_corrections_report ON report_corrections (report_id, created_at DESC, id DESC);

-- +goose Down
-- A database going back before 00016 cannot hold TAKEN_DOWN: such reports
-- become what liftTakedown would make them, UNPUBLISHED (APPROVED if never
-- published): still off the public site, but a plain publish would bring
-- them back, so review them by hand afterwards. The correction notes are
-- dropped (their publish audit entries keep the text).
DROP TABLE report_corrections;
UPDATE reports r SET status = CASE WHEN EXISTS (SELECT 1 FROM report_publications p WHERE p.report_id = r.id) THEN 'UNPUBLISHED' ELSE 'APPROVED' END
WHERE status = 'TAKEN_DOWN';
UPDATE reports r SET status_before_archive = CASE WHEN EXISTS (SELECT 1 FROM report_publications p WHERE p.report_id = r.id) THEN 'UNPUBLISHED' ELSE 'APPROVED' END
WHERE status_before_archive = 'TAKEN_DOWN';
ALTER TABLE reports DROP CONSTRAINT reports_status_check,
    ADD CONSTRAINT reports_status_check CHECK (status IN ('DRAFT', 'IN_REVIEW', 'CHANGES_REQUESTED', 'APPROVED', 'SCHEDULED', 'PUBLISHED', 'UNPUBLISHED', 'ARCHIVED'));
