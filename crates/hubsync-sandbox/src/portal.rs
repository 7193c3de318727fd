//! The portal's state and the rules every write goes through. One `Portal` sits behind a mutex;
//! handlers lock it, do their work without awaiting, and let go.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value};

use crate::associations::AssociationStore;
use crate::config::{LifecycleBackward, PortalInfo, SandboxConfig};
use crate::control::{Counters, RequestLog};
use crate::errors::ApiError;
use crate::faults::FaultDice;
use crate::model::{Contact, Owner, Properties, PropertySelection, identifying_emails};
use crate::oauth::OAuthState;
use crate::persist::Persistence;
use crate::pipelines::DealPipelines;
use crate::properties::{PropertyDef, PropertyValueError, lifecycle_rank, normalize_value};
use crate::ratelimit::RateLimiter;
use crate::store::ContactStore;

/// The sandbox's notion of "now": the wall clock plus an offset tests can move forward (to
/// expire tokens or pass the daily reset without waiting).
#[derive(Debug, Default, Clone, Copy)]
pub struct Clock {
    offset: Duration,
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.offset
    }

    pub fn advance(&mut self, by: Duration) {
        self.offset += by;
    }
}

pub struct Portal {
    pub info: PortalInfo,
    pub config: SandboxConfig,
    pub clock: Clock,
    pub catalog: Vec<PropertyDef>,
    catalog_index: HashMap<String, usize>,
    pub owners: Vec<Owner>,
    pub contacts: ContactStore,
    /// Associations between records, each pair once (`links.rs` has their rules).
    pub associations: AssociationStore,
    pub deal_pipelines: DealPipelines,
    pub oauth: OAuthState,
    pub limits: RateLimiter,
    pub faults: FaultDice,
    pub counters: Counters,
    pub log: RequestLog,
    pub persist: Option<Persistence>,
}

/// A write checked against the portal's rules, ready to commit.
#[derive(Debug, Clone)]
pub struct PlannedWrite {
    pub id: Option<u64>,
    pub properties: Properties,
    pub changed: bool,
}

impl Portal {
    pub fn new(config: SandboxConfig, persist: Option<Persistence>) -> Self {
        let mut portal = Portal {
            info: config.portal.clone(),
            clock: Clock::default(),
            catalog: Vec::new(),
            catalog_index: HashMap::new(),
            owners: Vec::new(),
            contacts: ContactStore::new(),
            associations: AssociationStore::new(),
            deal_pipelines: DealPipelines::default(),
            oauth: OAuthState::new(&config),
            limits: RateLimiter::new(config.rate_limits, config.tier),
            faults: FaultDice::new(config.seed, config.faults.clone()),
            counters: Counters::default(),
            log: RequestLog::default(),
            persist,
            config,
        };
        portal.set_catalog(crate::properties::default_catalog());
        portal
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn set_catalog(&mut self, catalog: Vec<PropertyDef>) {
        self.catalog_index = catalog.iter().enumerate().map(|(i, d)| (d.name.clone(), i)).collect();
        self.catalog = catalog;
    }

    pub fn property(&self, name: &str) -> Option<&PropertyDef> {
        self.catalog_index.get(name).map(|&i| &self.catalog[i])
    }

    pub fn owner_exists(&self, id: &str) -> bool {
        self.owners.iter().any(|o| o.id == id)
    }

    /// The selection a read asked for; names the portal doesn't have are dropped, as HubSpot does.
    pub fn selection(&self, requested: &[String]) -> PropertySelection {
        let names: Vec<String> = requested
            .iter()
            .flat_map(|p| p.split(','))
            .map(str::trim)
            .filter(|p| !p.is_empty() && self.property(p).is_some())
            .map(String::from)
            .collect();
        if requested.iter().all(|p| p.trim().is_empty()) {
            PropertySelection::Default
        } else {
            PropertySelection::Named(names)
        }
    }

    /// Looks a contact up by record id or, with `idProperty=email`, by email. Archived contacts
    /// are found only when `archived` is asked for.
    pub fn lookup(&self, key: &str, id_property: Option<&str>, archived: bool) -> Option<&Contact> {
        let contact = match id_property {
            Some("email") => self.contacts.find_by_email(key).and_then(|id| self.contacts.get(id)),
            Some("hs_object_id") | None => key.parse::<u64>().ok().and_then(|id| self.contacts.get(id)),
            Some(_) => None,
        }?;
        (contact.archived == archived).then_some(contact)
    }

    /// Applies `input` (a request's `properties` object) on top of `current` and checks every value
    /// against its property. All rejected values are reported together, as HubSpot does.
    pub fn plan_write(&self, current: Option<&Contact>, input: &Value) -> Result<PlannedWrite, ApiError> {
        let empty = Map::new();
        let input = match input {
            Value::Object(map) => map,
            Value::Null => &empty,
            _ => {
                return Err(ApiError::Validation("Invalid input JSON: \"properties\" must be an object".into()));
            }
        };
        let mut props: Properties = current.map(|c| (*c.properties).clone()).unwrap_or_default();
        let mut errors = Vec::new();
        let owner_exists = |id: &str| self.owner_exists(id);
        for (name, value) in input {
            let raw = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                Value::Null => String::new(),
                _ => {
                    errors.push(PropertyValueError::new(
                        name,
                        "INVALID_PROPERTY_VALUE",
                        format!("{name} must be a string, not {value}"),
                    ));
                    continue;
                }
            };
            let Some(def) = self.property(name) else {
                errors.push(PropertyValueError::doesnt_exist(name));
                continue;
            };
            // createdate may be set when a contact is created (imports), not changed afterwards.
            if name == "createdate" && current.is_some() {
                errors.push(PropertyValueError::new(
                    name,
                    "READ_ONLY_VALUE",
                    "\"createdate\" is a read only property; its value cannot be set.",
                ));
                continue;
            }
            let stored = props.get(name.as_str()).map(String::as_str);
            match normalize_value(def, &raw, stored, &owner_exists) {
                Ok(Some(value)) => {
                    if name == "lifecyclestage" {
                        match self.lifecycle_move(def, stored, &value) {
                            LifecycleMove::Forward => {}
                            LifecycleMove::Backward if self.config.lifecycle_backward == LifecycleBackward::Ignore => {
                                continue;
                            }
                            LifecycleMove::Backward => {
                                errors.push(PropertyValueError::new(
                                    name,
                                    "INVALID_LIFECYCLE_STAGE",
                                    format!(
                                        "lifecyclestage can only move forward: {value} comes before {}. Clear it first, then set it in a later request.",
                                        stored.unwrap_or_default()
                                    ),
                                ));
                                continue;
                            }
                        }
                    }
                    props.insert(name.clone(), value);
                }
                Ok(None) => {
                    props.remove(name.as_str());
                }
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            return Err(ApiError::PropertyValues { portal_id: self.info.portal_id, errors });
        }
        let changed = current.is_none_or(|c| *c.properties != props);
        Ok(PlannedWrite { id: current.map(|c| c.id), properties: props, changed })
    }

    fn lifecycle_move(&self, def: &PropertyDef, from: Option<&str>, to: &str) -> LifecycleMove {
        match (from.and_then(|f| lifecycle_rank(def, f)), lifecycle_rank(def, to)) {
            (Some(from), Some(to)) if to < from => LifecycleMove::Backward,
            _ => LifecycleMove::Forward,
        }
    }

    /// The id of another live contact that already owns one of the planned emails.
    pub fn email_conflict(&self, plan: &PlannedWrite) -> Option<u64> {
        identifying_emails(&plan.properties)
            .iter()
            .filter_map(|e| self.contacts.find_by_email(e))
            .find(|&owner| Some(owner) != plan.id)
    }

    /// Stores a planned write. Returns the contact id.
    pub fn commit(&mut self, plan: PlannedWrite) -> u64 {
        let now = self.now();
        let id = match plan.id {
            None => {
                let mut props = plan.properties;
                let created_at = props
                    .get("createdate")
                    .and_then(|v| DateTime::parse_from_rfc3339(v).ok())
                    .map_or(now, |t| t.with_timezone(&Utc));
                stamp_lifecycle_dates(&mut props, None, now);
                let id = self.contacts.insert(None, props, created_at, now);
                self.counters.records_created += 1;
                id
            }
            Some(id) => {
                if !plan.changed {
                    return id;
                }
                let mut props = plan.properties;
                let before = self.contacts.get(id).and_then(|c| c.get("lifecyclestage").map(String::from));
                stamp_lifecycle_dates(&mut props, before.as_deref(), now);
                self.contacts.replace_properties(id, props, now);
                self.counters.records_updated += 1;
                id
            }
        };
        self.after_write(id, now);
        id
    }

    pub fn archive(&mut self, id: u64) -> bool {
        let now = self.now();
        if !self.contacts.archive(id, now) {
            return false;
        }
        self.counters.records_archived += 1;
        self.after_write(id, now);
        true
    }

    fn after_write(&mut self, id: u64, now: DateTime<Utc>) {
        let visible_at = now + Duration::milliseconds(self.config.search_visibility_delay_ms as i64);
        if let Some(contact) = self.contacts.get_mut(id) {
            contact.schedule_search_update(now, visible_at);
        }
        if let Some(persist) = &mut self.persist
            && let Some(contact) = self.contacts.get(id)
        {
            persist.save_contact(contact);
        }
    }

    /// Checks a batch of writes whole: the plan of each input, or the error that sinks the batch.
    /// Emails must be unique within the batch too.
    pub fn plan_batch<'a>(
        &self,
        inputs: impl Iterator<Item = (Option<&'a Contact>, &'a Value)>,
    ) -> Vec<Result<PlannedWrite, ApiError>> {
        let mut seen: HashSet<String> = HashSet::new();
        inputs
            .map(|(current, props)| {
                let plan = self.plan_write(current, props)?;
                if let Some(existing_id) = self.email_conflict(&plan) {
                    return Err(ApiError::ContactExists { existing_id });
                }
                for email in identifying_emails(&plan.properties) {
                    let owned_by_self = current.is_some_and(|c| c.identifying_emails().contains(&email));
                    if !owned_by_self && !seen.insert(email.clone()) {
                        return Err(ApiError::Validation(format!("Duplicate email addresses in batch input: {email}")));
                    }
                }
                Ok(plan)
            })
            .collect()
    }
}

enum LifecycleMove {
    Forward,
    Backward,
}

/// HubSpot stamps "became a lead" when a contact first reaches that stage.
fn stamp_lifecycle_dates(props: &mut Properties, before: Option<&str>, now: DateTime<Utc>) {
    if props.get("lifecyclestage").map(String::as_str) == Some("lead")
        && before != Some("lead")
        && !props.contains_key("hs_lifecyclestage_lead_date")
    {
        props.insert("hs_lifecyclestage_lead_date".into(), crate::properties::format_timestamp(now));
    }
}
