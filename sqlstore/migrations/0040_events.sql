-- The event log: one row per change, written in the change's transaction.
-- id is assigned in commit order (see AppendEvent), so readers page by it.
CREATE TABLE events (
    id           {{serial}},
    workspace_id TEXT NOT NULL,
    type         TEXT NOT NULL,
    ticket_id    TEXT,
    occurred_at  {{timestamp}} NOT NULL,
    data         TEXT NOT NULL
);
CREATE INDEX events_workspace_id ON events (workspace_id, id);
CREATE INDEX events_occurred_at ON events (occurred_at);
