DROP INDEX credentials_waiting_email;
DROP TABLE email_verifications;
ALTER TABLE users DROP COLUMN email_verified_at;
