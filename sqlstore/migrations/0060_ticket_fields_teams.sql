-- Ticket priority, category, description, due date, resolution time,
-- tracking token and team; teams and their members; user and customer
-- profile fields; key roles and expiry; soft deletion of users and customers.
-- Every new column has a default, so rows written before this migration read
-- as a ticket of medium priority, an active permanent user, a key without
-- expiry.

ALTER TABLE tickets ADD COLUMN priority TEXT NOT NULL DEFAULT 'medium';
ALTER TABLE tickets ADD COLUMN category TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN due_at {{timestamp}};
ALTER TABLE tickets ADD COLUMN resolved_at {{timestamp}};
-- '' for tickets created before this migration, which have no token.
ALTER TABLE tickets ADD COLUMN tracking_token TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN team_id TEXT;
CREATE INDEX tickets_workspace_team ON tickets (workspace_id, team_id, number);
CREATE INDEX tickets_workspace_priority ON tickets (workspace_id, priority, number);

CREATE TABLE teams (
    number       {{serial}},
    id           TEXT NOT NULL UNIQUE,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    name         TEXT NOT NULL,
    description  TEXT NOT NULL,
    created_at   {{timestamp}} NOT NULL,
    updated_at   {{timestamp}} NOT NULL
);
CREATE UNIQUE INDEX teams_workspace_name ON teams (workspace_id, name);
CREATE INDEX teams_workspace_number ON teams (workspace_id, number);

CREATE TABLE team_members (
    team_id    TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id),
    created_at {{timestamp}} NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members (user_id);

ALTER TABLE users ADD COLUMN is_active BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE users ADD COLUMN employee_type TEXT NOT NULL DEFAULT 'permanent';
ALTER TABLE users ADD COLUMN avatar_url TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN region TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN timezone TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN deleted_at {{timestamp}};
-- A deleted user's address may be given to a new user.
DROP INDEX users_workspace_email;
CREATE UNIQUE INDEX users_workspace_email_live ON users (workspace_id, email) WHERE deleted_at IS NULL;

ALTER TABLE customers ADD COLUMN company TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN department TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN title TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN customer_tier TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN pronoun TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN location_country TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN location_city TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN location_state TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN location_zip TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN location_address TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN region TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN timezone TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN account_value TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN social_linkedin TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN social_website TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN social_github TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN notes TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN has_premium_support BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE customers ADD COLUMN is_vip BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE customers ADD COLUMN deleted_at {{timestamp}};
DROP INDEX customers_workspace_email;
CREATE UNIQUE INDEX customers_workspace_email_live ON customers (workspace_id, email) WHERE email <> '' AND deleted_at IS NULL;

ALTER TABLE api_keys ADD COLUMN role TEXT NOT NULL DEFAULT 'admin';
ALTER TABLE api_keys ADD COLUMN expires_at {{timestamp}};

-- Files uploaded to a ticket over the API (not part of any message); the
-- bytes are in the blob store, as for email attachments.
CREATE TABLE ticket_attachments (
    number       {{serial}},
    id           TEXT NOT NULL UNIQUE,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    ticket_id    TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    blob_key     TEXT NOT NULL,
    uploaded_by  TEXT REFERENCES users (id),
    created_at   {{timestamp}} NOT NULL
);
CREATE INDEX ticket_attachments_ticket ON ticket_attachments (ticket_id, number);
