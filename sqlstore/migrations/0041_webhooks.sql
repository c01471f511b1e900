-- Webhooks, their deliveries (one per event and endpoint) and the log of
-- each delivery's attempts.
CREATE TABLE webhooks (
    number                {{serial}},
    id                    TEXT NOT NULL UNIQUE,
    workspace_id          TEXT NOT NULL REFERENCES workspaces (id),
    url                   TEXT NOT NULL,
    events                TEXT NOT NULL,
    description           TEXT NOT NULL,
    format                TEXT NOT NULL,
    secret                TEXT NOT NULL, -- sealed (sealWebhookSecret, secrets.go)
    previous_secret       TEXT NOT NULL,
    previous_secret_until {{timestamp}},
    scopes                TEXT NOT NULL,
    failing_since         {{timestamp}},
    disabled_at           {{timestamp}},
    disabled_reason       TEXT NOT NULL,
    created_at            {{timestamp}} NOT NULL,
    updated_at            {{timestamp}} NOT NULL
);
CREATE INDEX webhooks_workspace_number ON webhooks (workspace_id, number);

CREATE TABLE webhook_deliveries (
    number          {{serial}},
    id              TEXT NOT NULL UNIQUE,
    workspace_id    TEXT NOT NULL,
    webhook_id      TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id        BIGINT NOT NULL,
    event_type      TEXT NOT NULL,
    order_key       TEXT NOT NULL,
    state           TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_at {{timestamp}},
    created_at      {{timestamp}} NOT NULL,
    updated_at      {{timestamp}} NOT NULL
);
-- What the claim reads: due pending deliveries, and for each whether an
-- earlier one of its webhook and order key is still pending.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_order ON webhook_deliveries (webhook_id, order_key, event_id) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_webhook_number ON webhook_deliveries (webhook_id, number);
CREATE INDEX webhook_deliveries_created ON webhook_deliveries (created_at);

CREATE TABLE webhook_attempts (
    delivery_id   TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt       INTEGER NOT NULL,
    at            {{timestamp}} NOT NULL,
    status_code   INTEGER NOT NULL,
    latency_us    BIGINT NOT NULL,
    error         TEXT NOT NULL,
    response_body TEXT NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);
