-- Snoozing (issue 11): a ticket put aside until a time, when it needs the
-- team again. The status is kept; "snoozed" is this column in the future.

ALTER TABLE tickets ADD COLUMN snoozed_until {{timestamp}};
CREATE INDEX tickets_workspace_snoozed ON tickets (workspace_id, snoozed_until);
