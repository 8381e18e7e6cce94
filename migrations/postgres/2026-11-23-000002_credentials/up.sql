-- Signing keys, the achievement catalog, credentials with their status
-- history, status lists, claim codes, idempotency records, trusted external
-- issuers and imported credentials.

-- One ES256 key pair per organisation; the private key is encrypted with
-- the service's master key (AES-256-GCM).
CREATE TABLE org_keys (
    kid                TEXT PRIMARY KEY NOT NULL,
    org_id             TEXT NOT NULL REFERENCES organisations (id),
    private_key        TEXT NOT NULL,
    public_jwk         TEXT NOT NULL,
    created_at         TIMESTAMP NOT NULL
);
CREATE INDEX org_keys_org ON org_keys (org_id, created_at);

CREATE TABLE achievements (
    id               TEXT PRIMARY KEY NOT NULL,
    org_id           TEXT NOT NULL REFERENCES organisations (id),
    -- The whole validated definition as JSON; the columns below are copies
    -- for filtering.
    definition       TEXT NOT NULL,
    name             TEXT NOT NULL,
    achievement_type TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL
);
CREATE INDEX achievements_org ON achievements (org_id, id);

-- Bitstring status lists: one per organisation and purpose, a new one when
-- the current is full.
CREATE TABLE status_lists (
    id          TEXT PRIMARY KEY NOT NULL,
    org_id      TEXT NOT NULL REFERENCES organisations (id),
    purpose     TEXT NOT NULL CHECK (purpose IN ('revocation', 'suspension')),
    capacity    BIGINT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX status_lists_org ON status_lists (org_id, purpose, created_at);

CREATE TABLE credentials (
    id                      TEXT PRIMARY KEY NOT NULL,
    org_id                  TEXT NOT NULL REFERENCES organisations (id),
    achievement_id          TEXT NOT NULL REFERENCES achievements (id),
    learner_id              TEXT REFERENCES users (id),
    recipient_email         TEXT,
    claim_code_hash         TEXT UNIQUE,
    status                  TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'revoked')),
    awarded_at              TIMESTAMP NOT NULL,
    valid_until             TIMESTAMP,
    credits_earned          TEXT,
    evidence                TEXT NOT NULL,
    revocation_list_id      TEXT NOT NULL REFERENCES status_lists (id),
    suspension_list_id      TEXT NOT NULL REFERENCES status_lists (id),
    status_index            BIGINT NOT NULL,
    ob3                     TEXT NOT NULL,
    jwt                     TEXT NOT NULL,
    created_at              TIMESTAMP NOT NULL,
    CHECK (learner_id IS NOT NULL OR recipient_email IS NOT NULL),
    UNIQUE (revocation_list_id, status_index)
);
CREATE INDEX credentials_learner ON credentials (learner_id, awarded_at);
CREATE INDEX credentials_org ON credentials (org_id, id);
CREATE INDEX credentials_achievement ON credentials (achievement_id);

-- Every status change, so a credential's status at any past instant is known.
CREATE TABLE credential_events (
    id             TEXT PRIMARY KEY NOT NULL,
    credential_id  TEXT NOT NULL REFERENCES credentials (id),
    status         TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'revoked')),
    reason         TEXT NOT NULL,
    actor_id       TEXT,
    at             TIMESTAMP NOT NULL
);
CREATE INDEX credential_events_credential ON credential_events (credential_id, at);

-- A retried POST with the same Idempotency-Key returns the first response.
CREATE TABLE idempotency_keys (
    user_id        TEXT NOT NULL,
    idem_key       TEXT NOT NULL,
    request_hash   TEXT NOT NULL,
    status         BIGINT NOT NULL,
    response       TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, idem_key)
);

-- External issuers whose credentials verify on import (admin-managed).
CREATE TABLE trusted_issuers (
    id          TEXT PRIMARY KEY NOT NULL,
    issuer_id   TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    jwks        TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE imported_credentials (
    id              TEXT PRIMARY KEY NOT NULL,
    learner_id      TEXT NOT NULL REFERENCES users (id),
    issuer_id       TEXT,
    issuer_name     TEXT,
    achievement_name TEXT,
    credential      TEXT NOT NULL,
    jwt             TEXT,
    verified        BOOLEAN NOT NULL,
    verification    TEXT NOT NULL,
    awarded_at      TIMESTAMP,
    valid_until     TIMESTAMP,
    imported_at     TIMESTAMP NOT NULL
);
CREATE INDEX imported_credentials_learner ON imported_credentials (learner_id, imported_at);
