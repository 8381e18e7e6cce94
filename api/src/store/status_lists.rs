//! Bitstring status lists: each organisation has a revocation list and a
//! suspension list (created as a pair); every credential holds one random
//! index, the same in both lists. A pair is retired once three quarters
//! full, so random assignment stays cheap and indices reveal little.

use cairn_domain::OrgId;
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::connection::DbConn;
use super::error::{StoreError, StoreResult};
use super::schema::{credentials, status_lists};
use super::time;

/// Entries per list: the W3C minimum (16 KiB), for herd privacy.
pub const CAPACITY: i64 = 131_072;
const FILL_LIMIT: i64 = CAPACITY / 4 * 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Revocation,
    Suspension,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Revocation => "revocation",
            Purpose::Suspension => "suspension",
        }
    }
}

#[derive(Debug, Clone)]
pub struct StatusList {
    pub id: String,
    pub org: OrgId,
    pub purpose: Purpose,
    pub created_at: DateTime<Utc>,
}

/// Where one credential's status lives.
#[derive(Debug, Clone)]
pub struct Slot {
    pub revocation_list: String,
    pub suspension_list: String,
    pub index: i64,
}

/// The newest list of `purpose` and how many of its entries are handed out.
fn newest(conn: &mut DbConn, org: OrgId, purpose: Purpose) -> StoreResult<Option<(String, i64)>> {
    status_lists::table
        .filter(status_lists::org_id.eq(org.to_string()))
        .filter(status_lists::purpose.eq(purpose.as_str()))
        .order((status_lists::created_at.desc(), status_lists::id.desc()))
        .select((status_lists::id, status_lists::allocated))
        .first::<(String, i64)>(conn)
        .optional()
        .map_err(StoreError::from_query)
}

fn create(conn: &mut DbConn, org: OrgId, purpose: Purpose, now: chrono::DateTime<chrono::Utc>) -> StoreResult<String> {
    let id = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(status_lists::table)
        .values((
            status_lists::id.eq(&id),
            status_lists::org_id.eq(org.to_string()),
            status_lists::purpose.eq(purpose.as_str()),
            status_lists::capacity.eq(CAPACITY),
            status_lists::created_at.eq(time::to_db(now)),
            status_lists::allocated.eq(0),
        ))
        .execute(conn)
        .map_err(StoreError::from_query)?;
    Ok(id)
}

/// A fresh random slot in the organisation's current pair of lists. Call it
/// inside the write transaction that inserts the credential; a new pair of
/// lists is created at `now`.
pub fn allocate(conn: &mut DbConn, org: OrgId, now: chrono::DateTime<chrono::Utc>) -> StoreResult<Slot> {
    allocate_many(conn, org, 1, now)?.pop().ok_or_else(|| StoreError::Conflict("could not allocate a status list entry; retry".into()))
}

/// Bound parameters per `IN (…)` query, well under SQLite's limit.
const CHUNK: usize = 5_000;

/// `count` fresh random slots, distinct, in the organisation's current pair
/// of lists (and in a new pair, created at `now`, once that is three
/// quarters full), in a few queries whatever `count`: the pair's counters
/// say how full it is, and one query per round finds which of the drawn
/// indices are taken. Call it inside the write transaction that inserts
/// the credentials. On PostgreSQL the counters' row locks serialise the
/// organisation's allocations until commit, so drawn indices are checked
/// against every committed credential.
pub fn allocate_many(conn: &mut DbConn, org: OrgId, count: usize, now: chrono::DateTime<chrono::Utc>) -> StoreResult<Vec<Slot>> {
    let mut slots = Vec::with_capacity(count);
    while slots.len() < count {
        let current = match (newest(conn, org, Purpose::Revocation)?, newest(conn, org, Purpose::Suspension)?) {
            (Some((revocation, used)), Some((suspension, _))) if used < FILL_LIMIT => Some((revocation, suspension, used)),
            _ => None,
        };
        let (revocation, suspension, used) = match current {
            Some(current) => current,
            None => (create(conn, org, Purpose::Revocation, now)?, create(conn, org, Purpose::Suspension, now)?, 0),
        };
        let wanted = (count - slots.len()).min(usize::try_from(FILL_LIMIT - used).unwrap_or(0));
        let taken = i64::try_from(wanted).map_err(|_| StoreError::Corrupt("status list allocation overflows".into()))?;
        diesel::update(status_lists::table.filter(status_lists::id.eq_any([&revocation, &suspension])))
            .set(status_lists::allocated.eq(status_lists::allocated + taken))
            .execute(conn)
            .map_err(StoreError::from_query)?;
        for index in fresh_indices(conn, &revocation, wanted)? {
            slots.push(Slot { revocation_list: revocation.clone(), suspension_list: suspension.clone(), index });
        }
    }
    Ok(slots)
}

/// `wanted` distinct random indices free on the list `revocation`. At most
/// three quarters of a list is handed out, so each draw is free with
/// p >= 1/4.
fn fresh_indices(conn: &mut DbConn, revocation: &str, wanted: usize) -> StoreResult<Vec<i64>> {
    let mut chosen = std::collections::BTreeSet::new();
    for _ in 0..64 {
        let mut drawn = std::collections::BTreeSet::new();
        while drawn.len() < wanted - chosen.len() {
            let index = random_index()?;
            if !chosen.contains(&index) {
                drawn.insert(index);
            }
        }
        let drawn: Vec<i64> = drawn.into_iter().collect();
        let mut used = std::collections::BTreeSet::new();
        for chunk in drawn.chunks(CHUNK) {
            let found: Vec<i64> = credentials::table
                .filter(credentials::revocation_list_id.eq(revocation))
                .filter(credentials::status_index.eq_any(chunk))
                .select(credentials::status_index)
                .load(conn)
                .map_err(StoreError::from_query)?;
            used.extend(found);
        }
        chosen.extend(drawn.into_iter().filter(|index| !used.contains(index)));
        if chosen.len() == wanted {
            // Random order: the order of issue is not the order of indices.
            let mut chosen: Vec<i64> = chosen.into_iter().collect();
            shuffle(&mut chosen)?;
            return Ok(chosen);
        }
    }
    Err(StoreError::Conflict("could not allocate a status list entry; retry".into()))
}

fn shuffle(items: &mut [i64]) -> StoreResult<()> {
    for i in (1..items.len()).rev() {
        let j = (random_u64()? % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
    Ok(())
}

fn random_u64() -> StoreResult<u64> {
    let mut bytes = [0u8; 8];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| StoreError::Corrupt("no randomness".into()))?;
    Ok(u64::from_le_bytes(bytes))
}

fn random_index() -> StoreResult<i64> {
    Ok((random_u64()? % CAPACITY as u64) as i64)
}

pub fn find(conn: &mut DbConn, id: &str) -> StoreResult<Option<StatusList>> {
    let row: Option<(String, String, String, chrono::NaiveDateTime)> = status_lists::table
        .find(id)
        .select((status_lists::id, status_lists::org_id, status_lists::purpose, status_lists::created_at))
        .first(conn)
        .optional()
        .map_err(StoreError::from_query)?;
    row.map(|(id, org, purpose, created_at)| {
        Ok(StatusList {
            id,
            org: org.parse().map_err(|e| StoreError::Corrupt(format!("status list org: {e}")))?,
            purpose: match purpose.as_str() {
                "revocation" => Purpose::Revocation,
                _ => Purpose::Suspension,
            },
            created_at: time::from_db(created_at),
        })
    })
    .transpose()
}

/// The indices whose bit is set: revoked credentials on a revocation list,
/// currently suspended ones on a suspension list.
pub fn set_indices(conn: &mut DbConn, list: &StatusList) -> StoreResult<Vec<i64>> {
    match list.purpose {
        Purpose::Revocation => credentials::table
            .filter(credentials::revocation_list_id.eq(&list.id))
            .filter(credentials::status.eq("revoked"))
            .select(credentials::status_index)
            .load(conn),
        Purpose::Suspension => credentials::table
            .filter(credentials::suspension_list_id.eq(&list.id))
            .filter(credentials::status.eq("suspended"))
            .select(credentials::status_index)
            .load(conn),
    }
    .map_err(StoreError::from_query)
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use cairn_domain::{DisplayName, OrgKind};

    use super::super::connection::DatabaseUrl;
    use super::super::migrate;
    use super::super::orgs::{self, NewOrganisation};
    use super::super::users;
    use super::*;
    use crate::signing::{MasterKey, NewOrgKey};

    fn allocated(conn: &mut DbConn, id: &str) -> i64 {
        status_lists::table.find(id).select(status_lists::allocated).first(conn).unwrap()
    }

    /// Slots come from the pair's counter: distinct, counted, and a new pair
    /// once the counter reaches three quarters of the capacity, however many
    /// are asked for at once.
    #[test]
    fn slots_are_distinct_counted_and_move_to_a_new_pair_when_full() {
        let path = std::env::temp_dir().join(format!("cairn-status-lists-{}.db", uuid::Uuid::now_v7()));
        let url = DatabaseUrl::parse(&path.display().to_string()).unwrap();
        migrate::run_pending(&url).unwrap();
        let mut conn = url.connect().unwrap();
        let master = MasterKey::from_base64(&URL_SAFE_NO_PAD.encode([5u8; 32])).unwrap();
        conn.transaction(|conn| {
            let new = NewOrganisation { name: DisplayName::parse("Lakeside").unwrap(), kind: OrgKind::Institution, url: None };
            let admin = users::insert(
                conn,
                users::NewAccount {
                    email: cairn_domain::Email::parse("admin@example.org").unwrap(),
                    name: DisplayName::parse("Admin").unwrap(),
                    password_hash: "not a hash".into(),
                    role: cairn_domain::Role::Admin,
                    org: None,
                    email_verified: true,
                },
                None,
            )?
            .id;
            let org = orgs::insert(conn, new, NewOrgKey::generate(&master).unwrap(), admin)?.id;
            let now = time::now();
            let first = allocate_many(conn, org, 300, now)?;
            let list = first[0].revocation_list.clone();
            let indices: std::collections::BTreeSet<i64> = first.iter().map(|s| s.index).collect();
            assert_eq!(indices.len(), 300, "distinct indices");
            assert!(first.iter().all(|s| s.revocation_list == list && (0..CAPACITY).contains(&s.index)));
            assert_eq!(allocated(conn, &list), 300);
            assert_eq!(allocated(conn, &first[0].suspension_list), 300);
            // Nearly full: two more fit, the rest go to a new pair.
            diesel::update(status_lists::table.find(&list)).set(status_lists::allocated.eq(FILL_LIMIT - 2)).execute(conn)?;
            let next = allocate_many(conn, org, 5, now)?;
            // The first 300 slots were never stored on a credential, so the
            // allocator (which skips indices credentials hold) may draw one again.
            assert!(next[..2].iter().all(|s| s.revocation_list == list) && next[0].index != next[1].index);
            let fresh = &next[2].revocation_list;
            assert_ne!(fresh, &list);
            assert!(next[2..].iter().all(|s| &s.revocation_list == fresh));
            assert_eq!((allocated(conn, &list), allocated(conn, fresh)), (FILL_LIMIT, 3));
            assert_eq!(allocate(conn, org, now)?.revocation_list, *fresh);
            Ok::<_, StoreError>(())
        })
        .unwrap();
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
}
