DROP INDEX imported_credentials_fingerprint;
ALTER TABLE imported_credentials DROP COLUMN fingerprint;
ALTER TABLE imported_credentials DROP COLUMN holder;
