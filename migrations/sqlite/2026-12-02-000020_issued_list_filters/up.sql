-- The issued list's selective filters (GET /v1/orgs/{org}/credentials): a
-- status within an institution, newest first, and an exact recipient address
-- (claimed or not). Without them each scanned the institution's credentials.
CREATE INDEX credentials_org_status_created ON credentials (org_id, status, created_at, id);
CREATE INDEX credentials_recipient_email ON credentials (recipient_email);
