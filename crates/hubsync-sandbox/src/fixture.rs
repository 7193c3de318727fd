//! Fixture files: a portal's data as JSON, in HubSpot's own shapes where HubSpot has one.
//!
//! ```json
//! { "portal": {…PortalInfo…},
//!   "properties": [ …HubSpot contact property definitions… ],
//!   "companyProperties": [ … ], "dealProperties": [ … ],
//!   "owners": [ {"id":"101","email":"…","firstName":"…","lastName":"…","userId":9,"userIdIncludingInactive":9} ],
//!   "contacts": [ {"id":"1001","properties":{"email":"a@b.com"},"archived":false,"createdAt":"…"} ],
//!   "companies": [ {"properties":{"name":"Acme","domain":"acme.com"}} ],
//!   "deals": [ {"properties":{"dealname":"Acme renewal","dealstage":"qualifiedtobuy"}} ],
//!   "oauthClients": [ {"clientId":"…","clientSecret":"…","redirectUris":["http://localhost:47813/callback"]} ],
//!   "privateTokens": [ {"token":"pat-na1-…","scopes":["crm.objects.contacts.read"]} ],
//!   "associations": [ {"fromObjectType":"contacts","fromObjectId":"1001","toObjectType":"companies",
//!                      "toObjectId":"5","types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":1}]} ],
//!   "dealPipelines": [ {"id":"default","label":"Sales Pipeline","stages":[{"id":"closedwon","label":"Won",
//!                       "metadata":{"probability":"1.0"}}]} ] }
//! ```

use std::collections::HashSet;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::associations::RecordRef;
use crate::catalog::{CURRENCY_PROPERTY, Catalog, currency_options};
use crate::config::{OAuthClient, PortalInfo, PrivateToken};
use crate::deal_rules::settle_deal;
use crate::links::{FixtureAssociation, plan_fixture_associations};
use crate::model::{Owner, Properties, identifying_emails};
use crate::object_type::{ByType, ObjectType};
use crate::pipelines::{DealPipelines, PipelineInput};
use crate::portal::Portal;
use crate::properties::{PropertyDef, normalize_value};

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Fixture {
    #[serde(default)]
    pub portal: Option<PortalInfo>,
    /// Contact properties (the key predates the other object types).
    #[serde(default)]
    pub properties: Vec<PropertyDef>,
    #[serde(default)]
    pub company_properties: Vec<PropertyDef>,
    #[serde(default)]
    pub deal_properties: Vec<PropertyDef>,
    #[serde(default)]
    pub owners: Vec<Owner>,
    #[serde(default)]
    pub contacts: Vec<FixtureRecord>,
    #[serde(default)]
    pub companies: Vec<FixtureRecord>,
    #[serde(default)]
    pub deals: Vec<FixtureRecord>,
    #[serde(default)]
    pub oauth_clients: Vec<OAuthClient>,
    #[serde(default)]
    pub private_tokens: Vec<PrivateToken>,
    /// Associations between records the portal or the fixture holds (`links::FixtureAssociation`).
    #[serde(default)]
    pub associations: Vec<FixtureAssociation>,
    /// Deal pipelines to add, or to replace by id (`default` included).
    #[serde(default)]
    pub deal_pipelines: Vec<PipelineInput>,
}

/// One record of a fixture, of any object type: HubSpot's record shape.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FixtureRecord {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub properties: Map<String, Value>,
    #[serde(default)]
    pub archived: bool,
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
}

/// The name fixtures had when they held contacts only.
pub type FixtureContact = FixtureRecord;

impl Fixture {
    pub fn from_file(path: &Path) -> Result<Fixture, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read fixture {}: {e}", path.display()))?;
        Fixture::from_json(&text).map_err(|e| format!("fixture {}: {e}", path.display()))
    }

    pub fn from_json(text: &str) -> Result<Fixture, String> {
        serde_json::from_str(text)
            .map_err(|e| format!("not a valid fixture (line {}, column {}): {e}", e.line(), e.column()))
    }

    pub fn properties_of(&self, object: ObjectType) -> &[PropertyDef] {
        match object {
            ObjectType::Contact => &self.properties,
            ObjectType::Company => &self.company_properties,
            ObjectType::Deal => &self.deal_properties,
        }
    }

    pub fn records_of(&self, object: ObjectType) -> &[FixtureRecord] {
        match object {
            ObjectType::Contact => &self.contacts,
            ObjectType::Company => &self.companies,
            ObjectType::Deal => &self.deals,
        }
    }
}

/// A record ready to insert: values checked, ids and times settled.
#[derive(Clone, Debug)]
pub struct SeedRecord {
    pub id: Option<u64>,
    pub properties: Properties,
    pub archived: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a fixture's records are checked against: the catalogs, owners and pipelines they will
/// join.
struct Staged<'a> {
    catalogs: &'a ByType<Catalog>,
    owners: &'a [Owner],
    pipelines: &'a DealPipelines,
}

/// Loads a fixture into the portal. Property values are checked by type (read-only ones such as
/// `hs_additional_emails` may be set, as an import would); emails, unique values and ids must be
/// unique; deals' pipelines and stages must exist. Nothing is changed when any part is wrong.
pub fn apply(portal: &mut Portal, fixture: &Fixture) -> Result<(), String> {
    // Stage the definitions and owners first: records are checked against them.
    let mut catalogs = portal.catalogs.clone();
    for object in ObjectType::ALL {
        for def in fixture.properties_of(object) {
            catalogs.get_mut(object).put(def.clone());
        }
    }
    let currencies = fixture.portal.as_ref().unwrap_or(&portal.info).currencies();
    if let Some(def) = catalogs.deal.get_mut(CURRENCY_PROPERTY) {
        def.options = currency_options(&currencies);
    }
    let mut owners = portal.owners.clone();
    for owner in &fixture.owners {
        match owners.iter_mut().find(|o| o.id == owner.id) {
            Some(slot) => *slot = owner.clone(),
            None => owners.push(owner.clone()),
        }
    }
    // Pipelines first: the fixture's deals may name its pipelines.
    let now = portal.now();
    let mut pipelines = portal.deal_pipelines.clone();
    for pipeline in &fixture.deal_pipelines {
        pipelines.put(pipeline, now).map_err(|e| format!("deal pipeline: {e}"))?;
    }
    let staged = Staged { catalogs: &catalogs, owners: &owners, pipelines: &pipelines };
    let mut prepared: ByType<Vec<SeedRecord>> = ByType::default();
    for object in ObjectType::ALL {
        let store = portal.store(object);
        let catalog = catalogs.get(object);
        let mut emails: HashSet<String> = HashSet::new();
        let mut values: HashSet<(String, String)> = HashSet::new();
        let mut ids: HashSet<u64> = HashSet::new();
        for (index, record) in fixture.records_of(object).iter().enumerate() {
            let what = format!("{} #{index}", object.singular());
            let seed = prepare_record(object, &staged, record, now).map_err(|e| format!("{what}: {e}"))?;
            if !seed.archived && object == ObjectType::Contact {
                for email in identifying_emails(&seed.properties) {
                    if store.find_by_email(&email).is_some() || !emails.insert(email.clone()) {
                        return Err(format!("{what}: email {email} is already used by another contact"));
                    }
                }
            }
            if !seed.archived {
                for def in catalog.unique_custom() {
                    let Some(value) = seed.properties.get(&def.name) else { continue };
                    let taken = store.with_value(&def.name, value).next().is_some();
                    if taken || !values.insert((def.name.clone(), value.to_lowercase())) {
                        return Err(format!(
                            "{what}: {} {value} is already used by another {}",
                            def.name,
                            object.singular()
                        ));
                    }
                }
            }
            if let Some(id) = seed.id
                && (store.get(id).is_some() || !ids.insert(id))
            {
                return Err(format!("{what}: id {id} is already used"));
            }
            prepared.get_mut(object).push(seed);
        }
    }

    let added: HashSet<RecordRef> = ObjectType::ALL
        .into_iter()
        .flat_map(|object| {
            let live = prepared.get(object).iter().filter(|seed| !seed.archived);
            live.filter_map(move |seed| seed.id.map(|id| (object, id)))
        })
        .collect();
    let links = plan_fixture_associations(portal, &fixture.associations, |r| added.contains(&r))?;

    apply_identity(portal, fixture);
    portal.catalogs = catalogs;
    portal.refresh_currency_options();
    portal.owners = owners;
    for object in ObjectType::ALL {
        insert_all(portal, object, std::mem::take(prepared.get_mut(object)));
    }
    portal.deal_pipelines = pipelines;
    for (from, to, kinds) in links {
        portal.associations.associate(from, to, &kinds);
    }
    Ok(())
}

/// The fixture's parts that come from configuration rather than data: the portal's identity,
/// OAuth apps and private tokens. Also applied when a `--db` file is reopened.
pub fn apply_identity(portal: &mut Portal, fixture: &Fixture) {
    if let Some(info) = &fixture.portal {
        portal.info = info.clone();
        portal.refresh_currency_options();
    }
    for client in &fixture.oauth_clients {
        portal.oauth.clients.insert(client.client_id.clone(), client.clone());
    }
    for token in &fixture.private_tokens {
        if !portal.oauth.private.iter().any(|t| t.token == token.token) {
            portal.oauth.private.push(token.clone());
        }
    }
}

fn prepare_record(
    object: ObjectType,
    staged: &Staged,
    record: &FixtureRecord,
    now: DateTime<Utc>,
) -> Result<SeedRecord, String> {
    let id = match &record.id {
        Some(raw) => Some(raw.parse::<u64>().map_err(|_| format!("id {raw:?} is not a number"))?),
        None => None,
    };
    let catalog = staged.catalogs.get(object);
    let owner_exists = |id: &str| staged.owners.iter().any(|o| o.id == id);
    let mut properties = Properties::new();
    for (name, value) in &record.properties {
        let raw = match value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Null => continue,
            other => return Err(format!("property {name}: {other} is not a string")),
        };
        // The portal keeps these itself.
        if name == "hs_object_id" || name == object.last_modified_property() || name == "hs_email_domain" {
            continue;
        }
        let def = catalog.get(name).ok_or_else(|| format!("property {name} does not exist"))?;
        let stored = if def.is_read_only() {
            Some(raw)
        } else {
            normalize_value(def, &raw, None, &owner_exists).map_err(|e| e.message)?
        };
        if let Some(v) = stored {
            properties.insert(name.clone(), v);
        }
    }
    if object == ObjectType::Deal
        && let Some(error) = settle_deal(staged.pipelines, &mut properties, true).into_iter().next()
    {
        return Err(error.message);
    }
    let created_at = record.created_at.unwrap_or(now);
    Ok(SeedRecord {
        id,
        properties,
        archived: record.archived,
        created_at,
        updated_at: record.updated_at.unwrap_or(created_at),
    })
}

/// Inserts checked records of one type; search sees them at once (they were there before the
/// run). Returns their ids, in order.
pub fn insert_all(portal: &mut Portal, object: ObjectType, records: Vec<SeedRecord>) -> Vec<u64> {
    let store = portal.store_mut(object);
    records
        .into_iter()
        .map(|seed| {
            let id = store.insert(seed.id, seed.properties, seed.created_at, seed.updated_at);
            if seed.archived {
                store.archive(id, seed.updated_at);
            }
            if let Some(record) = store.get_mut(id) {
                record.search_visible = Some(record.properties.clone());
            }
            id
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SandboxConfig;

    #[test]
    fn the_documented_format_loads_and_applies() {
        let fixture = Fixture::from_json(
            r#"{
              "portal": { "portalId": 123, "timeZone": "Europe/Berlin", "utcOffsetMinutes": 60 },
              "properties": [ { "name": "tshirt_size", "label": "T-shirt size", "type": "enumeration", "fieldType": "select",
                                "options": [ { "label": "M", "value": "m" } ] } ],
              "owners": [ { "id": "101", "email": "sam@acme.test", "firstName": "Sam", "lastName": "Lee",
                            "userId": 9, "userIdIncludingInactive": 9 } ],
              "contacts": [ { "id": "5001", "properties": { "email": "ann@example.com", "tshirt_size": "m", "hubspot_owner_id": "101" } } ],
              "oauthClients": [ { "clientId": "c", "clientSecret": "s", "redirectUris": ["http://localhost:47813/callback"] } ],
              "privateTokens": [ { "token": "pat-na1-x", "scopes": ["crm.objects.contacts.read"] } ]
            }"#,
        )
        .unwrap();
        let mut portal = Portal::new(SandboxConfig::default(), None);
        apply(&mut portal, &fixture).unwrap();
        assert_eq!((portal.info.portal_id, portal.info.company_currency.as_str()), (123, "USD"));
        assert_eq!(portal.store(ObjectType::Contact).get(5001).unwrap().get("tshirt_size"), Some("m"));
        assert!(portal.oauth.client("c").is_some());

        let typo = Fixture::from_json(r#"{"portal": {"portalID": 1}}"#).unwrap_err();
        assert!(typo.contains("portalID"), "{typo}");
        let bad = Fixture {
            contacts: vec![FixtureContact {
                properties: serde_json::from_str(r#"{"tshirt_size":"xl"}"#).unwrap(),
                ..Default::default()
            }],
            ..fixture
        };
        let mut portal = Portal::new(SandboxConfig::default(), None);
        assert!(apply(&mut portal, &bad).unwrap_err().contains("contact #0"));
        assert!(
            portal.property(ObjectType::Contact, "tshirt_size").is_none() && portal.info.portal_id != 123,
            "nothing applied"
        );
    }

    #[test]
    fn generated_contacts_pass_the_portals_own_validation() {
        let portal = Portal::new(SandboxConfig::default(), None);
        let owners = crate::seed::owners();
        let owner_exists = |id: &str| owners.iter().any(|o| o.id == id);
        for contact in crate::seed::contacts(3, 3000, &owners) {
            for (name, value) in &contact.properties {
                let def =
                    portal.property(ObjectType::Contact, name).unwrap_or_else(|| panic!("{name} is not a property"));
                if def.is_read_only() {
                    continue;
                }
                let normalized = normalize_value(def, value, None, &owner_exists);
                assert_eq!(normalized, Ok(Some(value.clone())), "{name} = {value:?}");
            }
        }
    }

    #[test]
    fn generated_companies_and_deals_pass_the_portals_own_validation() {
        let mut portal = Portal::new(SandboxConfig::default(), None);
        portal.owners = crate::seed::owners();
        let companies = crate::seed::companies(3, &portal.owners);
        let deals = crate::seed::deals(3, &companies, &portal.owners);
        let records = companies
            .iter()
            .map(|c| (ObjectType::Company, c))
            .chain(deals.iter().map(|d| (ObjectType::Deal, &d.record)));
        for (object, record) in records {
            let writable: serde_json::Map<String, Value> = record
                .properties
                .iter()
                .filter(|(name, _)| portal.property(object, name).is_some_and(|d| !d.is_read_only()))
                .map(|(name, value)| (name.clone(), Value::String(value.clone())))
                .collect();
            let plan = portal.plan_write(object, None, &Value::Object(writable));
            let plan = plan.unwrap_or_else(|e| panic!("{object:?} {:?}: {:?}", record.properties, e.body()));
            for (name, value) in &record.properties {
                assert_eq!(plan.properties.get(name), Some(value), "{object:?} {name}: stored as generated");
            }
        }
    }
}
