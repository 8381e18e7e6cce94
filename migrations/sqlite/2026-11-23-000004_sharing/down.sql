DROP TABLE discoverable_skills;
DROP TABLE discoverability;
DROP TABLE share_requests;
DROP TABLE share_views;
DROP TABLE shares;
DROP TABLE employment_records;
DROP TABLE achievement_skills;
DROP INDEX audit_log_learner;
ALTER TABLE audit_log DROP COLUMN learner_id;
