-- +goose Up
-- The audit trail: one append-only row per successful change, written in
-- the same transaction as the change (so a failed change leaves none).
CREATE TABLE audit_log (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           timestamptz NOT NULL,
    actor_id     bigint REFERENCES users (id) ON DELETE SET NULL,
    actor_name   text NOT NULL,                 -- kept as it was, even if the user is renamed or deleted
    token_id     bigint,                        -- the API token used, if any
    request_id   text,
    action       text NOT NULL CONSTRAINT audit_log_action_check CHECK (action ~ '^[a-z]+(\.[a-zA-Z]+)+$'),
    subject_type text NOT NULL,
    subject_id   text NOT NULL,
    report_id    bigint REFERENCES reports (id) ON DELETE SET NULL,
    before_state jsonb,
    after_state  jsonb,
    detail       jsonb
);
CREATE INDEX audit_log_report ON audit_log (report_id, id DESC) WHERE report_id IS NOT NULL;
CREATE INDEX audit_log_at ON audit_log (id DESC);

-- +goose StatementBegin
CREATE FUNCTION forbid_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The only change allowed is the foreign keys' ON DELETE SET NULL when a
    -- user or report is deleted: the entry keeps actor_name and subject_id.
    IF TG_OP = 'UPDATE'
        AND (NEW.actor_id IS NULL OR NEW.actor_id = OLD.actor_id)
        AND (NEW.report_id IS NULL OR NEW.report_id = OLD.report_id)
        AND to_jsonb(NEW) - 'actor_id' - 'report_id' = to_jsonb(OLD) - 'actor_id' - 'report_id' THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'check_violation', CONSTRAINT = 'audit_log_append_only';
END $$;
-- +goose StatementEnd
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION forbid_audit_change();

-- +goose Down
DROP TABLE audit_log;
DROP FUNCTION forbid_audit_change();
