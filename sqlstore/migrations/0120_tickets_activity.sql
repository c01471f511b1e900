-- HelpWave's getRecentConversations lists a workspace's tickets whose last
-- message is recent, the most recent first: a range of this index, so the
-- answer costs what it returns, not the workspace's whole ticket count.
CREATE INDEX tickets_workspace_activity ON tickets (workspace_id, last_message_at, number);
