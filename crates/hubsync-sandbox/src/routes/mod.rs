//! Handlers for HubSpot's routes, by area.

pub mod meta;
pub mod oauth;
pub mod objects;
