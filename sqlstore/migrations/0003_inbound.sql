-- Attachments of inbound email: metadata here, bytes in the blob store.

CREATE TABLE attachments (
    number       {{serial}},
    id           TEXT NOT NULL UNIQUE,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    message_id   TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    content_id   TEXT NOT NULL,
    inline       BOOLEAN NOT NULL,
    size         BIGINT NOT NULL,
    blob_key     TEXT NOT NULL,
    created_at   {{timestamp}} NOT NULL
);
CREATE INDEX attachments_message ON attachments (message_id, number);
