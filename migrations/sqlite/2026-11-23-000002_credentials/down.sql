DROP TABLE imported_credentials;
DROP TABLE trusted_issuers;
DROP TABLE idempotency_keys;
DROP TABLE credential_events;
DROP TABLE credentials;
DROP TABLE status_lists;
DROP TABLE achievements;
DROP TABLE org_keys;
