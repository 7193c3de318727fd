//! A local HubSpot-compatible portal for tests, benchmarks and rehearsals.
//!
//! It serves the CRM contacts, companies and deals, their properties, associations (v4, and v3
//! on objects), deal pipelines, owners, account-info and OAuth endpoints, under both
//! `/crm/v3/...` (`/crm/v4/...` for associations) and dated `/crm/objects/2026-03/...` paths, with
//! HubSpot's validation, error bodies, rate limits and quirks (see `shared/hubspot-api.md`), plus
//! fault injection and, when `SandboxConfig::control_secret` is set, a control API under
//! `/__sandbox/` that answers only to that secret (in `CONTROL_SECRET_HEADER`).
//!
//! ```no_run
//! # async fn demo() -> Result<(), hubsync_sandbox::SandboxError> {
//! use hubsync_sandbox::{PrivateToken, Sandbox, SandboxConfig};
//! let mut config = SandboxConfig::default();
//! config.seed_contacts = 1000;
//! config.private_tokens.push(PrivateToken::new("pat-na1-demo"));
//! let sandbox = Sandbox::start(config).await?;
//! println!("{}", sandbox.base_url());
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```

mod app;
mod associations;
mod catalog;
pub mod config;
mod control;
mod deal_rules;
mod errors;
pub mod faults;
pub mod fixture;
mod links;
mod model;
mod oauth;
pub mod object_type;
mod persist;
mod pipelines;
mod portal;
pub mod properties;
mod ratelimit;
mod routes;
mod search;
mod seed;
mod server;
mod store;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use config::{
    AccountType, ApiTier, KNOWN_SCOPES, LifecycleBackward, OAuthClient, PortalInfo, PrivateToken, SandboxConfig,
};
pub use control::{CONTROL_SECRET_HEADER, ControlSecret};
pub use faults::FaultConfig;
pub use fixture::{Fixture, FixtureContact, FixtureRecord};
pub use links::{FixtureAssociation, FixtureAssociationType};
pub use model::Owner;
pub use object_type::ObjectType;
pub use persist::PersistError;
pub use pipelines::{PipelineInput, StageInput};

use crate::persist::Persistence;
use crate::portal::Portal;

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind { port: u16, source: std::io::Error },
    #[error(transparent)]
    Persist(#[from] PersistError),
    #[error("{0}")]
    Data(String),
    #[error("invalid fault configuration: {0}")]
    Faults(String),
}

/// A running sandbox portal. Dropping it stops the server.
pub struct Sandbox {
    addr: SocketAddr,
    portal: Arc<Mutex<Portal>>,
    control_secret: Option<ControlSecret>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Sandbox {
    /// Builds the portal (from the database file when it holds one, else from generated data and
    /// the fixture) and starts serving on 127.0.0.1.
    pub async fn start(config: SandboxConfig) -> Result<Sandbox, SandboxError> {
        config.faults.validate().map_err(SandboxError::Faults)?;
        let persist = config.db_path.as_deref().map(Persistence::open).transpose()?;
        let port = config.port;
        let api_versions = config.api_versions.clone();
        let control_secret = config.control_secret.clone();
        let mut portal = Portal::new(config, persist);
        initialize(&mut portal)?;

        let listener =
            TcpListener::bind(("127.0.0.1", port)).await.map_err(|source| SandboxError::Bind { port, source })?;
        let addr = listener.local_addr().map_err(|source| SandboxError::Bind { port, source })?;
        let portal = Arc::new(Mutex::new(portal));
        let state = app::AppState::new(portal.clone(), format!("http://{addr}"), control_secret.clone());
        let router = app::router(state, &api_versions);
        let (tx, rx) = oneshot::channel();
        let task = tokio::spawn(server::serve(listener, router, rx));
        tracing::info!(%addr, "sandbox portal listening");
        Ok(Sandbox { addr, portal, control_secret, shutdown: Some(tx), task: Some(task) })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, the base URL to give a HubSpot client.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The secret the control API answers to (send it in `CONTROL_SECRET_HEADER`), or `None`
    /// when the portal has no control API.
    pub fn control_secret(&self) -> Option<&str> {
        self.control_secret.as_ref().map(ControlSecret::expose)
    }

    pub fn portal_id(&self) -> u64 {
        self.lock().info.portal_id
    }

    /// Contacts that are not archived.
    pub fn contact_count(&self) -> usize {
        self.record_count(ObjectType::Contact)
    }

    /// Records of a type that are not archived.
    pub fn record_count(&self, object: ObjectType) -> usize {
        self.lock().store(object).live_count()
    }

    // ---- in-process control: what `/__sandbox/...` does, callable from a synchronous progress
    // callback, so a test can change the portal at an exact moment of a run ----

    /// Replaces the fault configuration and restarts the fault dice from `seed`.
    pub fn set_faults(&self, config: FaultConfig, seed: u64) -> Result<(), SandboxError> {
        config.validate().map_err(SandboxError::Faults)?;
        let mut portal = self.lock();
        portal.faults = faults::FaultDice::new(seed, config);
        Ok(())
    }

    /// HubSpot expires every access token early: the next call with one gets a 401.
    pub fn expire_access_tokens(&self) -> usize {
        let mut portal = self.lock();
        let now = portal.now();
        portal.oauth.expire_all_access(now)
    }

    /// The app is uninstalled: every refresh token (and so every access token) stops working.
    pub fn revoke_refresh_tokens(&self) -> usize {
        self.lock().oauth.revoke_all_refresh()
    }

    /// Turns the portal's limits on and leaves `left` calls of today's daily cap (which applies
    /// to private-app tokens, as HubSpot's does).
    pub fn set_daily_calls_left(&self, left: u64) {
        let mut portal = self.lock();
        let (now, offset) = (portal.now(), portal.info.utc_offset_minutes);
        let cap = portal.limits.tier.daily_limit();
        portal.limits.enabled = true;
        portal.limits.set_daily_used(cap.saturating_sub(left), now, offset);
    }

    /// Moves the portal's clock forward: writes reach search, tokens expire, the daily limit
    /// resets, without waiting.
    pub fn advance_clock(&self, by: chrono::Duration) {
        self.lock().clock.advance(by);
    }

    /// How long from now on a write takes to reach search.
    pub fn set_search_delay(&self, delay: std::time::Duration) {
        self.lock().config.search_visibility_delay_ms = delay.as_millis() as u64;
    }

    /// The portal's midnight: the daily cap starts again.
    pub fn reset_daily_limit(&self) {
        let mut portal = self.lock();
        let (now, offset) = (portal.now(), portal.info.utc_offset_minutes);
        portal.limits.set_daily_used(0, now, offset);
    }

    /// Associates two live records of different types, as `PUT /crm/v4/objects/…` would;
    /// `primary` makes the company the contact's (or deal's) primary one, moving it from another.
    pub fn associate(&self, from: (ObjectType, u64), to: (ObjectType, u64), primary: bool) -> Result<(), SandboxError> {
        let mut portal = self.lock();
        let kinds = links::checked_kinds(&portal, from, to, primary).map_err(SandboxError::Data)?;
        portal.link(from, to, &kinds);
        Ok(())
    }

    /// Ids of the live `to_type` records associated with a live record, in id order.
    pub fn associated(&self, from: (ObjectType, u64), to_type: ObjectType) -> Vec<u64> {
        self.lock().live_targets(from, to_type, 0).collect()
    }

    /// Adds a deal pipeline, or replaces the one with its id (`default` included): how a test
    /// renames a stage to prove a client reads labels by id.
    pub fn put_deal_pipeline(&self, pipeline: &PipelineInput) -> Result<(), SandboxError> {
        let mut portal = self.lock();
        let now = portal.now();
        let stored = portal.deal_pipelines.put(pipeline, now).map_err(SandboxError::Data)?.clone();
        if let Some(persist) = &mut portal.persist {
            persist.save_deal_pipeline(&stored);
        }
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Portal> {
        self.portal.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stops accepting connections and ends open ones.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Reopens what a database file holds, or builds the starting data.
fn initialize(portal: &mut Portal) -> Result<(), SandboxError> {
    if let Some(persist) = &portal.persist
        && !persist.is_empty()?
    {
        let mut stored = persist.load()?;
        portal.owners = stored.owners;
        for object in ObjectType::ALL {
            let properties = std::mem::take(stored.properties.get_mut(object));
            if !properties.is_empty() {
                portal.set_catalog(object, properties);
            }
            for record in std::mem::take(stored.records.get_mut(object)) {
                portal.store_mut(object).restore(record);
            }
        }
        restore_links_and_pipelines(portal)?;
        // The portal's identity, OAuth apps and private tokens come from the configuration, not
        // the file.
        if let Some(fixture) = portal.config.fixture.clone() {
            fixture::apply_identity(portal, &fixture);
        }
        return Ok(());
    }
    reset_portal(portal).map_err(SandboxError::Data)
}

/// The lowercased domain of a record's `email`.
fn email_domain(properties: &model::Properties) -> Option<String> {
    properties.get("email").and_then(|e| e.rsplit_once('@')).map(|(_, domain)| domain.to_lowercase())
}

/// Puts back the associations and deal pipelines a reopened file holds (a file from before
/// they were saved has none: its portal keeps the default pipelines).
fn restore_links_and_pipelines(portal: &mut Portal) -> Result<(), SandboxError> {
    let Some(persist) = &portal.persist else {
        return Ok(());
    };
    let saved = persist.load_associations()?;
    let pipelines = persist.load_deal_pipelines()?;
    for association in saved {
        portal.associations.restore(association);
    }
    if !pipelines.is_empty() {
        portal.deal_pipelines = pipelines::DealPipelines::from_saved(pipelines);
    }
    Ok(())
}

/// Back to the starting state: generated data, then the fixture; counters, log, limits, faults
/// and clock cleared.
pub(crate) fn reset_portal(portal: &mut Portal) -> Result<(), String> {
    for object in ObjectType::ALL {
        portal.set_catalog(object, catalog::default_catalog(object));
        *portal.store_mut(object) = store::RecordStore::new(object);
    }
    portal.deal_pipelines = pipelines::DealPipelines::default();
    let count = portal.config.seed_contacts;
    portal.owners = if count > 0 { seed::owners() } else { Vec::new() };
    portal.associations = associations::AssociationStore::new();
    let seed = portal.config.seed;
    let contacts = seed::contacts(seed, count, &portal.owners);
    let contact_domains: Vec<Option<String>> = contacts.iter().map(|c| email_domain(&c.properties)).collect();
    let contact_ids = fixture::insert_all(portal, ObjectType::Contact, contacts);
    // Demo contacts come with their companies, those companies' deals, and associations.
    if count > 0 {
        let companies = seed::companies(seed, &portal.owners);
        let deals = seed::deals(seed, &companies, &portal.owners);
        let company_domains: Vec<String> =
            companies.iter().map(|c| c.properties.get("domain").cloned().unwrap_or_default()).collect();
        let deal_companies: Vec<usize> = deals.iter().map(|d| d.company).collect();
        let company_ids = fixture::insert_all(portal, ObjectType::Company, companies);
        let deal_ids = fixture::insert_all(portal, ObjectType::Deal, deals.into_iter().map(|d| d.record).collect());
        let contacts: Vec<(u64, Option<String>)> = contact_ids.into_iter().zip(contact_domains).collect();
        let companies: Vec<(u64, String)> = company_ids.into_iter().zip(company_domains).collect();
        let deals: Vec<(u64, usize)> = deal_ids.into_iter().zip(deal_companies).collect();
        let seeded = seed::Seeded { contacts: &contacts, companies: &companies, deals: &deals };
        for (from, to, kinds) in seed::associations(seed, &seeded) {
            portal.associations.associate(from, to, &kinds);
        }
    }
    if let Some(fixture) = portal.config.fixture.clone() {
        fixture::apply(portal, &fixture)?;
    }
    portal.counters = control::Counters::default();
    portal.log.clear();
    portal.limits.reset();
    portal.faults = faults::FaultDice::new(portal.config.seed, portal.config.faults.clone());
    portal.clock = portal::Clock::default();
    persist_everything(portal)
}

pub(crate) fn persist_everything(portal: &mut Portal) -> Result<(), String> {
    let Portal { persist, catalogs, owners, records, associations, deal_pipelines, .. } = portal;
    if let Some(persist) = persist.as_mut() {
        // Before `save_all`, which marks the file seeded: a file cut short here is seeded again.
        persist.save_links_and_pipelines(associations.iter(), deal_pipelines.all()).map_err(|e| e.to_string())?;
        persist.save_all(catalogs, owners, records).map_err(|e| e.to_string())?;
    }
    Ok(())
}
