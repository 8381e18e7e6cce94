-- How many entries of each status list have been handed out, kept by the
-- allocator: retiring a full list reads it instead of counting the list's
-- credentials (a scan that grew with the list). Backfilled from the
-- credentials already on each list.
ALTER TABLE status_lists ADD COLUMN allocated BIGINT NOT NULL DEFAULT 0;
UPDATE status_lists SET allocated = (SELECT COUNT(*) FROM credentials WHERE credentials.revocation_list_id = status_lists.id)
    WHERE purpose = 'revocation';
UPDATE status_lists SET allocated = (SELECT COUNT(*) FROM credentials WHERE credentials.suspension_list_id = status_lists.id)
    WHERE purpose = 'suspension';

-- The holder of each event's credential, copied from the credential (and
-- moved with it when it is claimed): the latest event of a learner, read
-- before every change to their credentials, is then one index lookup
-- instead of a walk over all they hold.
ALTER TABLE credential_events ADD COLUMN learner_id TEXT;
UPDATE credential_events SET learner_id = (SELECT credentials.learner_id FROM credentials WHERE credentials.id = credential_events.credential_id);
CREATE INDEX credential_events_learner ON credential_events (learner_id, at);
