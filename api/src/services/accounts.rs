//! Accounts: registration and staff members.
