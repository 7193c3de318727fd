//! Owners by email, to turn a lead's owner email into the `hubspot_owner_id` HubSpot stores.

use std::collections::HashMap;

use hubsync_hubspot::Owner;

#[derive(Debug, Default, Clone)]
pub struct OwnerDirectory {
    by_email: HashMap<String, Owner>,
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
        let by_email = deactivated
            .into_iter()
            .chain(active)
            .filter_map(|o| o.email.clone().map(|e| (e.trim().to_lowercase(), o)))
            .collect();
        OwnerDirectory { by_email }
    }

    /// The id of the owner with this email, active or deactivated (filters may name either).
    pub fn any_id(&self, email: &str) -> Option<&str> {
        self.by_email.get(&email.trim().to_lowercase()).map(|o| o.id.as_str())
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
