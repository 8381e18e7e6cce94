-- Stacking rules ("pathways"), every version of them, and the awards they
-- produced (one per pathway and learner: the primary key makes automatic
-- awarding idempotent, also under concurrent requests).
CREATE TABLE pathways (
    id          TEXT PRIMARY KEY NOT NULL,
    org_id      TEXT NOT NULL REFERENCES organisations (id),
    pathway_key TEXT NOT NULL,
    version     BIGINT NOT NULL,
    rule        TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    UNIQUE (org_id, pathway_key)
);

CREATE TABLE pathway_versions (
    pathway_id  TEXT NOT NULL REFERENCES pathways (id),
    version     BIGINT NOT NULL,
    rule        TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (pathway_id, version)
);

CREATE TABLE awards (
    pathway_id      TEXT NOT NULL REFERENCES pathways (id),
    learner_id      TEXT NOT NULL REFERENCES users (id),
    pathway_version BIGINT NOT NULL,
    credential_id   TEXT NOT NULL REFERENCES credentials (id),
    created_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (pathway_id, learner_id)
);
CREATE INDEX awards_credential ON awards (credential_id);
