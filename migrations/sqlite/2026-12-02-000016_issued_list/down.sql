DROP INDEX credentials_org_created;
