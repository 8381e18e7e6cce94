//! Webhook endpoints of an organisation and their delivery log.

pub mod deliveries;
pub mod endpoints;
