-- Knowledge-base articles (issue 11): Markdown written over the native API,
-- read over Ticket0's /knowledge-base.

CREATE TABLE articles (
    number       {{serial}},
    id           TEXT NOT NULL UNIQUE,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    title        TEXT NOT NULL,
    slug         TEXT NOT NULL,
    status       TEXT NOT NULL,
    body         TEXT NOT NULL,
    excerpt      TEXT NOT NULL,
    created_at   {{timestamp}} NOT NULL,
    updated_at   {{timestamp}} NOT NULL,
    UNIQUE (workspace_id, slug)
);
CREATE INDEX articles_workspace ON articles (workspace_id, status, number);
