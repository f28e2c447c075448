-- +goose Up
-- Translations that never silently drift out of date
-- (internal/content/translation_workflow.go). Each translated field
-- remembers the source content version it was translated from or confirmed
-- against; a field is stale when the source field changed since. The
-- workflow is MISSING (no row) → IN_PROGRESS → IN_REVIEW → APPROVED, and
-- translators are assigned per report and locale.

-- translation_source_value is the text of a translatable field in a
-- revision snapshot (see editorial.Snapshot): title, subtitle, summary,
-- body, or attendees.<attendeeID>.role / .note. NULL when the snapshot has
-- no text there (an empty body counts as none) or the field is no such name.
-- +goose StatementBegin
CREATE FUNCTION translation_source_value(snapshot jsonb, field text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT NULLIF(CASE
        WHEN field IN ('title', 'subtitle', 'summary', 'body') THEN snapshot ->> field
        WHEN field ~ '^attendees\.[1-9][0-9]{0,17}\.(role|note)$' THEN
            jsonb_path_query_first(snapshot, '$.attendees[*] ? (@.id == $id)',
                jsonb_build_object('id', split_part(field, '.', 2)::bigint)) ->> split_part(field, '.', 3)
    END, '')
$$;
-- +goose StatementEnd

-- Who last changed a translation's text: that user may not approve it
-- (auth.ReviewTranslation).
ALTER TABLE report_translations ADD COLUMN edited_by bigint REFERENCES users (id) ON DELETE SET NULL;

-- One row per translated field whose source field has text: the source
-- content version (reports.content_version) it was translated from or
-- confirmed against. report_translations.source_version is the oldest of
-- them. attendee_id (derived from the field name) ties attendee fields to
-- the attendee, so they go when the attendee leaves the report.
CREATE TABLE translation_fields (
    report_id      bigint NOT NULL,
    locale         text NOT NULL,
    field          text NOT NULL CONSTRAINT translation_fields_field_check
                       CHECK (field ~ '^(title|subtitle|summary|body|attendees\.[1-9][0-9]{0,17}\.(role|note))$'),
    source_version integer NOT NULL CONSTRAINT translation_fields_source_version_check CHECK (source_version > 0),
    attendee_id    bigint GENERATED ALWAYS AS (
                       CASE WHEN field ~ '^attendees\.[1-9][0-9]{0,17}\.(role|note)$' THEN split_part(field, '.', 2)::bigint END) STORED,
    PRIMARY KEY (report_id, locale, field),
    CONSTRAINT translation_fields_translation_fkey FOREIGN KEY (report_id, locale)
        REFERENCES report_translations (report_id, locale) ON DELETE CASCADE,
    -- An attendee field names an attendee of the translation's own report.
    CONSTRAINT translation_fields_attendee_fkey FOREIGN KEY (attendee_id, report_id)
        REFERENCES report_attendees (id, report_id) ON DELETE CASCADE
);
CREATE INDEX translation_fields_attendee ON translation_fields (attendee_id) WHERE attendee_id IS NOT NULL;

-- Existing translations: every field with text on both sides was
-- translated from the translation's source_version (the revision recorded
-- then; the report as it is when that revision is missing).
INSERT INTO translation_fields (report_id, locale, field, source_version)
SELECT t.report_id, t.locale, f.field, t.source_version
FROM report_translations t
JOIN reports r ON r.id = t.report_id
LEFT JOIN report_revisions v ON v.report_id = t.report_id AND v.version = t.source_version
CROSS JOIN LATERAL (
    SELECT COALESCE(v.snapshot, jsonb_build_object('title', r.title, 'subtitle', r.subtitle, 'summary', r.summary, 'body', r.body,
        'attendees', (SELECT COALESCE(jsonb_agg(jsonb_build_object('id', a.id, 'role', a.role, 'note', a.note)), '[]')
                      FROM report_attendees a WHERE a.report_id = r.id))) AS snapshot
) s
CROSS JOIN LATERAL (
    SELECT 'title' AS field, t.title AS text
    UNION ALL SELECT 'subtitle', t.subtitle
    UNION ALL SELECT 'summary', t.summary
    UNION ALL SELECT 'body', NULLIF(t.body, '')
    UNION ALL SELECT 'attendees.' || a.id || '.' || k.kind, k.text
        FROM report_attendees a
        JOIN report_attendee_translations at ON at.attendee_id = a.id AND at.locale = t.locale
        CROSS JOIN LATERAL (VALUES ('role', at.role), ('note', at.note)) AS k(kind, text)
        WHERE a.report_id = t.report_id
) f
WHERE NULLIF(btrim(f.text), '') IS NOT NULL AND translation_source_value(s.snapshot, f.field) IS NOT NULL;

-- The translator assigned to a report's translation into a locale (which
-- need not exist yet).
CREATE TABLE translation_assignments (
    report_id   bigint NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    locale      text NOT NULL CONSTRAINT translation_assignments_locale_check CHECK (locale ~ '^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$'),
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    assigned_by bigint REFERENCES users (id) ON DELETE SET NULL,
    assigned_at timestamptz NOT NULL,
    PRIMARY KEY (report_id, locale)
);
CREATE INDEX translation_assignments_user ON translation_assignments (user_id, locale);
-- Nobody is assigned to translate a report into its own source locale.
CREATE TRIGGER translation_assignments_not_source BEFORE INSERT OR UPDATE OF report_id, locale ON translation_assignments
    FOR EACH ROW EXECUTE FUNCTION forbid_source_locale_translation();

-- +goose Down
DROP TABLE translation_assignments;
DROP TABLE translation_fields;
ALTER TABLE report_translations DROP COLUMN edited_by;
DROP FUNCTION translation_source_value(jsonb, text);
