-- Organisations, accounts and the append-only audit log.
-- Portable types only (see DESIGN.md "Storage"): text UUIDv7 ids, naive UTC timestamps.
CREATE TABLE organisations (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('institution', 'employer')),
    url         TEXT,
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id             TEXT PRIMARY KEY NOT NULL,
    email          TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('admin', 'issuer', 'employer', 'learner')),
    org_id         TEXT REFERENCES organisations (id),
    created_at     TIMESTAMP NOT NULL,
    -- Staff belong to exactly one organisation; learners and admins to none.
    CHECK ((role IN ('issuer', 'employer')) = (org_id IS NOT NULL))
);
CREATE INDEX users_org_id ON users (org_id, id);

CREATE TABLE audit_log (
    id            TEXT PRIMARY KEY NOT NULL,
    at            TIMESTAMP NOT NULL,
    actor_id      TEXT,
    action        TEXT NOT NULL,
    subject_type  TEXT NOT NULL,
    subject_id    TEXT NOT NULL,
    org_id        TEXT,
    detail        TEXT NOT NULL
);
CREATE INDEX audit_log_subject ON audit_log (subject_type, subject_id, at);
CREATE INDEX audit_log_org ON audit_log (org_id, at);
