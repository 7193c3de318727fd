//! Handlers for HubSpot's routes, by area.

pub mod associations;
pub mod meta;
pub mod oauth;
pub mod objects;
pub mod pipelines;
