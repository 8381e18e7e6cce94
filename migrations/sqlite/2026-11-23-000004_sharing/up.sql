-- Employer-facing parts of the record: employment records and their
-- attestations, share links with their view log, requests for a share,
-- talent-search opt-ins, the skills index they search, and the learner a
-- logged action concerns (so learners can read what was done with their data).

ALTER TABLE audit_log ADD COLUMN learner_id TEXT;
CREATE INDEX audit_log_learner ON audit_log (learner_id, id);

-- The skills an achievement is aligned to (each alignment's targetUrl and
-- targetCode) with the achievement's level: 0 none, 1 beginner .. 4 expert.
-- Achievements are immutable, so this is written once with the achievement.
CREATE TABLE achievement_skills (
    skill           TEXT NOT NULL,
    achievement_id  TEXT NOT NULL REFERENCES achievements (id),
    level_rank      BIGINT NOT NULL,
    PRIMARY KEY (skill, achievement_id)
);
INSERT INTO achievement_skills (skill, achievement_id, level_rank)
SELECT DISTINCT skill, id, level_rank FROM (
    SELECT json_extract(al.value, '$.targetUrl') AS skill, a.id AS id,
           CASE json_extract(a.definition, '$.level')
               WHEN 'beginner' THEN 1 WHEN 'intermediate' THEN 2 WHEN 'advanced' THEN 3 WHEN 'expert' THEN 4 ELSE 0 END AS level_rank
    FROM achievements a, json_each(a.definition, '$.alignments') al
    UNION
    SELECT json_extract(al.value, '$.targetCode'), a.id,
           CASE json_extract(a.definition, '$.level')
               WHEN 'beginner' THEN 1 WHEN 'intermediate' THEN 2 WHEN 'advanced' THEN 3 WHEN 'expert' THEN 4 ELSE 0 END
    FROM achievements a, json_each(a.definition, '$.alignments') al
) WHERE skill IS NOT NULL;

-- Employment a learner records (self-asserted), and the attestation of the
-- employer organisation's staff that makes it verified: a JWS signed with
-- the employer organisation's key over the record. Records are immutable
-- once written (a learner deletes and re-adds), so an attestation always
-- covers exactly what is shown.
CREATE TABLE employment_records (
    id                TEXT PRIMARY KEY NOT NULL,
    learner_id        TEXT NOT NULL REFERENCES users (id),
    employer_name     TEXT NOT NULL,
    employer_org_id   TEXT REFERENCES organisations (id),
    title             TEXT NOT NULL,
    start_date        TEXT NOT NULL,
    end_date          TEXT,
    description       TEXT,
    skills            TEXT NOT NULL,
    attested_by       TEXT REFERENCES users (id),
    attested_at       TIMESTAMP,
    attestation_jwt   TEXT,
    created_at        TIMESTAMP NOT NULL
);
CREATE INDEX employment_records_learner ON employment_records (learner_id, start_date);
CREATE INDEX employment_records_employer ON employment_records (employer_org_id, id);

-- Share links: the token is stored only as its SHA-256.
CREATE TABLE shares (
    id          TEXT PRIMARY KEY NOT NULL,
    learner_id  TEXT NOT NULL REFERENCES users (id),
    token_hash  TEXT NOT NULL UNIQUE,
    scope       TEXT NOT NULL,
    audience    TEXT,
    expires_at  TIMESTAMP NOT NULL,
    revoked_at  TIMESTAMP,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX shares_learner ON shares (learner_id, id);

CREATE TABLE share_views (
    id          TEXT PRIMARY KEY NOT NULL,
    share_id    TEXT NOT NULL REFERENCES shares (id),
    at          TIMESTAMP NOT NULL,
    viewer_id   TEXT,
    viewer_org  TEXT
);
CREATE INDEX share_views_share ON share_views (share_id, at);

-- An employer asks a learner found in talent search for a share; the
-- learner answers by creating a share for it, or declines.
CREATE TABLE share_requests (
    id            TEXT PRIMARY KEY NOT NULL,
    org_id        TEXT NOT NULL REFERENCES organisations (id),
    requester_id  TEXT NOT NULL REFERENCES users (id),
    learner_id    TEXT NOT NULL REFERENCES users (id),
    message       TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'granted', 'declined')),
    share_id      TEXT REFERENCES shares (id),
    created_at    TIMESTAMP NOT NULL,
    answered_at   TIMESTAMP
);
CREATE INDEX share_requests_learner ON share_requests (learner_id, id);
CREATE INDEX share_requests_org ON share_requests (org_id, id);

-- Talent-search opt-in: no row means not discoverable. `every_skill` or
-- the listed skills.
CREATE TABLE discoverability (
    learner_id   TEXT PRIMARY KEY NOT NULL REFERENCES users (id),
    every_skill  BOOLEAN NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
CREATE TABLE discoverable_skills (
    learner_id  TEXT NOT NULL REFERENCES discoverability (learner_id),
    skill       TEXT NOT NULL,
    PRIMARY KEY (learner_id, skill)
);
CREATE INDEX discoverable_skills_skill ON discoverable_skills (skill, learner_id);
