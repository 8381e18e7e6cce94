-- The issued list of an institution, newest first (GET /v1/orgs/{org}/credentials):
-- one index range per page, whatever the filters narrow further.
CREATE INDEX credentials_org_created ON credentials (org_id, created_at, id);
