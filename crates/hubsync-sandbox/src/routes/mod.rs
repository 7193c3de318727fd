//! Handlers for HubSpot's routes, by area.

pub mod contacts;
pub mod meta;
pub mod oauth;
