//! The portal's association rules: what a write may name (live records of two different types,
//! type ids HubSpot defines for that direction), HubSpot's errors when it names something else,
//! and the writes themselves, saved through to `--db` as they happen. Reads leave archived
//! records out here, at read time, so the store keeps an archived record's associations and a
//! restored record has them back.

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::associations::{CATEGORIES, HUBSPOT_DEFINED, Kind, RecordRef, Removal, StoredAssociation, kind_of, ordered};
use crate::errors::ApiError;
use crate::object_type::ObjectType;
use crate::portal::Portal;

/// `{associationCategory, associationTypeId}`, as v4 writes and v3 creates send a type.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssociationSpec {
    /// The 2026-03 examples leave it out; HubSpot-defined is what the sandbox has.
    #[serde(default)]
    pub association_category: Option<String>,
    pub association_type_id: Value,
}

/// The name HubSpot's association errors give an object type: `CONTACT`, `COMPANY`, `DEAL`.
pub fn error_type_name(t: ObjectType) -> String {
    t.singular().to_uppercase()
}

/// 400 `crm.associations.INVALID_ASSOCIATION_TYPE`: the type id is not one of this direction's.
pub fn invalid_type(from: ObjectType, to: ObjectType, type_id: &str) -> ApiError {
    ApiError::detailed(
        StatusCode::BAD_REQUEST,
        "VALIDATION_ERROR",
        Some("crm.associations.INVALID_ASSOCIATION_TYPE"),
        format!(
            "{type_id} is not a valid association type between {} and {}",
            error_type_name(from),
            error_type_name(to)
        ),
        json!({
            "type": [type_id],
            "fromObjectType": [error_type_name(from)],
            "toObjectType": [error_type_name(to)],
        }),
    )
}

/// 400 `crm.associations.INVALID_IDENTIFIER`: an id that is not a record id at all.
pub fn invalid_identifier(raw: &str) -> ApiError {
    ApiError::detailed(
        StatusCode::BAD_REQUEST,
        "VALIDATION_ERROR",
        Some("crm.associations.INVALID_IDENTIFIER"),
        format!("{raw} is not a valid object identifier: record ids are numbers"),
        json!({ "id": [raw] }),
    )
}

/// A record an association write names that does not exist or is archived: 404
/// `OBJECT_NOT_FOUND` (the sandbox's wording; HubSpot's is not public).
pub fn missing_record(record: RecordRef) -> ApiError {
    missing_record_as(StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND", record)
}

fn missing_record_as(status: StatusCode, category: &'static str, record: RecordRef) -> ApiError {
    ApiError::detailed(
        status,
        category,
        None,
        format!("{} {} does not exist or is archived", error_type_name(record.0), record.1),
        json!({ "objectType": [error_type_name(record.0)], "objectId": [record.1.to_string()] }),
    )
}

/// The 207 error of a batch read for a record with nothing associated (or none that is live).
pub fn no_associations(from: RecordRef, to: ObjectType, raw_id: &str) -> ApiError {
    ApiError::detailed(
        StatusCode::NOT_FOUND,
        "OBJECT_NOT_FOUND",
        Some("crm.associations.NO_ASSOCIATIONS_FOUND"),
        format!("No {} is associated with {} {}.", to.singular(), from.0.singular(), raw_id),
        json!({
            "fromObjectId": [raw_id],
            "fromObjectType": [from.0.singular()],
            "toObjectType": [to.singular()],
        }),
    )
}

/// A record id from a body or path: digits, as a string or a JSON number.
pub fn record_id(raw: &Value) -> Result<u64, ApiError> {
    let text = match raw {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    };
    text.parse::<u64>().map_err(|_| invalid_identifier(&text))
}

pub fn record_id_text(raw: &str) -> Result<u64, ApiError> {
    raw.trim().parse::<u64>().map_err(|_| invalid_identifier(raw))
}

/// The kinds a list of specs names from `from` to `to`; every spec must name a type HubSpot
/// defines for that direction, and the list must not be empty.
pub fn kinds_from_specs(from: ObjectType, to: ObjectType, specs: &[AssociationSpec]) -> Result<Vec<Kind>, ApiError> {
    if specs.is_empty() {
        return Err(ApiError::Validation("types must list at least one association type".into()));
    }
    specs.iter().map(|spec| kind_from_spec(from, to, spec)).collect()
}

fn kind_from_spec(from: ObjectType, to: ObjectType, spec: &AssociationSpec) -> Result<Kind, ApiError> {
    let raw = match &spec.association_type_id {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let category = spec.association_category.as_deref().unwrap_or(HUBSPOT_DEFINED);
    if !CATEGORIES.contains(&category) {
        return Err(ApiError::Validation(format!(
            "Invalid input JSON: associationCategory must be one of {CATEGORIES:?}, got {category:?}"
        )));
    }
    let kind = raw.parse::<u32>().ok().and_then(|id| kind_of(from, to, id));
    match kind {
        Some(kind) if category == HUBSPOT_DEFINED => Ok(kind),
        _ => Err(invalid_type(from, to, &raw)),
    }
}

/// The type a v3 create's association leads to: the one for which the type id is defined from
/// `from` (279 from a contact leads to a company).
pub fn target_of(from: ObjectType, spec: &AssociationSpec) -> Option<(ObjectType, Kind)> {
    let id = match &spec.association_type_id {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }?;
    let id = u32::try_from(id).ok()?;
    ObjectType::ALL.into_iter().find_map(|to| kind_of(from, to, id).map(|kind| (to, kind)))
}

/// One association of a v3 create (`{to:{id}, types:[…]}`), checked.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedLink {
    pub to: RecordRef,
    pub kinds: Vec<Kind>,
}

#[derive(Deserialize)]
struct CreateAssociation {
    to: IdOnly,
    #[serde(default)]
    types: Vec<AssociationSpec>,
}

#[derive(Deserialize)]
pub struct IdOnly {
    pub id: Value,
}

/// Reads a create's `associations` (absent, null or a list) into the links to make once the
/// record exists. Each entry's types must lead to one object type; the records named must be
/// live. A record may take at most one primary company, and so may a create.
pub fn plan_create_links(portal: &Portal, from: ObjectType, value: &Value) -> Result<Vec<PlannedLink>, ApiError> {
    let entries: Vec<CreateAssociation> = match value {
        Value::Null => return Ok(Vec::new()),
        Value::Array(_) => serde_json::from_value(value.clone())
            .map_err(|e| ApiError::Validation(format!("Invalid input JSON: associations: {e}")))?,
        _ => return Err(ApiError::Validation("Invalid input JSON: associations must be a list".into())),
    };
    let mut planned = Vec::with_capacity(entries.len());
    for entry in entries {
        let id = record_id(&entry.to.id)?;
        let first = entry.types.first().ok_or_else(|| {
            ApiError::Validation("Invalid input JSON: each association needs at least one type".into())
        })?;
        let Some((to_type, _)) = target_of(from, first) else {
            let raw = match &first.association_type_id {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            return Err(ApiError::detailed(
                StatusCode::BAD_REQUEST,
                "VALIDATION_ERROR",
                Some("crm.associations.INVALID_ASSOCIATION_TYPE"),
                format!("{raw} is not a valid association type from {}", error_type_name(from)),
                json!({ "type": [raw], "fromObjectType": [error_type_name(from)] }),
            ));
        };
        let kinds = kinds_from_specs(from, to_type, &entry.types)?;
        let to = (to_type, id);
        if !portal.association_record_live(to) {
            // In a create the association is part of the input: a bad one makes the input invalid.
            return Err(missing_record_as(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", to));
        }
        planned.push(PlannedLink { to, kinds });
    }
    let primaries = planned.iter().filter(|p| p.to.0 == ObjectType::Company && p.kinds.contains(&Kind::Primary));
    if primaries.count() > 1 {
        return Err(ApiError::Validation(format!(
            "A {} can have only one primary company; this input names more than one",
            from.singular()
        )));
    }
    Ok(planned)
}

/// The kinds an in-process or fixture association gets, once its records are checked: both
/// live, of two types HubSpot associates, and `primary` only where a primary exists.
pub fn checked_kinds(portal: &Portal, from: RecordRef, to: RecordRef, primary: bool) -> Result<Vec<Kind>, String> {
    check_pair(from, to, primary)?;
    for record in [from, to] {
        if !portal.association_record_live(record) {
            return Err(format!("{} {} does not exist or is archived", record.0.singular(), record.1));
        }
    }
    Ok(if primary { vec![Kind::Primary, Kind::Unlabeled] } else { vec![Kind::Unlabeled] })
}

/// Whether two records' types can be associated, with a primary company when `primary`.
pub fn check_pair(from: RecordRef, to: RecordRef, primary: bool) -> Result<(), String> {
    let kinds = crate::associations::defined_kinds(from.0, to.0);
    if kinds.is_empty() {
        return Err(format!("{} and {} records cannot be associated", from.0.singular(), to.0.singular()));
    }
    if primary && !kinds.contains(&Kind::Primary) {
        return Err(format!(
            "a {} has no primary {}: only a company is a contact's or a deal's primary",
            from.0.singular(),
            to.0.singular()
        ));
    }
    Ok(())
}

impl Portal {
    /// Whether a record exists and is not archived: what an association may name and what
    /// association reads show.
    pub fn association_record_live(&self, record: RecordRef) -> bool {
        self.record_live(record.0, record.1)
    }

    /// Associates two live records (the caller has checked them and the kinds) and saves what
    /// changed.
    pub fn link(&mut self, from: RecordRef, to: RecordRef, kinds: &[Kind]) {
        let changed = self.associations.associate(from, to, kinds);
        self.save_links(&changed, &[]);
    }

    /// Removes every type of an association. Returns whether there was one.
    pub fn unlink(&mut self, from: RecordRef, to: RecordRef) -> bool {
        let removed = self.associations.remove(from, to);
        if removed {
            self.save_links(&[], &[ordered(from, to)]);
        }
        removed
    }

    /// Removes some types of an association (the unlabelled one takes all).
    pub fn unlink_kinds(&mut self, from: RecordRef, to: RecordRef, kinds: &[Kind]) {
        match self.associations.remove_kinds(from, to, kinds) {
            Removal::Removed => self.save_links(&[], &[ordered(from, to)]),
            Removal::Changed(stored) => self.save_links(&[stored], &[]),
            Removal::Absent | Removal::Unchanged => {}
        }
    }

    /// Ids of the live `to_type` records associated with a live `from`, from `start` on, in id
    /// order.
    pub fn live_targets(&self, from: RecordRef, to_type: ObjectType, start: u64) -> impl Iterator<Item = u64> + '_ {
        let from_live = self.association_record_live(from);
        self.associations
            .targets(from, to_type, start)
            .filter(move |&id| from_live && self.association_record_live((to_type, id)))
    }

    fn save_links(&mut self, changed: &[StoredAssociation], removed: &[(RecordRef, RecordRef)]) {
        if changed.is_empty() && removed.is_empty() {
            return;
        }
        if let Some(persist) = &mut self.persist {
            persist.save_associations(changed, removed);
        }
    }
}

/// An association in a fixture, in the shape HubSpot reports a labelled write in:
/// `{"fromObjectType":"contacts","fromObjectId":"1001","toObjectType":"companies","toObjectId":"5",
///   "types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":1}]}`. Types may be
/// left out for the unlabelled one; object types take any of HubSpot's names.
#[derive(Clone, Debug, Default, serde::Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FixtureAssociation {
    pub from_object_type: String,
    pub from_object_id: Value,
    pub to_object_type: String,
    pub to_object_id: Value,
    #[serde(default)]
    pub types: Vec<FixtureAssociationType>,
}

#[derive(Clone, Debug, serde::Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FixtureAssociationType {
    #[serde(default)]
    pub association_category: Option<String>,
    pub association_type_id: u32,
}

/// An association checked and ready to make.
pub type PlannedAssociation = (RecordRef, RecordRef, Vec<Kind>);

/// Checks a fixture's associations: object types HubSpot associates, type ids of that
/// direction, and records that are live or that the fixture itself adds (`added`).
pub fn plan_fixture_associations(
    portal: &Portal,
    associations: &[FixtureAssociation],
    added: impl Fn(RecordRef) -> bool,
) -> Result<Vec<PlannedAssociation>, String> {
    let mut planned = Vec::with_capacity(associations.len());
    for (index, association) in associations.iter().enumerate() {
        let context = |e: String| format!("association #{index}: {e}");
        let object_type =
            |name: &str| ObjectType::from_path(name).ok_or_else(|| context(format!("{name:?} is not an object type")));
        let from_type = object_type(&association.from_object_type)?;
        let to_type = object_type(&association.to_object_type)?;
        let id = |raw: &Value| record_id(raw).map_err(|_| context(format!("{raw} is not a record id")));
        let from = (from_type, id(&association.from_object_id)?);
        let to = (to_type, id(&association.to_object_id)?);
        check_pair(from, to, false).map_err(context)?;
        let kinds = if association.types.is_empty() {
            vec![Kind::Unlabeled]
        } else {
            let specs: Vec<AssociationSpec> = association
                .types
                .iter()
                .map(|t| AssociationSpec {
                    association_category: t.association_category.clone(),
                    association_type_id: Value::from(t.association_type_id),
                })
                .collect();
            kinds_from_specs(from_type, to_type, &specs).map_err(|e| context(api_message(&e)))?
        };
        for record in [from, to] {
            if !portal.association_record_live(record) && !added(record) {
                return Err(context(format!("{} {} does not exist or is archived", record.0.singular(), record.1)));
            }
        }
        planned.push((from, to, kinds));
    }
    Ok(planned)
}

fn api_message(error: &ApiError) -> String {
    error.body()["message"].as_str().unwrap_or("invalid association").to_string()
}

/// Records a v3 read lists per associated type before paging (HubSpot's, since 2021).
pub const V3_ASSOCIATIONS_PER_TYPE: usize = 100;

/// The object types a v3 read's `?associations=a,b` asks for (repeated or comma-separated, any
/// of HubSpot's names). Names the sandbox does not know are left out, as HubSpot leaves out
/// unknown types; reading a type needs its read scope.
pub fn requested_association_types(
    who: &crate::oauth::Principal,
    requested: &[String],
) -> Result<Vec<ObjectType>, ApiError> {
    let mut types = Vec::new();
    for name in requested.iter().flat_map(|r| r.split(',')).map(str::trim).filter(|n| !n.is_empty()) {
        if let Some(t) = ObjectType::from_path(name)
            && !types.contains(&t)
        {
            who.require(t.read_scope())?;
            types.push(t);
        }
    }
    Ok(types)
}

/// What a v3 read adds for `?associations=`: `{companies:{results:[{id, type}], paging?}}`,
/// each associated record once per type it has (a primary company twice: `contact_to_company`
/// and `contact_to_company_unlabeled`). Types with nothing associated are left out, and so is
/// the whole object when none has any.
pub fn v3_associations(portal: &Portal, base_url: &str, from: RecordRef, types: &[ObjectType]) -> Option<Value> {
    let mut out = serde_json::Map::new();
    for &to_type in types {
        let mut ids: Vec<u64> = portal.live_targets(from, to_type, 0).take(V3_ASSOCIATIONS_PER_TYPE + 1).collect();
        let next = (ids.len() > V3_ASSOCIATIONS_PER_TYPE).then(|| ids.pop()).flatten();
        let results: Vec<Value> = ids
            .iter()
            .flat_map(|&id| {
                portal.associations.kinds(from, (to_type, id)).into_iter().map(move |kind| {
                    json!({ "id": id.to_string(), "type": crate::associations::v3_name(from.0, to_type, kind) })
                })
            })
            .collect();
        if results.is_empty() {
            continue;
        }
        let mut entry = json!({ "results": results });
        if let Some(next) = next {
            let link = format!(
                "{base_url}/crm/v4/objects/{}/{}/associations/{}?after={next}",
                from.0.plural(),
                from.1,
                to_type.plural()
            );
            entry["paging"] = json!({ "next": { "after": next.to_string(), "link": link } });
        }
        out.insert(to_type.plural().to_string(), entry);
    }
    (!out.is_empty()).then_some(Value::Object(out))
}

/// Makes a created record's planned associations.
pub fn link_created(portal: &mut Portal, created: RecordRef, planned: &[PlannedLink]) {
    for link in planned {
        portal.link(created, link.to, &link.kinds);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SandboxConfig;
    use crate::model::Properties;

    fn record(portal: &mut Portal, object: ObjectType, id: u64) -> RecordRef {
        let now = portal.now();
        portal.store_mut(object).insert(Some(id), Properties::new(), now, now);
        (object, id)
    }

    /// Archiving leaves the association stored and filters it out of reads; a record put back
    /// (as a restore does) has it again, primary and all.
    #[test]
    fn archived_records_are_filtered_when_read_not_forgotten() {
        let mut portal = Portal::new(SandboxConfig::default(), None);
        let ann = record(&mut portal, ObjectType::Contact, 1001);
        let acme = record(&mut portal, ObjectType::Company, 5001);
        let kinds = checked_kinds(&portal, ann, acme, true).unwrap();
        portal.link(ann, acme, &kinds);
        assert_eq!(portal.live_targets(acme, ObjectType::Contact, 0).collect::<Vec<_>>(), [1001]);

        assert!(portal.archive(ObjectType::Contact, 1001));
        assert!(portal.live_targets(acme, ObjectType::Contact, 0).next().is_none());
        assert!(portal.live_targets(ann, ObjectType::Company, 0).next().is_none(), "nor from the archived side");
        assert!(checked_kinds(&portal, ann, acme, false).is_err(), "no new association to an archived record");
        assert_eq!(portal.associations.len(), 1);

        if let Some(restored) = portal.store_mut(ObjectType::Contact).get_mut(1001) {
            restored.archived = false;
            restored.archived_at = None;
        }
        assert_eq!(portal.live_targets(acme, ObjectType::Contact, 0).collect::<Vec<_>>(), [1001]);
        assert_eq!(portal.associations.kinds(ann, acme), [Kind::Primary, Kind::Unlabeled]);
    }
}
