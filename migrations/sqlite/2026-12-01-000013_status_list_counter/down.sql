DROP INDEX credential_events_learner;
ALTER TABLE credential_events DROP COLUMN learner_id;
ALTER TABLE status_lists DROP COLUMN allocated;
