//! A lead as people see it: with its owner as last read from HubSpot, and where its contact is
//! in HubSpot. The command line and the app show the same thing.

use serde::Serialize;
use ts_rs::TS;

use crate::Result;
use crate::error::StoreError;
use crate::fields::canonical_email;
use crate::leads::Lead;
use crate::portals::Portal;
use crate::store::Store;

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
    ContactLink::Hubspot {
        url: format!("https://app.hubspot.com/contacts/{}/record/0-1/{contact_id}", portal.portal_id),
    }
}

/// One thing wrong with a lead form, tied to its field where there is one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct FieldProblem {
    /// The field's key (`email` for the address).
    pub field: String,
    #[ts(type = "string")]
    pub code: &'static str,
    pub message: String,
}

impl Store {
    /// Every problem `add_lead` (no `id`) or `update_lead` (with `id`) would refuse these values
    /// for, each with its field, rather than the first alone: a form shows them all at once.
    pub fn lead_form_problems(
        &self,
        id: Option<i64>,
        email: &str,
        values: &[(&str, &str)],
    ) -> Result<Vec<FieldProblem>> {
        let mut problems = Vec::new();
        let problem = |field: &str, error: StoreError| FieldProblem {
            field: field.to_string(),
            code: error.code(),
            message: match &error {
                StoreError::InvalidValue { reason, .. } => reason.clone(),
                other => other.to_string(),
            },
        };
        match canonical_email(email) {
            Err(error) => problems.push(problem("email", error)),
            Ok((canonical, _)) => {
                if let Some(existing) = self.lead_by_email(&canonical)?.filter(|l| Some(l.id) != id) {
                    problems
                        .push(problem("email", StoreError::DuplicateEmail { email: canonical, existing: existing.id }));
                }
            }
        }
        for (key, raw) in values {
            let error = match self.field(key)? {
                None => StoreError::UnknownField(key.to_string()),
                Some(field) if field.key == "email" => continue,
                Some(field) => match field.canonical(raw) {
                    Ok(_) => continue,
                    Err(reason) => StoreError::InvalidValue { field: key.to_string(), reason },
                },
            };
            problems.push(problem(key, error));
        }
        Ok(problems)
    }
}
