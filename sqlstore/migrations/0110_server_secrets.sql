-- Secrets of the server itself, one per purpose (name), made at random by
-- the first node that needs one and then read by every node: the key that
-- signs attachment download links. Sealed like every stored secret.
CREATE TABLE server_secrets (
    name       TEXT PRIMARY KEY,
    secret     TEXT NOT NULL,
    created_at {{timestamp}} NOT NULL
);
