-- +goose Up
-- The editorial workflow (internal/workflow): reviewers and their
-- approvals, the published snapshot of each report, embargoes, and the
-- publish jobs the scheduler runs.

-- embargo_until: the report may not be published before this instant.
-- content_version: the version at which the report's content (what a
-- revision snapshot holds) last changed. Workflow transitions record
-- versions too, without changing the content; approvals count, and a
-- publication is current, against this version.
ALTER TABLE reports
    ADD COLUMN embargo_until timestamptz,
    ADD COLUMN content_version integer NOT NULL DEFAULT 1 CONSTRAINT reports_content_version_check CHECK (content_version > 0);
UPDATE reports SET content_version = version;

-- The report as the public reads it: the revision its last publish
-- recorded. version is that revision's version; the report has unpublished
-- changes when its content_version is greater.
CREATE UNIQUE INDEX report_revisions_id_report_key ON report_revisions (id, report_id);
CREATE TABLE report_publications (
    report_id          bigint PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE,
    revision_id        bigint NOT NULL REFERENCES report_revisions (id),
    version            integer NOT NULL CONSTRAINT report_publications_version_check CHECK (version > 0),
    first_published_at timestamptz NOT NULL,
    published_at       timestamptz NOT NULL,
    -- The revision is one of the report's own.
    CONSTRAINT report_publications_revision_fkey FOREIGN KEY (revision_id, report_id) REFERENCES report_revisions (id, report_id),
    CONSTRAINT report_publications_times_check CHECK (first_published_at <= published_at)
);
CREATE INDEX report_publications_revision ON report_publications (revision_id);

-- Reports that are already PUBLISHED are published as they are now.
INSERT INTO report_publications (report_id, revision_id, version, first_published_at, published_at)
SELECT r.id, v.id, v.version, COALESCE(r.published_at, v.created_at), GREATEST(COALESCE(r.published_at, v.created_at), v.created_at)
FROM reports r JOIN report_revisions v ON v.report_id = r.id AND v.version = r.version
WHERE r.status = 'PUBLISHED';

-- A report created PUBLISHED (by an import or the demo loader) is
-- published as created: its first revision becomes its publication.
-- +goose StatementBegin
CREATE FUNCTION publish_created_report() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_publications (report_id, revision_id, version, first_published_at, published_at)
    SELECT r.id, NEW.id, NEW.version, COALESCE(r.published_at, NEW.created_at), GREATEST(COALESCE(r.published_at, NEW.created_at), NEW.created_at)
    FROM reports r WHERE r.id = NEW.report_id AND r.status = 'PUBLISHED'
    ON CONFLICT (report_id) DO NOTHING;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER report_revisions_publish_created AFTER INSERT ON report_revisions
    FOR EACH ROW WHEN (NEW.version = 1) EXECUTE FUNCTION publish_created_report();

-- The reviewers assigned to a report (the list is replaced as a whole).
CREATE TABLE review_assignments (
    report_id   bigint NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    assigned_by bigint REFERENCES users (id) ON DELETE SET NULL,
    assigned_at timestamptz NOT NULL,
    PRIMARY KEY (report_id, user_id)
);
CREATE INDEX review_assignments_user ON review_assignments (user_id, report_id);

-- Every approval ever given, with the version approved. Only approvals of
-- a version at or after the report's content_version count.
CREATE TABLE report_approvals (
    report_id   bigint NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    version     integer NOT NULL CONSTRAINT report_approvals_version_check CHECK (version > 0),
    approved_at timestamptz NOT NULL,
    PRIMARY KEY (report_id, user_id, version)
);
CREATE INDEX report_approvals_user ON report_approvals (user_id, report_id);

-- A SCHEDULED report's publish job, claimed by the scheduler with
-- FOR UPDATE SKIP LOCKED when run_at has come.
CREATE TABLE publish_jobs (
    report_id  bigint PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE,
    run_at     timestamptz NOT NULL,
    time_zone  text NOT NULL CONSTRAINT publish_jobs_time_zone_check CHECK (btrim(time_zone) <> '' AND char_length(time_zone) <= 100),
    created_by bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX publish_jobs_run_at ON publish_jobs (run_at);

-- +goose Down
DROP TABLE publish_jobs;
DROP TABLE report_approvals;
DROP TABLE review_assignments;
DROP TRIGGER report_revisions_publish_created ON report_revisions;
DROP FUNCTION publish_created_report();
DROP TABLE report_publications;
DROP INDEX report_revisions_id_report_key;
ALTER TABLE reports DROP COLUMN content_version, DROP COLUMN embargo_until;
