//! CRM records of every type the sync touches. Contacts, companies and deals share HubSpot's
//! object API (list, batch read, create, update and archive, search, properties), so each
//! operation is written once over `ObjectType`; the contact operations in `client.rs` and the
//! company and deal ones in `companies.rs` and `deals.rs` name their type and call these.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::client::{ApiRequest, ClientError, HubSpotClient, check_batch};
use crate::models::{BatchOutcome, Page, Property, Record, Results};

/// A CRM object type, in the forms HubSpot's paths and replies use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectType {
    Contacts,
    Companies,
    Deals,
}

impl ObjectType {
    pub const ALL: [ObjectType; 3] = [ObjectType::Contacts, ObjectType::Companies, ObjectType::Deals];

    /// The name in object, property, pipeline and association paths: `contacts`, `companies`,
    /// `deals` (HubSpot also takes the singular and the type id; the plural is what its docs use).
    pub const fn path_name(self) -> &'static str {
        match self {
            ObjectType::Contacts => "contacts",
            ObjectType::Companies => "companies",
            ObjectType::Deals => "deals",
        }
    }

    /// HubSpot's object type id, as association replies give it (`fromObjectTypeId`).
    pub const fn type_id(self) -> &'static str {
        match self {
            ObjectType::Contacts => "0-1",
            ObjectType::Companies => "0-2",
            ObjectType::Deals => "0-3",
        }
    }

    /// The type a type id names.
    pub fn from_type_id(type_id: &str) -> Option<ObjectType> {
        ObjectType::ALL.into_iter().find(|t| t.type_id() == type_id)
    }

    /// The scope that reads records of this type (and its properties).
    pub const fn read_scope(self) -> &'static str {
        match self {
            ObjectType::Contacts => "crm.objects.contacts.read",
            ObjectType::Companies => "crm.objects.companies.read",
            ObjectType::Deals => "crm.objects.deals.read",
        }
    }

    /// The scope that creates, updates and archives records of this type.
    pub const fn write_scope(self) -> &'static str {
        match self {
            ObjectType::Contacts => "crm.objects.contacts.write",
            ObjectType::Companies => "crm.objects.companies.write",
            ObjectType::Deals => "crm.objects.deals.write",
        }
    }

    /// The property holding when a record last changed: contacts' is `lastmodifieddate`, the
    /// others' `hs_lastmodifieddate`.
    pub const fn last_modified_property(self) -> &'static str {
        match self {
            ObjectType::Contacts => "lastmodifieddate",
            ObjectType::Companies | ObjectType::Deals => "hs_lastmodifieddate",
        }
    }
}

impl std::fmt::Display for ObjectType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.path_name())
    }
}

/// Search pages: HubSpot's largest.
pub const SEARCH_PAGE: usize = 200;

impl HubSpotClient {
    /// Every property of `object` (no paging on this endpoint).
    pub async fn object_properties(&self, object: ObjectType) -> Result<Vec<Property>, ClientError> {
        let reply = self.send(&ApiRequest::get(self.config().version.properties_of(object))).await?;
        Ok(reply.json::<Results<Property>>()?.results)
    }

    /// One page of `object`'s list (no 10,000 cap, unlike search), of up to `limit` (at most
    /// 100) records; `after` is the last page's `paging.next.after`.
    pub async fn list_objects(
        &self,
        object: ObjectType,
        limit: u32,
        after: Option<&str>,
        properties: &[String],
    ) -> Result<Page<Record>, ClientError> {
        let limit = limit.clamp(1, 100).to_string();
        let mut request = ApiRequest::get(self.config().version.objects(object)).query("limit", limit);
        if !properties.is_empty() {
            request = request.query("properties", properties.join(","));
        }
        if let Some(a) = after {
            request = request.query("after", a);
        }
        self.send(&request).await?.json()
    }

    /// Reads up to 100 records by id, or by the unique property `id_property` (contacts'
    /// `email`). Missing ones come back in `errors` (a 207), never as a failure of the call.
    pub async fn batch_read_objects(
        &self,
        object: ObjectType,
        ids: &[String],
        id_property: Option<&str>,
        properties: &[String],
    ) -> Result<BatchOutcome, ClientError> {
        let inputs = ids.iter().map(|id| json!({ "id": id })).collect();
        let mut extra = json!({ "properties": properties });
        if let Some(id_property) = id_property {
            extra["idProperty"] = json!(id_property);
        }
        self.object_batch(object, "read", inputs, extra, true).await
    }

    /// Creates up to 100 records, each input `(trace id, properties)`. Every input carries its
    /// trace id as `objectWriteTraceId`, so HubSpot answers a bad input with a 207 naming it
    /// (`BatchItemError::trace_ids`) and creates the others, instead of failing the batch; each
    /// created record carries its input's trace id back. Trace ids should be unique in a batch.
    /// Never resent after a reply that may have been lost: a second create makes a second record.
    pub async fn batch_create_objects(
        &self,
        object: ObjectType,
        inputs: &[(String, BTreeMap<String, String>)],
    ) -> Result<BatchOutcome, ClientError> {
        let inputs = inputs
            .iter()
            .map(|(trace, properties)| json!({ "properties": properties, "associations": [], "objectWriteTraceId": trace }))
            .collect();
        self.object_batch(object, "create", inputs, json!({}), false).await
    }

    /// Updates up to 100 records by record id; ids HubSpot doesn't have come back in `errors`.
    pub async fn batch_update_objects(
        &self,
        object: ObjectType,
        inputs: &[(String, BTreeMap<String, String>)],
    ) -> Result<BatchOutcome, ClientError> {
        let inputs = inputs.iter().map(|(id, properties)| json!({ "id": id, "properties": properties })).collect();
        self.object_batch(object, "update", inputs, json!({}), true).await
    }

    /// Archives up to 100 records by record id. HubSpot answers 204 with no body, ignoring ids
    /// it doesn't have (or has archived already), so resending is safe.
    pub async fn batch_archive_objects(&self, object: ObjectType, ids: &[String]) -> Result<(), ClientError> {
        check_batch(ids.len())?;
        let inputs: Vec<Value> = ids.iter().map(|id| json!({ "id": id })).collect();
        let path = format!("{}/batch/archive", self.config().version.objects(object));
        self.send(&ApiRequest::post(path, json!({ "inputs": inputs }), true)).await?;
        Ok(())
    }

    /// One search page of `object`. `body` is HubSpot's search request. Search has its own
    /// limit (5 a second per portal) and lags writes by a moment.
    pub async fn search_objects(&self, object: ObjectType, body: Value) -> Result<Page<Record>, ClientError> {
        let mut request = ApiRequest::post(format!("{}/search", self.config().version.objects(object)), body, true);
        request.search = true;
        self.send(&request).await?.json()
    }

    /// `POST …/{object}/batch/{operation}` with `{inputs, ..extra}`; at most 100 inputs.
    pub(crate) async fn object_batch(
        &self,
        object: ObjectType,
        operation: &str,
        inputs: Vec<Value>,
        mut extra: Value,
        idempotent: bool,
    ) -> Result<BatchOutcome, ClientError> {
        check_batch(inputs.len())?;
        extra["inputs"] = Value::Array(inputs);
        let path = format!("{}/batch/{operation}", self.config().version.objects(object));
        let reply = self.send(&ApiRequest::post(path, extra, idempotent)).await?;
        let mut outcome: BatchOutcome = reply.json()?;
        outcome.resent = reply.resent;
        Ok(outcome)
    }
}

/// Every record of one type that a search's filters match, a page at a time, in windows of
/// `hs_object_id` above the last one seen (ascending), so it never pages past search's
/// 10,000-result cap: each request adds `hs_object_id GT <last id>` to the filters and reads up
/// to 200. It costs `search_requests(matches)` requests (`estimate.rs`).
pub struct SearchWindows {
    object: ObjectType,
    filters: Vec<Value>,
    properties: Vec<String>,
    last_id: u64,
    done: bool,
    total: Option<u64>,
}

impl SearchWindows {
    /// `filters` (one group, ANDed) leave room for one more in their group: the window's own.
    pub fn new(object: ObjectType, filters: Vec<Value>, properties: Vec<String>) -> SearchWindows {
        SearchWindows { object, filters, properties, last_id: 0, done: false, total: None }
    }

    /// The request body of the next window, as `next` sends it.
    pub(crate) fn body(filters: &[Value], properties: &[String], after_id: u64) -> Value {
        let mut window = filters.to_vec();
        window.push(json!({ "propertyName": "hs_object_id", "operator": "GT", "value": after_id.to_string() }));
        json!({
            "filterGroups": [{ "filters": window }],
            "sorts": [{ "propertyName": "hs_object_id", "direction": "ASCENDING" }],
            "properties": properties,
            "limit": SEARCH_PAGE,
        })
    }

    /// How many records match, as the first page said.
    pub fn total(&self) -> Option<u64> {
        self.total
    }

    /// The next page, or `None` once every match was read.
    pub async fn next(&mut self, client: &HubSpotClient) -> Result<Option<Vec<Record>>, ClientError> {
        if self.done {
            return Ok(None);
        }
        let body = Self::body(&self.filters, &self.properties, self.last_id);
        let page = client.search_objects(self.object, body).await?;
        if self.total.is_none() {
            self.total = page.total;
        }
        // A window's total counts what is left from its start: a full page that holds all of it
        // is the last, and asking again would only read an empty one.
        let returned = page.results.len();
        self.done = returned < SEARCH_PAGE || page.total.is_some_and(|left| left <= returned as u64);
        if let Some(last) = page.results.last() {
            self.last_id = last.id.parse().map_err(|_| {
                ClientError::Decode(format!("the {} record id {:?} is not a number", self.object, last.id))
            })?;
        }
        Ok(Some(page.results))
    }
}
