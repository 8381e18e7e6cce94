-- Sign-in sessions of the web face. The cookie holds a random secret; only
-- its SHA-256 is stored, so a copy of the database opens no session. Each
-- session has its own CSRF token, which every form of the signed-in pages
-- carries back.
CREATE TABLE web_sessions (
    secret_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX web_sessions_by_user ON web_sessions (user_id);
