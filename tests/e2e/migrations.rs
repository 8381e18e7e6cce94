use cairn_tests::TestDb;
use cairn_tests::service::{Store, migrate, users};

/// Every migration has a working `down`: up, down, up leaves a usable schema.
#[test]
fn migrations_run_up_down_up() {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb::fresh(dir.path());
    let applied = migrate::run_pending(&db.url).unwrap();
    assert!(!applied.is_empty(), "no migration was applied to a fresh database");
    let reverted = migrate::revert_all(&db.url).unwrap();
    assert_eq!(reverted.len(), applied.len(), "not every migration was reverted");
    let again = migrate::run_pending(&db.url).unwrap();
    assert_eq!(again, applied);
    assert!(migrate::run_pending(&db.url).unwrap().is_empty(), "migrations are not idempotent");
    // The schema after the round trip is usable.
    let store = Store::open(&db.url).unwrap();
    let count = store.write_blocking(users::count).unwrap();
    assert_eq!(count, 0);
}
