-- Background jobs: work over all learners (a pathway's back-fill, dry runs)
-- in a durable queue. A worker claims a job by taking its lease (on
-- PostgreSQL with FOR UPDATE SKIP LOCKED, so several nodes share the queue),
-- works it in chunks of learners in id order, and records after each chunk,
-- in the chunk's own transaction, the last learner done (`cursor`) and the
-- progress. A job whose lease ran out (its worker died) is claimed again and
-- resumes after its cursor.
CREATE TABLE jobs (
    id              TEXT PRIMARY KEY NOT NULL,
    kind            TEXT NOT NULL,
    org_id          TEXT NOT NULL REFERENCES organisations (id),
    started_by      TEXT NOT NULL REFERENCES users (id),
    state           TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed')),
    params          TEXT NOT NULL,
    cursor          TEXT,
    learners_done   BIGINT NOT NULL DEFAULT 0,
    learners_total  BIGINT,
    awards_issued   BIGINT NOT NULL DEFAULT 0,
    errors          TEXT NOT NULL DEFAULT '[]',
    result          TEXT,
    lease_owner     TEXT,
    lease_until     TIMESTAMP,
    attempts        BIGINT NOT NULL DEFAULT 0,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    finished_at     TIMESTAMP
);
CREATE INDEX jobs_claimable ON jobs (state, created_at);
