//! Reads of HubSpot's contacts for a plan: batch reads by email (push) and by record id (push,
//! undo). Searches past search's 10,000-result cap (pull, push) are the client's
//! `SearchWindows`. `each_in_order` keeps several batch reads in flight for a plan that must
//! handle their replies in order (a push's and an undo's company reads).

use std::collections::{HashMap, HashSet};
use std::future::Future;

use futures_util::stream::StreamExt;
use hubsync_hubspot::{BATCH_LIMIT, HubSpotClient, Property, Record};
use hubsync_store::Lead;

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

/// Sends `read` for each of `batches`, `concurrency` at a time (the portal's limiter paces them),
/// and hands each batch with its reply to `then` in the batches' order, so what is planned from
/// them is the same whichever reply comes first. At most `concurrency` replies are held at once.
/// Cancellation is checked before each reply is handled: reads in flight are dropped.
pub(crate) async fn each_in_order<B, R, Read>(
    batches: Vec<B>,
    concurrency: usize,
    cancel: &Cancel,
    read: impl FnMut(B) -> Read,
    mut then: impl FnMut(B, R) -> Result<(), SyncError>,
) -> Result<(), SyncError>
where
    Read: Future<Output = (B, R)>,
{
    let mut replies = futures_util::stream::iter(batches.into_iter().map(read)).buffered(concurrency.max(1));
    while let Some((batch, reply)) = replies.next().await {
        cancel.check()?;
        then(batch, reply)?;
    }
    Ok(())
}

/// `items` in batches of 100 (the last one holding the rest).
pub(crate) fn batches_of<T>(items: Vec<T>) -> Vec<Vec<T>> {
    let mut items = items.into_iter().peekable();
    let mut batches = Vec::new();
    while items.peek().is_some() {
        batches.push(items.by_ref().take(BATCH_LIMIT).collect());
    }
    batches
}

/// A contact's addresses, lowercased: the primary email and the additional ones.
pub(crate) fn addresses(record: &Record) -> Vec<String> {
    let mut all: Vec<String> = record.get("email").map(|e| e.trim().to_lowercase()).into_iter().collect();
    if let Some(extra) = record.get("hs_additional_emails") {
        all.extend(extra.split(';').map(|e| e.trim().to_lowercase()).filter(|e| !e.is_empty()));
    }
    all
}
