//! The portal's records of one object type. Contacts also keep the email index that makes emails
//! unique across `email` and `hs_additional_emails`, case-insensitively, among contacts that are
//! not archived.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::model::{Properties, Record};
use crate::object_type::ObjectType;
use crate::properties::format_timestamp;

/// The first id a fresh portal hands out for records of a type. Ids are unique within a type
/// only, as HubSpot's are; the ranges differ so that a test which sends one type's id for
/// another's finds nothing.
pub fn first_id(object: ObjectType) -> u64 {
    match object {
        ObjectType::Contact => 1001,
        ObjectType::Company => 5_000_001,
        ObjectType::Deal => 8_000_001,
    }
}

#[derive(Debug)]
pub struct RecordStore {
    object: ObjectType,
    records: BTreeMap<u64, Record>,
    /// Contacts only: every identifying address of a live contact.
    by_email: HashMap<String, u64>,
    next_id: u64,
}

impl RecordStore {
    pub fn new(object: ObjectType) -> Self {
        RecordStore { object, records: BTreeMap::new(), by_email: HashMap::new(), next_id: first_id(object) }
    }

    pub fn object(&self) -> ObjectType {
        self.object
    }

    pub fn get(&self, id: u64) -> Option<&Record> {
        self.records.get(&id)
    }

    /// A record that exists and is not archived.
    pub fn live(&self, id: u64) -> Option<&Record> {
        self.records.get(&id).filter(|r| !r.archived)
    }

    /// The live (not archived) contact that owns this address, primary or additional.
    pub fn find_by_email(&self, email: &str) -> Option<u64> {
        self.by_email.get(&email.to_lowercase()).copied()
    }

    /// Live records whose `name` holds `value` (case-insensitively), in id order.
    pub fn with_value<'a>(&'a self, name: &'a str, value: &'a str) -> impl Iterator<Item = u64> + 'a {
        let value = value.to_lowercase();
        self.records
            .values()
            .filter(move |r| !r.archived && r.get(name).is_some_and(|v| v.to_lowercase() == value))
            .map(|r| r.id)
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Record> {
        self.records.values()
    }

    /// Records with id ≥ `from`, in id order.
    pub fn range_from(&self, from: u64) -> impl Iterator<Item = &Record> {
        self.records.range(from..).map(|(_, r)| r)
    }

    pub fn live_count(&self) -> usize {
        self.records.values().filter(|r| !r.archived).count()
    }

    /// Stores a new record. The caller has checked that its unique values are free.
    pub fn insert(
        &mut self,
        id: Option<u64>,
        mut props: Properties,
        created_at: DateTime<Utc>,
        updated_at: DateTime<Utc>,
    ) -> u64 {
        let id = id.unwrap_or(self.next_id);
        self.next_id = self.next_id.max(id + 1);
        stamp(self.object, &mut props, id, created_at, updated_at);
        let record = Record {
            object: self.object,
            id,
            properties: Arc::new(props),
            created_at,
            updated_at,
            archived: false,
            archived_at: None,
            search_visible: None,
            search_pending: None,
        };
        self.index(id, &record.identifying_emails());
        self.records.insert(id, record);
        id
    }

    /// Puts back a record exactly as it was persisted (ids, times, archive state).
    pub fn restore(&mut self, record: Record) {
        self.next_id = self.next_id.max(record.id + 1);
        if !record.archived {
            self.index(record.id, &record.identifying_emails());
        }
        self.records.insert(record.id, record);
    }

    /// Replaces a record's properties (already validated) and stamps the modification time.
    pub fn replace_properties(&mut self, id: u64, mut props: Properties, at: DateTime<Utc>) {
        let object = self.object;
        let Some(record) = self.records.get_mut(&id) else {
            return;
        };
        let old_emails = record.identifying_emails();
        stamp(object, &mut props, id, record.created_at, at);
        record.properties = Arc::new(props);
        record.updated_at = at;
        let new_emails = record.identifying_emails();
        self.unindex(id, &old_emails);
        self.index(id, &new_emails);
    }

    pub fn archive(&mut self, id: u64, at: DateTime<Utc>) -> bool {
        let Some(record) = self.records.get_mut(&id).filter(|r| !r.archived) else {
            return false;
        };
        record.archived = true;
        record.archived_at = Some(at);
        record.updated_at = at;
        let emails = record.identifying_emails();
        self.unindex(id, &emails);
        true
    }

    pub fn get_mut(&mut self, id: u64) -> Option<&mut Record> {
        self.records.get_mut(&id)
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
fn stamp(object: ObjectType, props: &mut Properties, id: u64, created_at: DateTime<Utc>, updated_at: DateTime<Utc>) {
    props.insert("hs_object_id".into(), id.to_string());
    props.entry("createdate".into()).or_insert_with(|| format_timestamp(created_at));
    props.insert(object.last_modified_property().into(), format_timestamp(updated_at));
    if object == ObjectType::Contact {
        match props.get("email").and_then(|e| e.rsplit_once('@')).map(|(_, d)| d.to_lowercase()) {
            Some(domain) => props.insert("hs_email_domain".into(), domain),
            None => props.remove("hs_email_domain"),
        };
    }
}
