//! The one leased durable queue. The job queue (`jobs`), the mail outbox
//! (`mail_outbox`) and webhook deliveries (`webhook_deliveries`) are each a
//! table worked the same way: a worker polls with a read (an idle poll
//! takes no write lock), then claims due rows in a write by taking a lease
//! (`lease_owner`, `lease_until`): on PostgreSQL the candidates are selected
//! `FOR UPDATE SKIP LOCKED`, so several nodes share the table without
//! waiting on each other; on SQLite the one writer (`BEGIN IMMEDIATE`)
//! serialises claims. Every outcome is written only while the worker still
//! holds the lease (`held`), and clears it (`released`). A worker that dies
//! leaves its lease to run out, and the row is due again: at least once.
//! A worker that stops gives back what it claimed but did not start
//! (`release`), so it is due again at once.
//!
//! [`leased_queue!`] writes these queries for one table, in that table's
//! module, as typed diesel for both backends. The table says what is due
//! (its states and times), in what order, and what a claim and a release
//! also change (an attempt counted, a state); the rest is the same SQL.

/// Writes, for `$table` (a module of `store::schema` with `id`,
/// `lease_owner` and `lease_until` columns):
///
/// - `any_due(conn, now)`: whether some row is due (a read);
/// - `claim_ids(conn, owner, now, lease, limit)`: leases up to `limit` due
///   rows in `$order` to `owner` until `now + lease`, and returns their ids;
/// - `release(conn, ids, owner, now)`: gives back rows `owner` holds;
/// - `held(id, owner)`: the filter of an outcome's update;
/// - `released()`: the lease columns cleared, for an outcome's update.
///
/// `due(at)` is the condition of a due row at `at` (a `NaiveDateTime`);
/// `on_claim` and `on_release` are what a claim and a release set beside
/// the lease (a changeset, which may use `at` too).
macro_rules! leased_queue {
    (
        table: $table:ident,
        due($at:ident): $due:expr,
        order: $order:expr,
        on_claim: $on_claim:expr,
        on_release: $on_release:expr $(,)?
    ) => {
        /// Whether some row is due at `now` (a read, so an idle worker's
        /// poll takes no write lock).
        pub fn any_due(conn: &mut $crate::store::DbConn, now: chrono::DateTime<chrono::Utc>) -> $crate::store::StoreResult<bool> {
            use diesel::prelude::*;
            let $at = $crate::store::time::to_db(now);
            let found: Option<String> =
                $table::table.filter($due).select($table::id).first(conn).optional().map_err($crate::store::StoreError::from_query)?;
            Ok(found.is_some())
        }

        /// Leases up to `limit` due rows to `owner` until `now + lease`,
        /// oldest first, and returns the ids it now holds (in id order).
        pub fn claim_ids(
            conn: &mut $crate::store::DbConn,
            owner: &str,
            now: chrono::DateTime<chrono::Utc>,
            lease: chrono::TimeDelta,
            limit: i64,
        ) -> $crate::store::StoreResult<Vec<String>> {
            use diesel::prelude::*;
            let $at = $crate::store::time::to_db(now);
            let candidates = $table::table.filter($due).order($order).select($table::id).limit(limit);
            let ids: Vec<String> = match conn {
                // Rows another node is claiming are skipped, not waited for.
                $crate::store::DbConn::Postgres(pg) => candidates.for_update().skip_locked().load(pg),
                // One writer at a time (BEGIN IMMEDIATE): nothing to skip.
                $crate::store::DbConn::Sqlite(lite) => candidates.load(lite),
            }
            .map_err($crate::store::StoreError::from_query)?;
            if ids.is_empty() {
                return Ok(ids);
            }
            let until = $crate::store::time::to_db(now + lease);
            diesel::update($table::table.filter($table::id.eq_any(&ids)).filter($due))
                .set((($table::lease_owner.eq(Some(owner)), $table::lease_until.eq(Some(until))), $on_claim))
                .execute(conn)
                .map_err($crate::store::StoreError::from_query)?;
            $table::table
                .filter($table::id.eq_any(&ids))
                .filter($table::lease_owner.eq(owner))
                .order($table::id.asc())
                .select($table::id)
                .load(conn)
                .map_err($crate::store::StoreError::from_query)
        }

        /// Gives back rows `ids` that `owner` holds and did not work (a
        /// worker that stops): due again at once, as if never claimed.
        /// How many it gave back.
        pub fn release(
            conn: &mut $crate::store::DbConn,
            ids: &[String],
            owner: &str,
            now: chrono::DateTime<chrono::Utc>,
        ) -> $crate::store::StoreResult<usize> {
            use diesel::prelude::*;
            let $at = $crate::store::time::to_db(now);
            // Not every table's release needs the time.
            let _ = $at;
            diesel::update($table::table.filter($table::id.eq_any(ids)).filter($table::lease_owner.eq(owner)))
                .set((released(), $on_release))
                .execute(conn)
                .map_err($crate::store::StoreError::from_query)
        }

        /// Row `id` while `owner` holds its lease: the filter of every
        /// outcome, so a worker whose lease passed to another writes nothing.
        pub fn held<'a>(
            id: &'a str,
            owner: &'a str,
        ) -> diesel::dsl::And<diesel::dsl::Eq<$table::id, &'a str>, diesel::dsl::Eq<$table::lease_owner, &'a str>> {
            use diesel::prelude::*;
            $table::id.eq(id).and($table::lease_owner.eq(owner))
        }

        /// The lease cleared: part of every outcome and release.
        pub fn released()
        -> (diesel::dsl::Eq<$table::lease_owner, Option<String>>, diesel::dsl::Eq<$table::lease_until, Option<chrono::NaiveDateTime>>) {
            use diesel::prelude::*;
            ($table::lease_owner.eq(None::<String>), $table::lease_until.eq(None::<chrono::NaiveDateTime>))
        }
    };
}

pub(crate) use leased_queue;
