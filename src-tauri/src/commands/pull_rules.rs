//! The pull rules screen's commands: the saved rules, the properties a condition can test, and
//! saving rules checked by the core (`hubsync_sync::pull_rules::check`) against the live portal,
//! as `hubsync rules pull` checks them.

use hubsync_auth::portals::{interactive, usable};
use hubsync_sync::OwnerDirectory;
use hubsync_sync::pull_rules::{self, ConditionProperty, PullRules, RuleProblem};
use serde::Serialize;
use tauri::State;
use ts_rs::TS;

use super::config::live_properties;
use super::{active, store_error};
use crate::error::CommandError;
use crate::workspace::{AppWorkspace, Workspace};

/// The active portal's pull rules (every contact when none were saved).
#[tauri::command]
pub async fn pull_rules(workspace: State<'_, AppWorkspace>) -> Result<PullRules, CommandError> {
    pull_rules::load(&*workspace.get()?.store.lock().await).map_err(store_error)
}

/// What a condition can test, or why the portal could not be asked.
#[derive(Clone, Debug, Serialize, TS)]
#[ts(export)]
pub struct PullRuleProperties {
    pub properties: Vec<ConditionProperty>,
    pub unavailable: Option<String>,
}

/// The live properties a condition can test, each with the operators that suit its type.
#[tauri::command]
pub async fn pull_rule_properties(workspace: State<'_, AppWorkspace>) -> Result<PullRuleProperties, CommandError> {
    Ok(match live_properties(workspace.get()?).await {
        Ok(properties) => {
            PullRuleProperties { properties: pull_rules::condition_properties(&properties), unavailable: None }
        }
        Err(error) => PullRuleProperties { properties: Vec::new(), unavailable: Some(error.message) },
    })
}

/// The outcome of a save: the rules as saved, or every problem (nothing saved).
#[derive(Clone, Debug, Serialize, TS)]
#[ts(export)]
pub struct PullRulesSaved {
    pub saved: bool,
    pub rules: PullRules,
    pub problems: Vec<RuleProblem>,
}

/// Saves the rules once the core accepts them against the live portal's properties and
/// owners. Conditions can't be checked offline, so they are refused then (as the CLI does);
/// rules without conditions need no portal.
#[tauri::command]
pub async fn set_pull_rules(
    workspace: State<'_, AppWorkspace>,
    rules: PullRules,
) -> Result<PullRulesSaved, CommandError> {
    let ws = workspace.get()?;
    let (properties, owners) = if rules.conditions.is_empty() {
        (Vec::new(), OwnerDirectory::default())
    } else {
        portal_facts(ws, &rules).await.map_err(|error| {
            CommandError::new(
                error.code,
                format!(
                    "The conditions can't be checked against HubSpot, so they were not saved: {} Connect to the portal and save again.",
                    error.message
                ),
            )
        })?
    };
    if let Err(problems) = pull_rules::check(&rules, &properties, &owners) {
        return Ok(PullRulesSaved { saved: false, rules, problems });
    }
    pull_rules::save(&mut *ws.store.lock().await, &rules).map_err(store_error)?;
    Ok(PullRulesSaved { saved: true, rules, problems: Vec::new() })
}

/// The portal's properties, and its owners when a condition names one.
async fn portal_facts(
    ws: &Workspace,
    rules: &PullRules,
) -> Result<(Vec<hubsync_hubspot::Property>, OwnerDirectory), CommandError> {
    let properties = live_properties(ws).await?;
    if !rules.conditions.iter().any(|c| c.property == pull_rules::OWNER) {
        return Ok((properties, OwnerDirectory::default()));
    }
    let portal = active(ws).await?;
    usable(&portal)?;
    let client = ws.client_for(portal, interactive)?;
    let owners =
        async { Ok::<_, hubsync_hubspot::ClientError>((client.owners(false).await?, client.owners(true).await?)) }
            .await;
    client.record_outcome(&mut *ws.store.lock().await).map_err(store_error)?;
    let (active_owners, deactivated) = owners.map_err(|error| CommandError::new(error.code(), error.to_string()))?;
    Ok((properties, OwnerDirectory::new(active_owners, deactivated)))
}
