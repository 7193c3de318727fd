//! Owners by email, to turn a lead's owner email into the `hubspot_owner_id` HubSpot stores;
//! and the refresh of the owners the store keeps, so leads show their owner offline.

use std::collections::HashMap;

use hubsync_hubspot::{ClientError, HubSpotClient, Owner};
use hubsync_store::{OwnerRecord, Store};
use serde::Serialize;
use ts_rs::TS;

use crate::error::SyncError;

/// Every owner of the portal, active and deactivated, as the store keeps them.
pub async fn read_owners(client: &HubSpotClient) -> Result<Vec<OwnerRecord>, ClientError> {
    let active = client.owners(false).await?;
    let deactivated = client.owners(true).await?;
    Ok(OwnerDirectory::new(active, deactivated).records())
}

/// The owners after a refresh.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct OwnerList {
    pub owners: Vec<OwnerRecord>,
    /// False when HubSpot could not be reached and the list is the one last read.
    pub live: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub warning: Option<String>,
}

/// Keeps the owners `read` from HubSpot. When HubSpot could not be reached, the owners as last
/// read stand, with a warning saying so; with none kept either, the error is HubSpot's.
pub fn keep_owners(store: &mut Store, read: Result<Vec<OwnerRecord>, ClientError>) -> Result<OwnerList, SyncError> {
    match read {
        Ok(owners) => {
            store.replace_owners(&owners)?;
            Ok(OwnerList { owners: store.owners()?, live: true, warning: None })
        }
        Err(error) => {
            let stored = store.owners()?;
            if stored.is_empty() {
                return Err(SyncError::HubSpot(error));
            }
            let warning = format!("could not reach HubSpot ({error}); these are the owners as last read");
            Ok(OwnerList { owners: stored, live: false, warning: Some(warning) })
        }
    }
}

#[derive(Debug, Default, Clone)]
pub struct OwnerDirectory {
    by_email: HashMap<String, Owner>,
    by_id: HashMap<String, Owner>,
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
        let by_id = all.iter().map(|o| (o.id.clone(), o.clone())).collect();
        let by_email = all.into_iter().filter_map(|o| o.email.clone().map(|e| (e.trim().to_lowercase(), o))).collect();
        OwnerDirectory { by_email, by_id }
    }

    /// The id of the owner with this email, active or deactivated (filters may name either).
    pub fn any_id(&self, email: &str) -> Option<&str> {
        self.by_email.get(&email.trim().to_lowercase()).map(|o| o.id.as_str())
    }

    /// The email of the owner with this id, active or not.
    pub fn email_of(&self, id: &str) -> Option<&str> {
        self.by_id.get(id)?.email.as_deref()
    }

    pub fn by_id(&self, id: &str) -> Option<&Owner> {
        self.by_id.get(id)
    }

    /// Every owner, active or deactivated, as the store keeps them.
    pub fn records(&self) -> Vec<hubsync_store::OwnerRecord> {
        let mut all: Vec<hubsync_store::OwnerRecord> = self
            .by_id
            .values()
            .map(|o| hubsync_store::OwnerRecord {
                id: o.id.clone(),
                email: o.email.clone(),
                first_name: o.first_name.clone(),
                last_name: o.last_name.clone(),
                active: !o.archived && o.user_id.is_some(),
            })
            .collect();
        all.sort_by(|a, b| a.id.cmp(&b.id));
        all
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
