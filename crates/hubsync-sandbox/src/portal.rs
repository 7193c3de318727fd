//! The portal's state and the rules every write goes through. One `Portal` sits behind a mutex;
//! handlers lock it, do their work without awaiting, and let go.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value};

use crate::associations::AssociationStore;
use crate::catalog::{CURRENCY_PROPERTY, Catalog, currency_options, default_catalog};
use crate::config::{LifecycleBackward, PortalInfo, SandboxConfig};
use crate::control::{Counters, RequestLog};
use crate::deal_rules::settle_deal;
use crate::errors::ApiError;
use crate::faults::FaultDice;
use crate::model::{Owner, Properties, PropertySelection, Record, identifying_emails};
use crate::oauth::OAuthState;
use crate::object_type::{ByType, ObjectType};
use crate::persist::Persistence;
use crate::pipelines::DealPipelines;
use crate::properties::{PropertyDef, PropertyValueError, lifecycle_rank, normalize_value};
use crate::ratelimit::RateLimiter;
use crate::store::RecordStore;

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
    /// Each object type's property definitions.
    pub catalogs: ByType<Catalog>,
    pub owners: Vec<Owner>,
    pub records: ByType<RecordStore>,
    /// Associations between records, each pair once (`links.rs` has their rules).
    pub associations: AssociationStore,
    /// The deal pipelines a deal's `pipeline` and `dealstage` name.
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
    pub object: ObjectType,
    pub id: Option<u64>,
    pub properties: Properties,
    pub changed: bool,
}

impl Portal {
    pub fn new(config: SandboxConfig, persist: Option<Persistence>) -> Self {
        let mut portal = Portal {
            info: config.portal.clone(),
            clock: Clock::default(),
            catalogs: ByType::default(),
            owners: Vec::new(),
            records: ByType::from_fn(RecordStore::new),
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
        for object in ObjectType::ALL {
            portal.set_catalog(object, default_catalog(object));
        }
        portal
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn set_catalog(&mut self, object: ObjectType, defs: Vec<PropertyDef>) {
        *self.catalogs.get_mut(object) = Catalog::new(defs);
        if object == ObjectType::Deal {
            self.refresh_currency_options();
        }
    }

    /// `deal_currency_code` offers the portal's currencies: call after they change.
    pub fn refresh_currency_options(&mut self) {
        let options = currency_options(&self.info.currencies());
        if let Some(def) = self.catalogs.deal.get_mut(CURRENCY_PROPERTY) {
            def.options = options;
        }
    }

    pub fn catalog(&self, object: ObjectType) -> &Catalog {
        self.catalogs.get(object)
    }

    pub fn property(&self, object: ObjectType, name: &str) -> Option<&PropertyDef> {
        self.catalogs.get(object).get(name)
    }

    pub fn store(&self, object: ObjectType) -> &RecordStore {
        self.records.get(object)
    }

    pub fn store_mut(&mut self, object: ObjectType) -> &mut RecordStore {
        self.records.get_mut(object)
    }

    /// Whether a record of this type exists and is not archived.
    pub fn record_live(&self, object: ObjectType, id: u64) -> bool {
        self.store(object).live(id).is_some()
    }

    /// Live companies whose `domain` is this one (case-insensitively), oldest first: none, one,
    /// or several, since HubSpot does not keep domains unique.
    pub fn companies_with_domain(&self, domain: &str) -> Vec<u64> {
        self.records.company.with_value("domain", domain).collect()
    }

    pub fn owner_exists(&self, id: &str) -> bool {
        self.owners.iter().any(|o| o.id == id)
    }

    /// The selection a read asked for; names the portal doesn't have are dropped, as HubSpot does.
    pub fn selection(&self, object: ObjectType, requested: &[String]) -> PropertySelection {
        let names: Vec<String> = requested
            .iter()
            .flat_map(|p| p.split(','))
            .map(str::trim)
            .filter(|p| !p.is_empty() && self.property(object, p).is_some())
            .map(String::from)
            .collect();
        if requested.iter().all(|p| p.trim().is_empty()) {
            PropertySelection::Default
        } else {
            PropertySelection::Named(names)
        }
    }

    /// Whether records of this type can be found by `name`: the record id, a contact's email, or
    /// a custom property with unique values.
    pub fn is_unique_property(&self, object: ObjectType, name: &str) -> bool {
        name == "hs_object_id"
            || (object == ObjectType::Contact && name == "email")
            || self.catalog(object).unique_custom().any(|d| d.name == name)
    }

    /// Looks a record up by record id or, with `idProperty`, by a unique property (a contact's
    /// email or a custom unique property). Archived records are found only when `archived` is
    /// asked for.
    pub fn lookup(&self, object: ObjectType, key: &str, id_property: Option<&str>, archived: bool) -> Option<&Record> {
        let store = self.store(object);
        let record = match id_property {
            Some("hs_object_id") | None => key.parse::<u64>().ok().and_then(|id| store.get(id)),
            Some("email") if object == ObjectType::Contact => store.find_by_email(key).and_then(|id| store.get(id)),
            Some(name) if self.is_unique_property(object, name) => {
                if archived {
                    store.iter().find(|r| r.archived && r.get(name).is_some_and(|v| v.eq_ignore_ascii_case(key)))
                } else {
                    store.with_value(name, key).next().and_then(|id| store.get(id))
                }
            }
            Some(_) => None,
        }?;
        (record.archived == archived).then_some(record)
    }

    /// Applies `input` (a request's `properties` object) on top of `current` and checks every value
    /// against its property. All rejected values are reported together, as HubSpot does.
    pub fn plan_write(
        &self,
        object: ObjectType,
        current: Option<&Record>,
        input: &Value,
    ) -> Result<PlannedWrite, ApiError> {
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
            let Some(def) = self.property(object, name) else {
                errors.push(PropertyValueError::doesnt_exist(name));
                continue;
            };
            // createdate may be set when a record is created (imports), not changed afterwards.
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
        if errors.is_empty() && object == ObjectType::Deal {
            errors = settle_deal(&self.deal_pipelines, &mut props, current.is_none());
        }
        if !errors.is_empty() {
            return Err(ApiError::PropertyValues { portal_id: self.info.portal_id, errors });
        }
        let changed = current.is_none_or(|c| *c.properties != props);
        Ok(PlannedWrite { object, id: current.map(|c| c.id), properties: props, changed })
    }

    fn lifecycle_move(&self, def: &PropertyDef, from: Option<&str>, to: &str) -> LifecycleMove {
        match (from.and_then(|f| lifecycle_rank(def, f)), lifecycle_rank(def, to)) {
            (Some(from), Some(to)) if to < from => LifecycleMove::Backward,
            _ => LifecycleMove::Forward,
        }
    }

    /// The id of another live record that already holds one of the planned write's unique values:
    /// a contact's emails, or a custom property with unique values.
    pub fn unique_conflict(&self, plan: &PlannedWrite) -> Option<u64> {
        let store = self.store(plan.object);
        let other = |id: &u64| Some(*id) != plan.id;
        if plan.object == ObjectType::Contact
            && let Some(owner) =
                identifying_emails(&plan.properties).iter().filter_map(|e| store.find_by_email(e)).find(other)
        {
            return Some(owner);
        }
        self.catalog(plan.object)
            .unique_custom()
            .filter_map(|def| plan.properties.get(&def.name).map(|v| (def.name.as_str(), v.as_str())))
            .find_map(|(name, value)| store.with_value(name, value).find(other))
    }

    /// The 409 a planned write meets when another record holds one of its unique values.
    pub fn check_unique(&self, plan: &PlannedWrite) -> Result<(), ApiError> {
        match self.unique_conflict(plan) {
            Some(existing_id) => Err(ApiError::RecordExists { object: plan.object, existing_id }),
            None => Ok(()),
        }
    }

    /// Stores a planned write. Returns the record id.
    pub fn commit(&mut self, plan: PlannedWrite) -> u64 {
        let now = self.now();
        let object = plan.object;
        let stamps_lead_date = self.property(object, LEAD_DATE_PROPERTY).is_some();
        let id = match plan.id {
            None => {
                let mut props = plan.properties;
                let created_at = props
                    .get("createdate")
                    .and_then(|v| DateTime::parse_from_rfc3339(v).ok())
                    .map_or(now, |t| t.with_timezone(&Utc));
                if stamps_lead_date {
                    stamp_lifecycle_dates(&mut props, None, now);
                }
                let id = self.store_mut(object).insert(None, props, created_at, now);
                self.counters.records_created += 1;
                id
            }
            Some(id) => {
                if !plan.changed {
                    return id;
                }
                let mut props = plan.properties;
                let before = self.store(object).get(id).and_then(|c| c.get("lifecyclestage").map(String::from));
                if stamps_lead_date {
                    stamp_lifecycle_dates(&mut props, before.as_deref(), now);
                }
                self.store_mut(object).replace_properties(id, props, now);
                self.counters.records_updated += 1;
                id
            }
        };
        self.after_write(object, id, now);
        id
    }

    pub fn archive(&mut self, object: ObjectType, id: u64) -> bool {
        let now = self.now();
        if !self.store_mut(object).archive(id, now) {
            return false;
        }
        self.counters.records_archived += 1;
        self.after_write(object, id, now);
        true
    }

    fn after_write(&mut self, object: ObjectType, id: u64, now: DateTime<Utc>) {
        let visible_at = now + Duration::milliseconds(self.config.search_visibility_delay_ms as i64);
        if let Some(record) = self.store_mut(object).get_mut(id) {
            record.schedule_search_update(now, visible_at);
        }
        if let Some(persist) = &mut self.persist
            && let Some(record) = self.records.get(object).get(id)
        {
            persist.save_record(record);
        }
    }

    /// Checks a batch of writes whole: the plan of each input, or the error that sinks it. Unique
    /// values (a contact's emails, custom unique properties) must be unique within the batch too.
    pub fn plan_batch<'a>(
        &self,
        object: ObjectType,
        inputs: impl Iterator<Item = (Option<&'a Record>, &'a Value)>,
    ) -> Vec<Result<PlannedWrite, ApiError>> {
        let mut seen_emails: HashSet<String> = HashSet::new();
        let mut seen_values: HashSet<(String, String)> = HashSet::new();
        inputs
            .map(|(current, props)| {
                let plan = self.plan_write(object, current, props)?;
                self.check_unique(&plan)?;
                for email in identifying_emails(&plan.properties).into_iter().filter(|_| object == ObjectType::Contact)
                {
                    let owned_by_self = current.is_some_and(|c| c.identifying_emails().contains(&email));
                    if !owned_by_self && !seen_emails.insert(email.clone()) {
                        return Err(ApiError::Validation(format!("Duplicate email addresses in batch input: {email}")));
                    }
                }
                for def in self.catalog(object).unique_custom() {
                    let Some(value) = plan.properties.get(&def.name) else { continue };
                    let unchanged = current.is_some_and(|c| c.get(&def.name) == Some(value.as_str()));
                    if !unchanged && !seen_values.insert((def.name.clone(), value.to_lowercase())) {
                        return Err(ApiError::Validation(format!(
                            "Duplicate values in batch input for unique property {}: {value}",
                            def.name
                        )));
                    }
                }
                Ok(plan)
            })
            .collect()
    }
}

/// Contacts' "became a lead" date, stamped when a record first reaches that stage.
const LEAD_DATE_PROPERTY: &str = "hs_lifecyclestage_lead_date";

enum LifecycleMove {
    Forward,
    Backward,
}

/// HubSpot stamps "became a lead" when a contact first reaches that stage.
fn stamp_lifecycle_dates(props: &mut Properties, before: Option<&str>, now: DateTime<Utc>) {
    if props.get("lifecyclestage").map(String::as_str) == Some("lead")
        && before != Some("lead")
        && !props.contains_key(LEAD_DATE_PROPERTY)
    {
        props.insert(LEAD_DATE_PROPERTY.into(), crate::properties::format_timestamp(now));
    }
}
