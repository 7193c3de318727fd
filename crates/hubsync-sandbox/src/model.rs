//! Records the portal holds (contacts, companies, deals) and owners, and how they render as
//! HubSpot JSON.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::object_type::ObjectType;
use crate::properties::format_timestamp;

pub type Properties = BTreeMap<String, String>;

/// One CRM record: a contact, a company or a deal. What differs by type (default properties, the
/// last-modified property's name) comes from its `ObjectType`.
#[derive(Clone, Debug)]
pub struct Record {
    pub object: ObjectType,
    pub id: u64,
    /// Stored values only: an empty value is absent. Includes `hs_object_id`, `createdate` and
    /// the type's last-modified property, kept in step with the fields below.
    pub properties: Arc<Properties>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub archived: bool,
    pub archived_at: Option<DateTime<Utc>>,
    /// What search sees (search is eventually consistent): the last version that has become
    /// visible, and a newer one with the instant it becomes visible.
    pub search_visible: Option<Arc<Properties>>,
    pub search_pending: Option<(DateTime<Utc>, Arc<Properties>)>,
}

impl Record {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.properties.get(name).map(String::as_str)
    }

    pub fn email(&self) -> Option<&str> {
        self.get("email")
    }

    /// Every address that identifies this record: for a contact, the primary email and the
    /// additional ones, lowercased; nothing for other types.
    pub fn identifying_emails(&self) -> Vec<String> {
        match self.object {
            ObjectType::Contact => identifying_emails(&self.properties),
            ObjectType::Company | ObjectType::Deal => Vec::new(),
        }
    }

    /// The properties search sees at `now`, or `None` while the record is not yet indexed.
    pub fn searchable(&self, now: DateTime<Utc>) -> Option<&Arc<Properties>> {
        if self.archived {
            return None;
        }
        match &self.search_pending {
            Some((visible_at, props)) if *visible_at <= now => Some(props),
            _ => self.search_visible.as_ref(),
        }
    }

    /// Records that the current properties reach search at `visible_at`.
    pub fn schedule_search_update(&mut self, now: DateTime<Utc>, visible_at: DateTime<Utc>) {
        if visible_at <= now {
            self.search_visible = Some(self.properties.clone());
            self.search_pending = None;
            return;
        }
        if let Some((at, props)) = self.search_pending.take()
            && at <= now
        {
            self.search_visible = Some(props);
        }
        self.search_pending = Some((visible_at, self.properties.clone()));
    }

    /// The record as HubSpot renders it, with the properties `selection` asks for.
    pub fn to_json(&self, selection: &PropertySelection) -> Value {
        render_record(self, &self.properties, selection)
    }

    /// Every property it holds: what creates and updates answer with.
    pub fn full_selection(&self) -> PropertySelection {
        PropertySelection::Named(self.properties.keys().cloned().collect())
    }
}

/// Renders a record with a given set of property values (search renders the indexed version).
pub fn render_record(record: &Record, props: &Properties, selection: &PropertySelection) -> Value {
    let mut out = serde_json::Map::new();
    let mut put = |name: &str| {
        out.insert(name.to_string(), props.get(name).map_or(Value::Null, |v| Value::String(v.clone())));
    };
    match selection {
        PropertySelection::Default => record.object.default_properties().iter().for_each(|n| put(n)),
        PropertySelection::Named(names) => names.iter().for_each(|n| put(n)),
    }
    record.object.always_returned().iter().for_each(|n| put(n));
    let mut json = json!({
        "id": record.id.to_string(),
        "properties": out,
        "createdAt": format_timestamp(record.created_at),
        "updatedAt": format_timestamp(record.updated_at),
        "archived": record.archived,
    });
    if let Some(at) = record.archived_at {
        json["archivedAt"] = Value::String(format_timestamp(at));
    }
    json
}

pub fn identifying_emails(props: &Properties) -> Vec<String> {
    let mut emails = Vec::new();
    if let Some(primary) = props.get("email") {
        emails.push(primary.to_lowercase());
    }
    if let Some(extra) = props.get("hs_additional_emails") {
        emails.extend(extra.split(';').map(str::trim).filter(|e| !e.is_empty()).map(str::to_lowercase));
    }
    emails
}

/// Which properties a read returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PropertySelection {
    /// The type's default properties (plus the always-returned ones).
    Default,
    /// The named properties that exist on the portal (unknown names are left out silently, as
    /// HubSpot does).
    Named(Vec<String>),
}

/// A HubSpot user who can own records. Deactivated owners are `archived` and have no `userId`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Owner {
    pub id: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub user_id: Option<u64>,
    pub user_id_including_inactive: u64,
    #[serde(rename = "type", default = "person")]
    pub kind: String,
    #[serde(default)]
    pub teams: Vec<Team>,
    #[serde(default)]
    pub archived: bool,
    #[serde(default = "owner_stamp")]
    pub created_at: String,
    #[serde(default = "owner_stamp")]
    pub updated_at: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Team {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub primary: bool,
}

fn person() -> String {
    "PERSON".into()
}

fn owner_stamp() -> String {
    "2023-03-01T12:00:00.000Z".into()
}
