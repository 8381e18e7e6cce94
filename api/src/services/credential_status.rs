//! Credential status changes (revoke, suspend, reinstate) and their cascade.
