//! Employment records: adding, removing, listing, attesting.
