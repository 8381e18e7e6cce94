DROP TABLE achievement_images;
ALTER TABLE credentials DROP COLUMN achievement_version;
DROP TABLE achievement_versions;
DROP INDEX achievements_org_key;
ALTER TABLE achievements DROP COLUMN retired_at;
ALTER TABLE achievements DROP COLUMN achievement_key;
ALTER TABLE achievements DROP COLUMN version;
