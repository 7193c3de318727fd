//! Pull rules: the saved rules, the properties a condition can test, and saving rules checked
//! by the core (`hubsync_sync::pull_rules::check`) against the live portal.

use hubsync_auth::portals::interactive;
use hubsync_sync::pull_rules::{self, ConditionProperty, PullRules, RuleProblem};
use hubsync_sync::{OwnerDirectory, mapping_check};
use serde::Serialize;
use ts_rs::TS;

use crate::config::live_properties;
use crate::error::ApiError;
use crate::workspace::Workspace;

/// The active portal's pull rules (every contact when none were saved).
pub async fn load(ws: &Workspace) -> Result<PullRules, ApiError> {
    Ok(pull_rules::load(&*ws.store.lock().await)?)
}

/// What a condition can test, or why the portal could not be asked.
#[derive(Clone, Debug, Serialize, TS)]
#[ts(export)]
pub struct PullRuleProperties {
    pub properties: Vec<ConditionProperty>,
    pub unavailable: Option<String>,
}

/// The live properties a condition can test, each with the operators that suit its type.
pub async fn properties(ws: &Workspace) -> Result<PullRuleProperties, ApiError> {
    Ok(match live_properties(ws).await {
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
    /// The HubSpot search filters saved rules compile to (none without conditions).
    #[ts(type = "Array<unknown>")]
    pub filters: Vec<serde_json::Value>,
}

/// Saves the rules once the core accepts them against the live portal's properties and
/// owners. Conditions can't be checked offline, so they are refused then (as the CLI does);
/// rules without conditions need no portal.
pub async fn save(ws: &Workspace, rules: PullRules) -> Result<PullRulesSaved, ApiError> {
    let (properties, owners) = if rules.conditions.is_empty() {
        (Vec::new(), OwnerDirectory::default())
    } else {
        portal_facts(ws, &rules).await.map_err(|error| {
            let words = format!(
                "The conditions can't be checked against HubSpot, so they were not saved: {} Connect to the portal and save again.",
                error.message
            );
            error.reworded(words)
        })?
    };
    let filters = match pull_rules::check(&rules, &properties, &owners) {
        Ok(filters) => filters,
        Err(problems) => return Ok(PullRulesSaved { saved: false, rules, problems, filters: Vec::new() }),
    };
    pull_rules::save(&mut *ws.store.lock().await, &rules)?;
    Ok(PullRulesSaved { saved: true, rules, problems: Vec::new(), filters })
}

/// The portal's properties, and its owners when a condition names one, on one client whose
/// outcome is kept.
async fn portal_facts(
    ws: &Workspace,
    rules: &PullRules,
) -> Result<(Vec<hubsync_hubspot::Property>, OwnerDirectory), ApiError> {
    let (_, client) = ws.connected(interactive).await?;
    let facts = mapping_check::portal_facts(&client, Some(rules)).await;
    ws.record_outcome(&client).await?;
    Ok(facts?)
}
