-- The pathway graph's version: one row, bumped in the transaction of every
-- change to the registered pathways or the catalog. `version` orders the
-- changes (the row lock serialises writers, so versions commit in order);
-- `token` is new at every bump, so a version number reused after a rolled-back
-- bump never names another graph (nodes key their compiled-graph cache by it).
CREATE TABLE graph_version (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    version  BIGINT NOT NULL,
    token    TEXT NOT NULL
);
INSERT INTO graph_version (id, version, token) VALUES (1, 1, 'initial');

-- What each bump changed: a pathway (registered or updated) or an achievement
-- (published). Stored outcomes older than a version re-evaluate the pathways
-- these changes can affect.
CREATE TABLE graph_changes (
    version         BIGINT PRIMARY KEY,
    pathway_id      TEXT,
    achievement_id  TEXT,
    changed_at      TIMESTAMP NOT NULL
);

-- A learner's stored outcomes are current as of graph `graph_version` and
-- stay true until `valid_until` (a credential comes into force, expires or
-- changes status by itself); NULL: until an event. `body` is the progress
-- list as `GET /v1/me/progress` serves it, assembled from `outcomes`.
CREATE TABLE learner_outcomes (
    learner_id     TEXT PRIMARY KEY REFERENCES users (id),
    graph_version  BIGINT NOT NULL,
    valid_until    TIMESTAMP,
    computed_at    TIMESTAMP NOT NULL,
    body           TEXT NOT NULL
);

-- One stored outcome (its JSON, as `GET /v1/me/progress` serves it) per
-- pathway the learner has started or follows.
CREATE TABLE outcomes (
    learner_id  TEXT NOT NULL REFERENCES users (id),
    pathway_id  TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    PRIMARY KEY (learner_id, pathway_id)
);

-- What changed for a learner since their outcomes were settled: a credential
-- of an achievement (`a:<id>`) or a followed pathway (`p:<id>`). Written by
-- the store in the transaction of the change itself, so no change is missed.
CREATE TABLE outcome_marks (
    learner_id  TEXT NOT NULL REFERENCES users (id),
    subject     TEXT NOT NULL,
    PRIMARY KEY (learner_id, subject)
);
