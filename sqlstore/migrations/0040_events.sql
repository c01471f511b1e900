-- The event log: one row per change, written in the change's transaction.
-- id is the order of insertion; position, the id readers see, is assigned
-- after commit by the sequencer in commit order (see event.go), so readers
-- page by position and never skip an event that committed late.
CREATE TABLE events (
    id           {{serial}},
    position     BIGINT UNIQUE,
    workspace_id TEXT NOT NULL,
    type         TEXT NOT NULL,
    ticket_id    TEXT,
    occurred_at  {{timestamp}} NOT NULL,
    data         TEXT NOT NULL
);
CREATE INDEX events_workspace_position ON events (workspace_id, position);
CREATE INDEX events_unsequenced ON events (id) WHERE position IS NULL;
CREATE INDEX events_occurred_at ON events (occurred_at);
