-- An e-mail address is a learner's only once they proved it (issue 11, item 2).
-- Accounts that exist already predate the rule and count as verified.
ALTER TABLE users ADD COLUMN email_verified_at TIMESTAMP;
UPDATE users SET email_verified_at = created_at;

-- At most one outstanding code per account; a new one replaces it. Only the
-- code's hash is kept; the row goes when the code is used.
CREATE TABLE email_verifications (
    user_id     TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email       TEXT NOT NULL,
    code_hash   TEXT NOT NULL UNIQUE,
    expires_at  TIMESTAMP NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

-- Credentials waiting for an address, found when its owner confirms it.
CREATE INDEX credentials_waiting_email ON credentials (recipient_email) WHERE learner_id IS NULL;
