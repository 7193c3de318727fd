//! A lead as people see it: with its owner as last read from HubSpot, and where its contact is
//! in HubSpot. The command line and the app show the same thing.

use serde::Serialize;
use ts_rs::TS;

use crate::Result;
use crate::portals::Portal;
use crate::store::{Lead, Store};

/// A lead with its owner (by the `owner_email` field).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct LeadView {
    #[serde(flatten)]
    pub lead: Lead,
    pub owner: Option<OwnerView>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct OwnerView {
    pub email: String,
    /// `None` when the email is no owner the portal has (as last read) and the lead has no
    /// `owner_name` either.
    pub name: Option<String>,
    /// `None`: not an owner of the portal as last read (unknown).
    pub active: Option<bool>,
}

impl Store {
    /// `lead` with its owner as last read.
    pub fn lead_view(&self, lead: Lead) -> Result<LeadView> {
        let owner = match lead.value("owner_email") {
            None => None,
            Some(email) => {
                let known = self.owner_by_email(email)?;
                Some(OwnerView {
                    email: email.to_string(),
                    name: known.as_ref().and_then(|o| o.name()).or_else(|| lead.value("owner_name").map(String::from)),
                    active: known.map(|o| o.active),
                })
            }
        };
        Ok(LeadView { lead, owner })
    }
}

/// Where a linked contact can be seen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum ContactLink {
    /// The contact's record page in HubSpot.
    Hubspot { url: String },
    /// The built-in sandbox portal has no web pages: the contact lives only in Hubsync's sandbox.
    Sandbox,
}

/// Where `contact_id` of `portal` can be seen.
pub fn contact_link(portal: &Portal, contact_id: &str) -> ContactLink {
    if portal.is_sandbox() {
        return ContactLink::Sandbox;
    }
    ContactLink::Hubspot { url: format!("https://app.hubspot.com/contacts/{}/record/0-1/{contact_id}", portal.portal_id) }
}
