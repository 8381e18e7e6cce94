-- The credentials that hold each award now, in order: written when the award
-- is issued, and replaced when the cascade keeps the award with another
-- allocation (a recorded constituent suspended or revoked, another one
-- holding it). The award's signed evidence is never changed: it names the
-- constituents it was issued with. Awards issued before this table have no
-- rows; the service fills them in from that evidence at start-up (SQL cannot
-- read the award's JSON portably), and readers fall back to the evidence.
CREATE TABLE award_constituents (
    award_credential_id        TEXT NOT NULL REFERENCES credentials (id),
    constituent_credential_id  TEXT NOT NULL REFERENCES credentials (id),
    position                   BIGINT NOT NULL,
    PRIMARY KEY (award_credential_id, position)
);
CREATE INDEX award_constituents_constituent ON award_constituents (constituent_credential_id);
