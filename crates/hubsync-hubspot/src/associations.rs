//! Associations (v4): which records of one type are linked to which of another, and with which
//! association types. Reads follow each record's own paging and count "no associations" (a 207
//! `NO_ASSOCIATIONS_FOUND`) as none; writes say which pairs they made.
//!
//! Type ids are matched, never labels (HubSpot renamed them in 2024). A contact's primary
//! company carries two types, primary (1) and the unlabelled one (279).

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::client::{ApiRequest, BATCH_LIMIT, ClientError, HubSpotClient, Reply, check_batch};
use crate::models::{BatchItemError, BatchReply, Paging, Results, string_or_number};
use crate::objects::ObjectType;

/// Who defined an association type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AssociationCategory {
    HubspotDefined,
    /// A portal's own labels.
    UserDefined,
    IntegratorDefined,
    Work,
    /// A category this client doesn't know; never sent.
    #[serde(other)]
    Other,
}

/// HubSpot's own association type ids (category `HUBSPOT_DEFINED`), from its associations docs.
/// Each direction has its own id; a primary company has its own id beside the unlabelled one.
pub mod type_ids {
    pub const CONTACT_TO_COMPANY_PRIMARY: u32 = 1;
    pub const COMPANY_TO_CONTACT_PRIMARY: u32 = 2;
    pub const DEAL_TO_CONTACT: u32 = 3;
    pub const CONTACT_TO_DEAL: u32 = 4;
    pub const DEAL_TO_COMPANY_PRIMARY: u32 = 5;
    pub const COMPANY_TO_DEAL_PRIMARY: u32 = 6;
    pub const CONTACT_TO_COMPANY: u32 = 279;
    pub const COMPANY_TO_CONTACT: u32 = 280;
    pub const DEAL_TO_COMPANY: u32 = 341;
    pub const COMPANY_TO_DEAL: u32 = 342;
}

/// An association type: category and id, and in replies its label (`None` for an unlabelled
/// type). Reads write `{category, typeId, label}`, writes and the default association's reply
/// `{associationCategory, associationTypeId}`: both are read.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssociationType {
    #[serde(alias = "associationCategory")]
    pub category: AssociationCategory,
    #[serde(alias = "associationTypeId")]
    pub type_id: u32,
    #[serde(default)]
    pub label: Option<String>,
}

impl AssociationType {
    /// One of HubSpot's own types (`type_ids`).
    pub const fn hubspot(type_id: u32) -> AssociationType {
        AssociationType { category: AssociationCategory::HubspotDefined, type_id, label: None }
    }

    /// The types that make a company a contact's primary one: primary (1) and unlabelled (279),
    /// the two HubSpot itself lists on a primary company.
    pub fn primary_contact_to_company() -> Vec<AssociationType> {
        vec![
            AssociationType::hubspot(type_ids::CONTACT_TO_COMPANY_PRIMARY),
            AssociationType::hubspot(type_ids::CONTACT_TO_COMPANY),
        ]
    }

    /// HubSpot's unlabelled type from `from` to `to`, for the pairs of contacts, companies and
    /// deals.
    pub fn unlabelled(from: ObjectType, to: ObjectType) -> Option<AssociationType> {
        use ObjectType::*;
        let id = match (from, to) {
            (Contacts, Companies) => type_ids::CONTACT_TO_COMPANY,
            (Companies, Contacts) => type_ids::COMPANY_TO_CONTACT,
            (Contacts, Deals) => type_ids::CONTACT_TO_DEAL,
            (Deals, Contacts) => type_ids::DEAL_TO_CONTACT,
            (Deals, Companies) => type_ids::DEAL_TO_COMPANY,
            (Companies, Deals) => type_ids::COMPANY_TO_DEAL,
            _ => return None,
        };
        Some(AssociationType::hubspot(id))
    }

    /// HubSpot's primary type from `from` to `to`, where there is one.
    pub fn primary(from: ObjectType, to: ObjectType) -> Option<AssociationType> {
        use ObjectType::*;
        let id = match (from, to) {
            (Contacts, Companies) => type_ids::CONTACT_TO_COMPANY_PRIMARY,
            (Companies, Contacts) => type_ids::COMPANY_TO_CONTACT_PRIMARY,
            (Deals, Companies) => type_ids::DEAL_TO_COMPANY_PRIMARY,
            (Companies, Deals) => type_ids::COMPANY_TO_DEAL_PRIMARY,
            _ => return None,
        };
        Some(AssociationType::hubspot(id))
    }

    /// The `{associationCategory, associationTypeId}` a write sends.
    fn spec(&self) -> Value {
        json!({ "associationCategory": self.category, "associationTypeId": self.type_id })
    }
}

/// A record id in an association reply: `{id}`, a string or (in older replies) a number.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct RecordRef {
    #[serde(deserialize_with = "string_or_number")]
    pub id: String,
}

/// A record associated with the one read from, with every type linking them.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssociatedRecord {
    /// A string in the current specs, a 32-bit integer in an old one (ids outgrow it): both read.
    #[serde(deserialize_with = "string_or_number")]
    pub to_object_id: String,
    #[serde(default)]
    pub association_types: Vec<AssociationType>,
}

impl AssociatedRecord {
    pub fn has_type(&self, type_id: u32) -> bool {
        self.association_types.iter().any(|t| t.type_id == type_id)
    }
}

/// One `from` of a batch read reply.
#[derive(Deserialize)]
struct ReadResult {
    from: RecordRef,
    #[serde(default)]
    to: Vec<AssociatedRecord>,
    #[serde(default)]
    paging: Option<Paging>,
}

/// What an association read found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AssociationsRead {
    /// Every id asked for, with the records it is associated with, every page of them (empty
    /// when it has none).
    pub by_from: BTreeMap<String, Vec<AssociatedRecord>>,
    /// Errors other than "no associations" (which is an empty list above).
    pub errors: Vec<BatchItemError>,
}

impl AssociationsRead {
    pub fn associated(&self, from_id: &str) -> &[AssociatedRecord] {
        self.by_from.get(from_id).map_or(&[], Vec::as_slice)
    }
}

/// `{from, to, types}` for each input, as batch create and the types' archive take them.
fn typed_pairs(inputs: &[AssociationInput]) -> Vec<Value> {
    inputs
        .iter()
        .map(|i| {
            json!({
                "from": { "id": i.from_id },
                "to": { "id": i.to_id },
                "types": i.types.iter().map(AssociationType::spec).collect::<Vec<_>>(),
            })
        })
        .collect()
}

/// HubSpot's way of saying a record has no associations of the type asked: an error of a 207,
/// subcategory `crm.associations.NO_ASSOCIATIONS_FOUND`.
pub fn is_no_associations(error: &BatchItemError) -> bool {
    error.sub_category() == Some("crm.associations.NO_ASSOCIATIONS_FOUND")
}

/// One association to make: from a record to another, with these types.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssociationInput {
    pub from_id: String,
    pub to_id: String,
    pub types: Vec<AssociationType>,
}

/// A pair a batch create linked, with the labels it now has (`None` for the unlabelled type).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssociationMade {
    #[serde(default)]
    pub from_object_type_id: Option<String>,
    #[serde(deserialize_with = "string_or_number")]
    pub from_object_id: String,
    #[serde(default)]
    pub to_object_type_id: Option<String>,
    #[serde(deserialize_with = "string_or_number")]
    pub to_object_id: String,
    #[serde(default)]
    pub labels: Vec<Option<String>>,
}

/// A pair the default (unlabelled) association linked, and the type it used.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DefaultAssociation {
    pub from: RecordRef,
    pub to: RecordRef,
    pub association_spec: AssociationType,
}

impl BatchReply<AssociationMade> {
    /// The `(from id, to id)` pairs made, once each.
    pub fn pairs(&self) -> Vec<(&str, &str)> {
        let mut pairs: Vec<(&str, &str)> =
            self.results.iter().map(|r| (r.from_object_id.as_str(), r.to_object_id.as_str())).collect();
        pairs.sort_unstable();
        pairs.dedup();
        pairs
    }
}

impl HubSpotClient {
    /// Every association from each of `from_ids` (records of `from`) to records of `to`: 100
    /// ids a request, then again for each id whose reply said `paging.next.after`, until none
    /// does. Ids with no associations get an empty list; other errors are kept beside.
    pub async fn read_associations(
        &self,
        from: ObjectType,
        to: ObjectType,
        from_ids: &[String],
    ) -> Result<AssociationsRead, ClientError> {
        let mut read = AssociationsRead::default();
        let mut pending: Vec<(String, Option<String>)> = Vec::new();
        for id in from_ids {
            if !read.by_from.contains_key(id) {
                read.by_from.insert(id.clone(), Vec::new());
                pending.push((id.clone(), None));
            }
        }
        let path = format!("{}/batch/read", self.config().version.associations(from, to));
        // A cursor HubSpot gave twice for one record would otherwise page forever.
        let mut asked: HashSet<(String, Option<String>)> = HashSet::new();
        while !pending.is_empty() {
            let mut next = Vec::new();
            for chunk in pending.chunks(BATCH_LIMIT) {
                let inputs: Vec<Value> = chunk
                    .iter()
                    .map(|(id, after)| match after {
                        Some(after) => json!({ "id": id, "after": after }),
                        None => json!({ "id": id }),
                    })
                    .collect();
                asked.extend(chunk.iter().cloned());
                let reply = self.send(&ApiRequest::post(path.clone(), json!({ "inputs": inputs }), true)).await?;
                let batch: BatchReply<ReadResult> = reply.json()?;
                for result in batch.results {
                    let after = result.paging.as_ref().and_then(|p| p.next.as_ref()).map(|n| n.after.clone());
                    if let Some(after) = after {
                        let again = (result.from.id.clone(), Some(after));
                        if !asked.contains(&again) {
                            next.push(again);
                        }
                    }
                    read.by_from.entry(result.from.id).or_default().extend(result.to);
                }
                read.errors.extend(batch.errors.into_iter().filter(|e| !is_no_associations(e)));
            }
            pending = next;
        }
        Ok(read)
    }

    /// Links up to 100 pairs, each with its types (e.g. `AssociationType::
    /// primary_contact_to_company()`). Linking a pair again changes nothing, so it is safe to
    /// resend; the results say which pairs were made, the errors which were not.
    pub async fn batch_create_associations(
        &self,
        from: ObjectType,
        to: ObjectType,
        inputs: &[AssociationInput],
    ) -> Result<BatchReply<AssociationMade>, ClientError> {
        let reply = self.association_write(from, to, "create", typed_pairs(inputs)).await?;
        let mut outcome: BatchReply<AssociationMade> = reply.json()?;
        outcome.resent = reply.resent;
        Ok(outcome)
    }

    /// Links up to 100 `(from id, to id)` pairs with HubSpot's unlabelled type; safe to resend.
    pub async fn batch_associate_default(
        &self,
        from: ObjectType,
        to: ObjectType,
        pairs: &[(String, String)],
    ) -> Result<BatchReply<DefaultAssociation>, ClientError> {
        let inputs =
            pairs.iter().map(|(from_id, to_id)| json!({ "from": { "id": from_id }, "to": { "id": to_id } })).collect();
        let reply = self.association_write(from, to, "associate/default", inputs).await?;
        let mut outcome: BatchReply<DefaultAssociation> = reply.json()?;
        outcome.resent = reply.resent;
        Ok(outcome)
    }

    /// Removes every association type between each record of up to 100 `(from id, to ids)`;
    /// pairs that aren't linked are left as they are, so it is safe to resend. HubSpot answers
    /// 204 (v4) or 200 (dated versions) with no results.
    pub async fn batch_archive_associations(
        &self,
        from: ObjectType,
        to: ObjectType,
        inputs: &[(String, Vec<String>)],
    ) -> Result<(), ClientError> {
        let inputs = inputs
            .iter()
            .map(|(from_id, to_ids)| {
                json!({ "from": { "id": from_id }, "to": to_ids.iter().map(|id| json!({ "id": id })).collect::<Vec<_>>() })
            })
            .collect();
        self.association_write(from, to, "archive", inputs).await.map(drop)
    }

    /// Removes only the given types from up to 100 pairs (removing the unlabelled type removes
    /// them all); safe to resend.
    pub async fn batch_archive_association_types(
        &self,
        from: ObjectType,
        to: ObjectType,
        inputs: &[AssociationInput],
    ) -> Result<(), ClientError> {
        self.association_write(from, to, "labels/archive", typed_pairs(inputs)).await.map(drop)
    }

    /// `POST …/{from}/{to}/batch/{operation}` with `{inputs}`, at most 100: every association
    /// write leaves the pairs as it says however often it is sent, so each is idempotent.
    async fn association_write(
        &self,
        from: ObjectType,
        to: ObjectType,
        operation: &str,
        inputs: Vec<Value>,
    ) -> Result<Reply, ClientError> {
        check_batch(inputs.len())?;
        let path = format!("{}/batch/{operation}", self.config().version.associations(from, to));
        self.send(&ApiRequest::post(path, json!({ "inputs": inputs }), true)).await
    }

    /// Every association type from `from` to `to`: HubSpot's (unlabelled ones with no label)
    /// and the portal's own labels.
    pub async fn association_labels(
        &self,
        from: ObjectType,
        to: ObjectType,
    ) -> Result<Vec<AssociationType>, ClientError> {
        let path = format!("{}/labels", self.config().version.associations(from, to));
        Ok(self.send(&ApiRequest::get(path)).await?.json::<Results<AssociationType>>()?.results)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_are_read_with_ids_as_strings_or_numbers_and_types_in_either_shape() {
        let read: BatchReply<ReadResult> = serde_json::from_value(json!({
            "status": "COMPLETE",
            "results": [{
                "from": { "id": "101" },
                "to": [
                    { "toObjectId": 3_000_000_001_u64, "associationTypes": [
                        { "category": "HUBSPOT_DEFINED", "typeId": 1, "label": "Primary" },
                        { "category": "HUBSPOT_DEFINED", "typeId": 279, "label": null } ] },
                    { "toObjectId": "7", "associationTypes": [{ "category": "USER_DEFINED", "typeId": 12, "label": "Billing" }] },
                    { "toObjectId": "8", "associationTypes": [{ "category": "SOMETHING_NEW", "typeId": 99 }] }
                ],
                "paging": { "next": { "after": "MTA=", "link": "deprecated" } }
            }],
            "numErrors": 1,
            "errors": [{ "status": "error", "category": "OBJECT_NOT_FOUND",
                "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND", "message": "No company is associated with contact 102.",
                "context": { "fromObjectId": ["102"], "fromObjectType": ["contact"], "toObjectType": ["company"] } }]
        }))
        .unwrap();
        let result = &read.results[0];
        assert_eq!(result.from.id, "101");
        assert_eq!(result.to[0].to_object_id, "3000000001");
        assert!(result.to[0].has_type(type_ids::CONTACT_TO_COMPANY_PRIMARY) && result.to[0].has_type(279));
        assert_eq!(result.to[0].association_types[1].label, None);
        assert_eq!(result.to[1].association_types[0].category, AssociationCategory::UserDefined);
        assert_eq!(result.to[2].association_types[0].category, AssociationCategory::Other);
        assert_eq!(result.paging.as_ref().unwrap().next.as_ref().unwrap().after, "MTA=");
        assert!(is_no_associations(&read.errors[0]));
        assert_eq!(read.errors[0].context_list("fromObjectId"), ["102"]);

        let default: DefaultAssociation = serde_json::from_value(json!({
            "from": { "id": 5 }, "to": { "id": "6" },
            "associationSpec": { "associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279 }
        }))
        .unwrap();
        assert_eq!((default.from.id.as_str(), default.association_spec), ("5", AssociationType::hubspot(279)));
        assert_eq!(
            AssociationType::hubspot(1).spec(),
            json!({ "associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 1 })
        );
    }

    #[test]
    fn every_pair_of_the_three_types_has_its_unlabelled_type_each_way() {
        for from in ObjectType::ALL {
            for to in ObjectType::ALL.into_iter().filter(|t| *t != from) {
                let there = AssociationType::unlabelled(from, to).unwrap().type_id;
                let back = AssociationType::unlabelled(to, from).unwrap().type_id;
                assert_ne!(there, back, "{from}→{to}");
            }
        }
        assert_eq!(AssociationType::primary(ObjectType::Contacts, ObjectType::Deals), None);
        let primary: Vec<u32> = AssociationType::primary_contact_to_company().iter().map(|t| t.type_id).collect();
        assert_eq!(primary, [1, 279]);
    }
}
