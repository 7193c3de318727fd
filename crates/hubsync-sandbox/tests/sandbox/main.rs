//! The sandbox's integration suite: every rule of HubSpot's behaviour it reproduces, checked
//! over real HTTP on loopback.

mod support;

mod associations;
mod auth;
mod batch;
mod companies;
mod contacts;
mod control;
mod custom_properties;
mod deals;
mod faults;
mod limits;
mod meta;
mod oauth;
mod pipelines;
mod search;
