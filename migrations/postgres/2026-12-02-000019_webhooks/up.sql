-- Webhooks: endpoints an organisation registered, and one delivery per
-- (event, subscribed endpoint), written in the transaction of the change
-- that published the event. A worker claims due deliveries by taking a
-- lease (FOR UPDATE SKIP LOCKED on PostgreSQL), POSTs them signed, and
-- records every attempt; a failed attempt is retried with backoff.
-- `secret` is sealed with the master key (it signs, so it cannot be a hash).
CREATE TABLE webhook_endpoints (
    id           TEXT PRIMARY KEY NOT NULL,
    org_id       TEXT NOT NULL REFERENCES organisations (id),
    url          TEXT NOT NULL,
    description  TEXT NOT NULL,
    events       TEXT NOT NULL,
    secret       TEXT NOT NULL,
    created_by   TEXT NOT NULL REFERENCES users (id),
    created_at   TIMESTAMP NOT NULL,
    disabled_at  TIMESTAMP
);
CREATE INDEX webhook_endpoints_org ON webhook_endpoints (org_id, disabled_at);

CREATE TABLE webhook_deliveries (
    id            TEXT PRIMARY KEY NOT NULL,
    endpoint_id   TEXT NOT NULL REFERENCES webhook_endpoints (id),
    event_id      TEXT NOT NULL,
    event_name    TEXT NOT NULL,
    payload       TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    tries         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP,
    lease_owner   TEXT,
    lease_until   TIMESTAMP,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);

CREATE TABLE webhook_attempts (
    id           TEXT PRIMARY KEY NOT NULL,
    delivery_id  TEXT NOT NULL REFERENCES webhook_deliveries (id),
    at           TIMESTAMP NOT NULL,
    status_code  BIGINT,
    error        TEXT
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, at);
