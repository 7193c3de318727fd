//! The portal's contacts, with the email index that makes emails unique across `email` and
//! `hs_additional_emails`, case-insensitively, among contacts that are not archived.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::model::{Contact, Properties};
use crate::properties::format_timestamp;

/// The first id a fresh portal hands out.
pub const FIRST_CONTACT_ID: u64 = 1001;

#[derive(Debug, Default)]
pub struct ContactStore {
    contacts: BTreeMap<u64, Contact>,
    by_email: HashMap<String, u64>,
    next_id: u64,
}

impl ContactStore {
    pub fn new() -> Self {
        ContactStore { contacts: BTreeMap::new(), by_email: HashMap::new(), next_id: FIRST_CONTACT_ID }
    }

    pub fn get(&self, id: u64) -> Option<&Contact> {
        self.contacts.get(&id)
    }

    /// The live (not archived) contact that owns this address, primary or additional.
    pub fn find_by_email(&self, email: &str) -> Option<u64> {
        self.by_email.get(&email.to_lowercase()).copied()
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Contact> {
        self.contacts.values()
    }

    /// Contacts with id ≥ `from`, in id order.
    pub fn range_from(&self, from: u64) -> impl Iterator<Item = &Contact> {
        self.contacts.range(from..).map(|(_, c)| c)
    }

    pub fn live_count(&self) -> usize {
        self.contacts.values().filter(|c| !c.archived).count()
    }

    /// Stores a new contact. The caller has checked that its emails are free.
    pub fn insert(
        &mut self,
        id: Option<u64>,
        mut props: Properties,
        created_at: DateTime<Utc>,
        updated_at: DateTime<Utc>,
    ) -> u64 {
        let id = id.unwrap_or(self.next_id);
        self.next_id = self.next_id.max(id + 1);
        stamp(&mut props, id, created_at, updated_at);
        let contact = Contact {
            id,
            properties: Arc::new(props),
            created_at,
            updated_at,
            archived: false,
            archived_at: None,
            search_visible: None,
            search_pending: None,
        };
        self.index(id, &contact.identifying_emails());
        self.contacts.insert(id, contact);
        id
    }

    /// Puts back a contact exactly as it was persisted (ids, times, archive state).
    pub fn restore(&mut self, contact: Contact) {
        self.next_id = self.next_id.max(contact.id + 1);
        if !contact.archived {
            self.index(contact.id, &contact.identifying_emails());
        }
        self.contacts.insert(contact.id, contact);
    }

    /// Replaces a contact's properties (already validated) and stamps the modification time.
    pub fn replace_properties(&mut self, id: u64, mut props: Properties, at: DateTime<Utc>) {
        let Some(contact) = self.contacts.get_mut(&id) else {
            return;
        };
        let old_emails = contact.identifying_emails();
        stamp(&mut props, id, contact.created_at, at);
        contact.properties = Arc::new(props);
        contact.updated_at = at;
        let new_emails = contact.identifying_emails();
        self.unindex(id, &old_emails);
        self.index(id, &new_emails);
    }

    pub fn archive(&mut self, id: u64, at: DateTime<Utc>) -> bool {
        let Some(contact) = self.contacts.get_mut(&id).filter(|c| !c.archived) else {
            return false;
        };
        contact.archived = true;
        contact.archived_at = Some(at);
        contact.updated_at = at;
        let emails = contact.identifying_emails();
        self.unindex(id, &emails);
        true
    }

    pub fn get_mut(&mut self, id: u64) -> Option<&mut Contact> {
        self.contacts.get_mut(&id)
    }

    fn index(&mut self, id: u64, emails: &[String]) {
        for email in emails {
            self.by_email.insert(email.clone(), id);
        }
    }

    fn unindex(&mut self, id: u64, emails: &[String]) {
        for email in emails {
            if self.by_email.get(email) == Some(&id) {
                self.by_email.remove(email);
            }
        }
    }
}

/// Keeps the system properties in step with the record's id and times.
fn stamp(props: &mut Properties, id: u64, created_at: DateTime<Utc>, updated_at: DateTime<Utc>) {
    props.insert("hs_object_id".into(), id.to_string());
    props.entry("createdate".into()).or_insert_with(|| format_timestamp(created_at));
    props.insert("lastmodifieddate".into(), format_timestamp(updated_at));
    match props.get("email").and_then(|e| e.rsplit_once('@')).map(|(_, d)| d.to_lowercase()) {
        Some(domain) => props.insert("hs_email_domain".into(), domain),
        None => props.remove("hs_email_domain"),
    };
}
