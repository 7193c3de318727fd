//! Owners by email, to turn a lead's owner email into the `hubspot_owner_id` HubSpot stores.

use std::collections::HashMap;

use hubsync_hubspot::Owner;

#[derive(Debug, Default, Clone)]
pub struct OwnerDirectory {
    by_email: HashMap<String, Owner>,
    email_by_id: HashMap<String, String>,
}

/// Why an owner email can't be assigned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnerProblem {
    Unknown,
    Deactivated,
}

impl OwnerDirectory {
    /// From the active owners and the deactivated (`archived=true`) ones.
    pub fn new(active: Vec<Owner>, deactivated: Vec<Owner>) -> Self {
        let all: Vec<Owner> = deactivated.into_iter().chain(active).collect();
        let email_by_id = all.iter().filter_map(|o| Some((o.id.clone(), o.email.clone()?))).collect();
        let by_email = all.into_iter().filter_map(|o| o.email.clone().map(|e| (e.trim().to_lowercase(), o))).collect();
        OwnerDirectory { by_email, email_by_id }
    }

    /// The id of the owner with this email, active or deactivated (filters may name either).
    pub fn any_id(&self, email: &str) -> Option<&str> {
        self.by_email.get(&email.trim().to_lowercase()).map(|o| o.id.as_str())
    }

    /// The email of the owner with this id, active or not.
    pub fn email_of(&self, id: &str) -> Option<&str> {
        self.email_by_id.get(id).map(String::as_str)
    }

    /// The id of the active owner with this email.
    pub fn active_id(&self, email: &str) -> Result<&str, OwnerProblem> {
        let owner = self.by_email.get(&email.trim().to_lowercase()).ok_or(OwnerProblem::Unknown)?;
        if owner.archived || owner.user_id.is_none() {
            return Err(OwnerProblem::Deactivated);
        }
        Ok(&owner.id)
    }
}
