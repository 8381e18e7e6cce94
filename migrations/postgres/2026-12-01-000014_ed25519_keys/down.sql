DELETE FROM org_keys WHERE alg <> 'ES256';
ALTER TABLE org_keys DROP COLUMN alg;
