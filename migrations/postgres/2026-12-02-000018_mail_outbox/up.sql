-- E-mail to learners from a durable outbox. Each row is one message for
-- one recipient, written in the transaction of the change it tells about
-- (`services::notifications`), and delivered by a worker in each process
-- that claims due rows with a lease (on PostgreSQL with FOR UPDATE SKIP
-- LOCKED, so several nodes share the outbox). `event_id` + `recipient_email`
-- is unique: one event mails one address once. `body` is the message,
-- sealed with the master key (a claim mail holds a claim code), and is
-- cleared once the message was sent or given up on.
CREATE TABLE mail_outbox (
    id               TEXT PRIMARY KEY NOT NULL,
    event_id         TEXT NOT NULL,
    kind             TEXT NOT NULL,
    recipient_email  TEXT NOT NULL,
    recipient_id     TEXT REFERENCES users (id),
    subject          TEXT NOT NULL,
    body             TEXT,
    state            TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'failed')),
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMP NOT NULL,
    lease_owner      TEXT,
    lease_until      TIMESTAMP,
    last_error       TEXT,
    created_at       TIMESTAMP NOT NULL,
    sent_at          TIMESTAMP,
    UNIQUE (event_id, recipient_email)
);
CREATE INDEX mail_outbox_due ON mail_outbox (state, next_attempt_at);

-- What mail a learner wants, per kind; no row means every kind. Security
-- messages (address confirmation) are not a kind here: always sent.
CREATE TABLE notification_preferences (
    user_id         TEXT PRIMARY KEY NOT NULL REFERENCES users (id),
    issued          BOOLEAN NOT NULL,
    awards          BOOLEAN NOT NULL,
    status_changes  BOOLEAN NOT NULL,
    share_requests  BOOLEAN NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
