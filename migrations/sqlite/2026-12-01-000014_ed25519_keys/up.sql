-- Each organisation signs with two keys: ES256 for VC-JWTs and Ed25519 for
-- embedded Data Integrity proofs (eddsa-rdfc-2022). The existing rows are
-- the ES256 keys; the Ed25519 ones are created at start-up (they need the
-- master key).
ALTER TABLE org_keys ADD COLUMN alg TEXT NOT NULL DEFAULT 'ES256';
