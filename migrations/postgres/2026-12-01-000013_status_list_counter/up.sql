-- How many entries of each status list have been handed out, kept by the
-- allocator: retiring a full list reads it instead of counting the list's
-- credentials (a scan that grew with the list). Backfilled from the
-- credentials already on each list.
ALTER TABLE status_lists ADD COLUMN allocated BIGINT NOT NULL DEFAULT 0;
UPDATE status_lists SET allocated = (SELECT COUNT(*) FROM credentials WHERE credentials.revocation_list_id = status_lists.id)
    WHERE purpose = 'revocation';
UPDATE status_lists SET allocated = (SELECT COUNT(*) FROM credentials WHERE credentials.suspension_list_id = status_lists.id)
    WHERE purpose = 'suspension';
