//! Beyond the read floor: what pushes remember of the contacts they read.
//!
//! A push reads every selected lead's contact (one batch read per 100 leads), although HubSpot
//! changed few of them since the last push. The store keeps what pushes read of each contact and
//! the moment all of it is known to be current from (`snapshots_valid_from`); the next push
//! searches `lastmodifieddate` from that moment less `SINCE_LAST_PULL_OVERLAP` (search's lag and
//! the two clocks, as for incremental pulls) and plans from:
//! - the contacts the search returned, as it returned them (read now);
//! - the remembered values of a lead's linked contact that the search did not return: HubSpot
//!   says it has not changed since. Only when the plan would write to it is it read again
//!   first, and planned from that read: a write is never planned on remembered values;
//! - a batch read, as before, for leads with nothing to go on (never linked, or their email is not
//!   one their contact had when read).
//!
//! HubSpot keeps an email on one contact at a time, so a lead whose email its linked contact had
//! when read has no other match but among the contacts changed since: the plan sees exactly the
//! matches a read by email would have found.
//!
//! Archiving a contact does not show in search: a remembered contact archived since plans as if
//! it were still there. Its row can only be a skip (a write is read again first, which finds it
//! gone), and the next push that reads it finds it gone.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use hubsync_hubspot::{BATCH_LIMIT, HubSpotClient, ObjectType, Record, SEARCH_PAGE, SearchWindows};
use hubsync_store::{ContactSnapshot, Store};
use serde_json::json;

use crate::error::SyncError;
use crate::plan::Found;
use crate::progress::Cancel;
use crate::pull_rules::SINCE_LAST_PULL_OVERLAP;
use crate::reads::addresses;

/// Room in search's 3,000-character body for the list of properties to return.
const MAX_PROPERTIES_CHARS: usize = 2_500;

/// A lead and its place in the selection.
pub(crate) type Placed = (i64, hubsync_store::Lead);

/// What one push knows of its portal's contacts before reading any lead's.
pub(crate) struct Remembered {
    portal_id: Option<u64>,
    /// The properties the push reads: a snapshot lacking one is of no use to it.
    wanted: Vec<String>,
    /// When this push began reading: every snapshot is current from then once its reads are done.
    reading_from: DateTime<Utc>,
    /// The portal's snapshot epoch this push reads and saves in.
    epoch: i64,
    /// Whether the snapshots may be planned from in this push.
    trusted: bool,
    /// Whether the push may move the snapshots' moment on when its reads are done.
    advances: bool,
    /// The contacts HubSpot changed since the snapshots' moment, as the search returned them.
    changed: HashMap<String, Record>,
    /// Their addresses (primary and additional, lowercased), each to the contacts that have it.
    changed_by_address: HashMap<String, Vec<String>>,
}

/// A page of leads, sorted by what the push knows of their contacts.
pub(crate) struct Sorted {
    /// Leads whose matches are known: planned from `found`.
    pub known: Vec<Placed>,
    pub found: Found,
    /// Leads whose contacts are to be read.
    pub unknown: Vec<Placed>,
}

impl Remembered {
    /// Reads what HubSpot changed since the portal's snapshots were current, when that costs
    /// fewer calls than reading the `selected` leads' contacts (a page of 200 against a batch of
    /// 100); else the push reads every lead, and when it reads them all (`every_lead`), it starts
    /// the portal's snapshots afresh from its own reads.
    pub(crate) async fn begin(
        store: &mut Store,
        client: &HubSpotClient,
        portal_id: Option<u64>,
        wanted: &[String],
        (selected, every_lead): (u64, bool),
        cancel: &Cancel,
    ) -> Result<Remembered, SyncError> {
        let mut remembered = Remembered {
            portal_id,
            wanted: wanted.to_vec(),
            reading_from: store.now(),
            epoch: 0,
            trusted: false,
            advances: false,
            changed: HashMap::new(),
            changed_by_address: HashMap::new(),
        };
        let Some(portal) = portal_id else { return Ok(remembered) };
        let read_calls = selected.div_ceil(BATCH_LIMIT as u64);
        let (epoch, valid_from) = store.snapshots_state(portal)?;
        remembered.epoch = epoch;
        // Search takes 3,000 characters: a long list of mapped properties leaves no room.
        let fits = serde_json::to_string(wanted).map_or(0, |w| w.len()) <= MAX_PROPERTIES_CHARS;
        let Some(valid_from) = valid_from.filter(|_| read_calls > 1 && fits) else {
            return remembered.read_everything(store, portal, every_lead);
        };
        let since = valid_from - SINCE_LAST_PULL_OVERLAP;
        let filters = vec![json!({
            "propertyName": "lastmodifieddate", "operator": "GTE", "value": since.timestamp_millis().to_string()
        })];
        let mut search = SearchWindows::new(ObjectType::Contacts, filters, wanted.to_vec());
        while let Some(page) = search.next(client).await? {
            cancel.check()?;
            let total = search.total().unwrap_or(page.len() as u64);
            if total.div_ceil(SEARCH_PAGE as u64) >= read_calls {
                tracing::info!(changed = total, selected, "more changed than a search saves: reading every lead");
                remembered.changed.clear();
                return remembered.read_everything(store, portal, every_lead);
            }
            // Search lags: a result older than what a push since wrote or read is from before it.
            let ids: Vec<&str> = page.iter().map(|r| r.id.as_str()).collect();
            let known = store.contact_snapshots(portal, &ids)?;
            let page: Vec<Record> =
                page.into_iter().filter(|r| !older(r.get("lastmodifieddate"), known.get(&r.id))).collect();
            store.save_contact_snapshots(portal, &page.iter().map(|r| remembered.snapshot(r)).collect::<Vec<_>>())?;
            for record in page {
                for address in addresses(&record) {
                    remembered.changed_by_address.entry(address).or_default().push(record.id.clone());
                }
                remembered.changed.insert(record.id.clone(), record);
            }
        }
        tracing::info!(changed = remembered.changed.len(), %since, "contacts changed since the last push's reads");
        remembered.trusted = true;
        remembered.advances = true;
        Ok(remembered)
    }

    /// No planning from snapshots in this push. Reading every lead, it can start them afresh;
    /// reading some, it keeps what it reads without moving their moment on.
    fn read_everything(mut self, store: &mut Store, portal: u64, every_lead: bool) -> Result<Remembered, SyncError> {
        if every_lead {
            self.epoch = store.restart_contact_snapshots(portal)?;
            self.advances = true;
        }
        Ok(self)
    }

    /// Sorts a page of leads: those whose matches are known from the search and the snapshots,
    /// and those to read.
    pub(crate) fn sort(&self, store: &Store, page: Vec<Placed>) -> Result<Sorted, SyncError> {
        let (Some(portal), true) = (self.portal_id, self.trusted) else {
            return Ok(Sorted { known: Vec::new(), found: Found::default(), unknown: page });
        };
        let ids: Vec<&str> = page
            .iter()
            .filter_map(|(_, lead)| lead.hubspot_id.as_deref())
            .filter(|id| !self.changed.contains_key(*id))
            .collect();
        let snapshots: HashMap<String, Record> = store
            .contact_snapshots(portal, &ids)?
            .into_values()
            .filter(|s| s.epoch == self.epoch && self.wanted.iter().all(|p| s.properties.contains_key(p)))
            .map(|s| (s.contact_id.clone(), record_of(s)))
            .collect();
        let (known, unknown): (Vec<Placed>, Vec<Placed>) =
            page.into_iter().partition(|(_, lead)| self.contact_of(lead, &snapshots).is_some());
        let found = self.found(&known, &snapshots);
        Ok(Sorted { known, found, unknown })
    }

    /// The lead's linked contact as the search or `others` hold it, if it had the lead's email.
    fn contact_of<'a>(&'a self, lead: &hubsync_store::Lead, others: &'a HashMap<String, Record>) -> Option<&'a Record> {
        let id = lead.hubspot_id.as_deref()?;
        let record = self.changed.get(id).or_else(|| others.get(id))?;
        addresses(record).contains(&lead.email.to_lowercase()).then_some(record)
    }

    /// What HubSpot holds for `leads`, each of which has a known contact: the contacts with its
    /// email (those changed since, and its own from `others` when unchanged) and its contact by id.
    pub(crate) fn found(&self, leads: &[Placed], others: &HashMap<String, Record>) -> Found {
        let mut found = Found::default();
        for (_, lead) in leads {
            let email = lead.email.to_lowercase();
            let mut matches: Vec<Record> = self
                .changed_by_address
                .get(&email)
                .into_iter()
                .flatten()
                .filter_map(|id| self.changed.get(id).cloned())
                .collect();
            if let Some(id) = lead.hubspot_id.as_deref() {
                if let Some(record) = self.changed.get(id).or_else(|| others.get(id)) {
                    found.by_id.insert(id.to_string(), record.clone());
                }
                if !self.changed.contains_key(id)
                    && let Some(record) = others.get(id).filter(|r| addresses(r).contains(&email))
                {
                    matches.push(record.clone());
                }
            }
            if !matches.is_empty() {
                found.by_email.insert(email, matches);
            }
        }
        found
    }

    /// Whether `contact_id` was read in this push (by the search), not remembered.
    pub(crate) fn is_changed(&self, contact_id: &str) -> bool {
        self.changed.contains_key(contact_id)
    }

    /// Keeps what the push just read of these contacts, for the next one.
    pub(crate) fn keep<'a>(
        &self,
        store: &mut Store,
        records: impl IntoIterator<Item = &'a Record>,
    ) -> Result<(), SyncError> {
        let Some(portal) = self.portal_id else { return Ok(()) };
        let snapshots: Vec<ContactSnapshot> = records.into_iter().map(|r| self.snapshot(r)).collect();
        store.save_contact_snapshots(portal, &snapshots)?;
        Ok(())
    }

    /// Forgets contacts a read by id did not find: HubSpot no longer has them.
    pub(crate) fn forget(&self, store: &mut Store, gone: &[String]) -> Result<(), SyncError> {
        if let Some(portal) = self.portal_id
            && !gone.is_empty()
        {
            store.drop_contact_snapshots(portal, gone)?;
        }
        Ok(())
    }

    /// Once every read is done: the snapshots are current from when this push began reading.
    pub(crate) fn finish(&self, store: &mut Store) -> Result<(), SyncError> {
        if let (Some(portal), true) = (self.portal_id, self.advances)
            && !store.set_snapshots_valid_from(portal, self.epoch, self.reading_from)?
        {
            tracing::info!("another push read every lead meanwhile: its snapshots stand");
        }
        Ok(())
    }

    fn snapshot(&self, record: &Record) -> ContactSnapshot {
        ContactSnapshot {
            contact_id: record.id.clone(),
            epoch: self.epoch,
            properties: self.wanted.iter().map(|p| (p.clone(), record.properties.get(p).cloned().flatten())).collect(),
            modified_at: record.get("lastmodifieddate").map(String::from),
        }
    }
}

/// Whether a search result's `lastmodifieddate` is older than what the store knows of the contact.
fn older(version: Option<&str>, known: Option<&ContactSnapshot>) -> bool {
    let parse = |v: &str| DateTime::parse_from_rfc3339(v).ok();
    match (version.and_then(parse), known.and_then(|k| k.modified_at.as_deref()).and_then(parse)) {
        (Some(version), Some(known)) => version < known,
        _ => false,
    }
}

/// A snapshot as the record a read would have returned.
fn record_of(snapshot: ContactSnapshot) -> Record {
    Record {
        id: snapshot.contact_id,
        properties: snapshot.properties,
        created_at: None,
        updated_at: None,
        archived: false,
        new: None,
        object_write_trace_id: None,
    }
}

/// The contact ids of `leads` (their links).
pub(crate) fn linked_ids(leads: &[Placed]) -> Vec<String> {
    let ids: HashSet<&str> = leads.iter().filter_map(|(_, l)| l.hubspot_id.as_deref()).collect();
    let mut ids: Vec<String> = ids.into_iter().map(String::from).collect();
    ids.sort();
    ids
}
