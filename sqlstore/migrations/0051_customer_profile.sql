-- Customer profiles (issue 11): a name as given, free-form metadata, shop
-- facts, and the customer's ids in other systems. The identities are kept
-- twice in one transaction: as JSON on the customer, read with it, and one row
-- each in customer_identities, which makes an id unique per workspace and
-- system and finds its customer through the primary key.

ALTER TABLE customers ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN identities TEXT NOT NULL DEFAULT '{}';
ALTER TABLE customers ADD COLUMN metadata TEXT NOT NULL DEFAULT '{}';
ALTER TABLE customers ADD COLUMN orders BIGINT;
ALTER TABLE customers ADD COLUMN platform TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN platform_created_at {{timestamp}};

CREATE TABLE customer_identities (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    system       TEXT NOT NULL,
    external_id  TEXT NOT NULL,
    customer_id  TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    PRIMARY KEY (workspace_id, system, external_id)
);
CREATE INDEX customer_identities_customer ON customer_identities (customer_id);
