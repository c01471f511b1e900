-- Idempotency keys: one row per (owner, key). The primary key is what makes
-- two concurrent requests with one key reserve it once.
CREATE TABLE idempotency_keys (
    owner        TEXT NOT NULL,
    idem_key     TEXT NOT NULL,
    fingerprint  {{blob}} NOT NULL,
    done         BOOLEAN NOT NULL,
    status       INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    body         {{blob}} NOT NULL,
    created_at   {{timestamp}} NOT NULL,
    PRIMARY KEY (owner, idem_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
