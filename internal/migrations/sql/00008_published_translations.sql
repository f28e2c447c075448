-- +goose Up
-- What readers see of a translation: the text as it was last approved.
-- Editing an approved translation sends the working copy back to
-- IN_PROGRESS (internal/content); readers keep the approved text until the
-- new one is approved, as they keep a report's published snapshot while its
-- draft is edited. Public reads (postgres.Audience Public) read only these
-- tables, and only for reports that are published.
CREATE TABLE published_translations (
    report_id      bigint NOT NULL,
    locale         text NOT NULL,
    title          text NOT NULL,
    subtitle       text,
    summary        text,
    body           text NOT NULL,
    source_version integer NOT NULL,
    -- The working translation's version that was approved.
    version        integer NOT NULL,
    created_at     timestamptz NOT NULL,
    approved_at    timestamptz NOT NULL,
    PRIMARY KEY (report_id, locale),
    -- Deleting a translation withdraws it from readers.
    FOREIGN KEY (report_id, locale) REFERENCES report_translations (report_id, locale) ON DELETE CASCADE
);

-- Attendee roles and notes as approved, with the attendee's position then
-- (the published attendee list is a snapshot too, so no foreign key to
-- report_attendees: an attendee removed from the draft keeps its approved
-- role in the published copy until the report is republished).
CREATE TABLE published_attendee_translations (
    report_id   bigint NOT NULL,
    locale      text NOT NULL,
    attendee_id bigint NOT NULL,
    position    integer NOT NULL,
    role        text,
    note        text,
    PRIMARY KEY (report_id, locale, attendee_id),
    FOREIGN KEY (report_id, locale) REFERENCES published_translations (report_id, locale) ON DELETE CASCADE
);

INSERT INTO published_translations (report_id, locale, title, subtitle, summary, body, source_version, version, created_at, approved_at)
SELECT report_id, locale, title, subtitle, summary, body, source_version, version, created_at, updated_at
FROM report_translations WHERE status = 'APPROVED';

INSERT INTO published_attendee_translations (report_id, locale, attendee_id, position, role, note)
SELECT a.report_id, t.locale, t.attendee_id, a.position, t.role, t.note
FROM report_attendee_translations t
JOIN report_attendees a ON a.id = t.attendee_id
JOIN published_translations p ON p.report_id = a.report_id AND p.locale = t.locale;

-- +goose Down
DROP TABLE published_attendee_translations;
DROP TABLE published_translations;
