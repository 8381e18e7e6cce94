-- Imports: whether the credential's subject is the importing learner, and a
-- fingerprint so that importing the same credential twice finds the first.
-- Imports made before this check are not known to be the holder's: they stay
-- in the wallet but count nowhere until imported again.
ALTER TABLE imported_credentials ADD COLUMN holder BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE imported_credentials ADD COLUMN fingerprint TEXT;
CREATE UNIQUE INDEX imported_credentials_fingerprint ON imported_credentials (learner_id, fingerprint);
