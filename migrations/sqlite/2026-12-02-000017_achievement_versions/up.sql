-- Achievements are edited as versions: `definition` is the current one,
-- `achievement_versions` keeps every one, and each credential records the
-- version it was issued under (its signed document never changes).
-- `achievement_key` is the definition's optional short key, unique per
-- institution (CSV rows name achievements by it); `retired_at` stops new
-- issuing.
ALTER TABLE achievements ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE achievements ADD COLUMN achievement_key TEXT;
ALTER TABLE achievements ADD COLUMN retired_at TIMESTAMP;
CREATE UNIQUE INDEX achievements_org_key ON achievements (org_id, achievement_key);

CREATE TABLE achievement_versions (
    achievement_id TEXT NOT NULL REFERENCES achievements (id),
    version        BIGINT NOT NULL,
    definition     TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (achievement_id, version)
);
INSERT INTO achievement_versions (achievement_id, version, definition, created_at)
    SELECT id, 1, definition, created_at FROM achievements;

ALTER TABLE credentials ADD COLUMN achievement_version BIGINT NOT NULL DEFAULT 1;

-- The uploaded badge image (PNG or SVG), base64 text (portable types
-- only); `digest` (SHA-256, hex) is its ETag.
CREATE TABLE achievement_images (
    achievement_id TEXT PRIMARY KEY NOT NULL REFERENCES achievements (id),
    media_type     TEXT NOT NULL,
    data           TEXT NOT NULL,
    digest         TEXT NOT NULL,
    uploaded_at    TIMESTAMP NOT NULL
);
