-- The audit log of destructive acts (issue 15): who deleted or erased what,
-- by id and counts only. No foreign keys to the actor or the object: the
-- entry must outlive both.
CREATE TABLE audit_log (
    number        {{serial}},
    id            TEXT NOT NULL UNIQUE,
    workspace_id  TEXT NOT NULL REFERENCES workspaces (id),
    actor_user_id TEXT,
    actor_key_id  TEXT,
    action        TEXT NOT NULL,
    object_type   TEXT NOT NULL,
    object_id     TEXT NOT NULL,
    detail        TEXT NOT NULL,
    created_at    {{timestamp}} NOT NULL
);
CREATE INDEX audit_log_workspace ON audit_log (workspace_id, number);
