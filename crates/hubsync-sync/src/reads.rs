//! Reads of HubSpot's contacts for a plan: batch reads by email (push) and by record id (push,
//! undo), and searches in windows past search's 10,000-result cap (pull, push).

use std::collections::{HashMap, HashSet};

use futures_util::stream::StreamExt;
use hubsync_hubspot::{BATCH_LIMIT, HubSpotClient, Property, Record};
use hubsync_store::Lead;
use serde_json::{Value, json};

use crate::error::SyncError;
use crate::progress::Cancel;

/// Asking for a property the portal lacks fails the whole read; the plan reports the mapping
/// to a missing property on each row instead.
pub(crate) fn known_properties(wanted: Vec<String>, properties: &[Property]) -> Vec<String> {
    let names: HashSet<&str> = properties.iter().map(|p| p.name.as_str()).collect();
    wanted.into_iter().filter(|w| names.contains(w.as_str())).collect()
}

/// Batch reads by email, one call per 100 leads. A contact found through an additional email
/// is filed under it.
pub(crate) async fn read_by_email<'a>(
    client: &HubSpotClient,
    leads: impl IntoIterator<Item = &'a Lead>,
    properties: &[String],
    concurrency: usize,
    cancel: &Cancel,
) -> Result<HashMap<String, Vec<Record>>, SyncError> {
    let mut found: HashMap<String, Vec<Record>> = HashMap::new();
    let emails: Vec<String> = leads.into_iter().map(|l| l.email.to_lowercase()).collect();
    let mut reads = futures_util::stream::iter(emails.chunks(BATCH_LIMIT).map(|chunk| async move {
        let outcome = client.batch_read(chunk, true, properties).await;
        (chunk, outcome)
    }))
    .buffer_unordered(concurrency.max(1));
    while let Some((chunk, outcome)) = reads.next().await {
        // Reads in flight are dropped: a preview that stops keeps nothing of them.
        cancel.check()?;
        let asked: HashSet<&str> = chunk.iter().map(String::as_str).collect();
        for record in outcome?.results {
            for address in addresses(&record) {
                if asked.contains(address.as_str()) {
                    found.entry(address).or_default().push(record.clone());
                }
            }
        }
    }
    Ok(found)
}

/// Batch reads by record id, one call per 100; ids HubSpot no longer has are simply absent.
pub(crate) async fn read_by_id(
    client: &HubSpotClient,
    ids: &[String],
    properties: &[String],
    concurrency: usize,
    cancel: &Cancel,
) -> Result<HashMap<String, Record>, SyncError> {
    let mut found = HashMap::new();
    let mut reads = futures_util::stream::iter(
        ids.chunks(BATCH_LIMIT).map(|chunk| async move { client.batch_read(chunk, false, properties).await }),
    )
    .buffer_unordered(concurrency.max(1));
    while let Some(outcome) = reads.next().await {
        cancel.check()?;
        for record in outcome?.results {
            found.insert(record.id.clone(), record);
        }
    }
    Ok(found)
}

/// A contact's addresses, lowercased: the primary email and the additional ones.
pub(crate) fn addresses(record: &Record) -> Vec<String> {
    let mut all: Vec<String> = record.get("email").map(|e| e.trim().to_lowercase()).into_iter().collect();
    if let Some(extra) = record.get("hs_additional_emails") {
        all.extend(extra.split(';').map(|e| e.trim().to_lowercase()).filter(|e| !e.is_empty()));
    }
    all
}

/// Search pages: HubSpot's largest.
pub(crate) const SEARCH_PAGE: usize = 200;

/// Every contact a search's filters match, a page at a time, in windows of `hs_object_id` above
/// the last one seen (ascending), so it never pages past search's 10,000-result cap.
pub(crate) struct SearchWindows {
    filters: Vec<Value>,
    properties: Vec<String>,
    last_id: u64,
    done: bool,
    total: Option<u64>,
}

impl SearchWindows {
    /// `filters` leave room for one more in their group: the window's own.
    pub(crate) fn new(filters: Vec<Value>, properties: Vec<String>) -> SearchWindows {
        SearchWindows { filters, properties, last_id: 0, done: false, total: None }
    }

    /// How many contacts match, as the first page said.
    pub(crate) fn total(&self) -> Option<u64> {
        self.total
    }

    pub(crate) async fn next(&mut self, client: &HubSpotClient) -> Result<Option<Vec<Record>>, SyncError> {
        if self.done {
            return Ok(None);
        }
        let mut window = self.filters.clone();
        window.push(json!({ "propertyName": "hs_object_id", "operator": "GT", "value": self.last_id.to_string() }));
        let body = json!({
            "filterGroups": [{ "filters": window }],
            "sorts": [{ "propertyName": "hs_object_id", "direction": "ASCENDING" }],
            "properties": self.properties,
            "limit": SEARCH_PAGE,
        });
        let page = client.search(body).await?;
        if self.total.is_none() {
            self.total = page.total;
        }
        // A window's total counts what is left from its start: a full page that holds all of it
        // is the last, and asking again would only read an empty one.
        let returned = page.results.len();
        self.done = returned < SEARCH_PAGE || page.total.is_some_and(|left| left <= returned as u64);
        if let Some(last) = page.results.last() {
            self.last_id = last.id.parse().map_err(|_| {
                SyncError::HubSpot(hubsync_hubspot::ClientError::Decode(format!(
                    "contact id {:?} is not a number",
                    last.id
                )))
            })?;
        }
        Ok(Some(page.results))
    }
}
