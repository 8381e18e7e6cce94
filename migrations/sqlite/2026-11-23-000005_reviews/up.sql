-- Awards of pathways with `"issuance": "review"` wait here for an issuer of
-- the institution to approve or reject them; one per pathway and learner.
CREATE TABLE award_reviews (
    id                   TEXT PRIMARY KEY NOT NULL,
    pathway_id           TEXT NOT NULL REFERENCES pathways (id),
    learner_id           TEXT NOT NULL REFERENCES users (id),
    org_id               TEXT NOT NULL REFERENCES organisations (id),
    pathway_version      BIGINT NOT NULL,
    completed_at         TIMESTAMP NOT NULL,
    constituents         TEXT NOT NULL,
    status               TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    reason               TEXT,
    decided_by           TEXT REFERENCES users (id),
    decided_at           TIMESTAMP,
    award_credential_id  TEXT REFERENCES credentials (id),
    created_at           TIMESTAMP NOT NULL,
    UNIQUE (pathway_id, learner_id)
);
CREATE INDEX award_reviews_org ON award_reviews (org_id, id);

-- Awards the cascade suspended because a constituent was suspended, and
-- that constituent: reinstating it restores exactly these.
CREATE TABLE cascade_suspensions (
    award_credential_id  TEXT NOT NULL REFERENCES credentials (id),
    cause_credential_id  TEXT NOT NULL REFERENCES credentials (id),
    created_at           TIMESTAMP NOT NULL,
    PRIMARY KEY (award_credential_id, cause_credential_id)
);
CREATE INDEX cascade_suspensions_cause ON cascade_suspensions (cause_credential_id);

-- Pathways a learner follows: shown in their progress even before they
-- hold a credential toward them.
CREATE TABLE pathway_follows (
    learner_id  TEXT NOT NULL REFERENCES users (id),
    pathway_id  TEXT NOT NULL REFERENCES pathways (id),
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (learner_id, pathway_id)
);
