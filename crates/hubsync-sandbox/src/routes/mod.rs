//! Handlers for HubSpot's routes, by area.

pub mod associations;
pub mod contacts;
pub mod meta;
pub mod oauth;
pub mod pipelines;
