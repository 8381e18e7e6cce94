-- Per-account limits (talent searches a minute, verification mails an hour),
-- counted here so that every API node on the database sees one count. One
-- row per limit and account: the window opens at the account's first
-- request and a request after it has ended opens the next one, in place
-- (an atomic upsert). Rows of windows that ended are deleted now and then.
CREATE TABLE rate_limits (
    bucket        TEXT NOT NULL,
    account_id    TEXT NOT NULL,
    window_start  TIMESTAMP NOT NULL,
    count         BIGINT NOT NULL,
    PRIMARY KEY (bucket, account_id)
);
