-- tickets_workspace_updated served the console's polling for "what changed
-- since" (0070), which the event stream replaced: no query reads tickets by
-- updated_at any more, and every write of a ticket (each message moves its
-- updated_at) paid for keeping the index.
DROP INDEX tickets_workspace_updated;
