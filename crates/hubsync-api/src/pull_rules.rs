//! Pull rules: the saved rules, the properties a condition can test (the contact's, and its
//! company's as `company.NAME`), and saving rules checked by the core
//! (`hubsync_sync::pull_rules::check`) against the live portal.

use hubsync_auth::portals::interactive;
use hubsync_sync::mapping_check::{self, PortalFacts};
use hubsync_sync::pull_rules::{self, ConditionProperty, PullRules, RuleProblem};
use serde::Serialize;
use ts_rs::TS;

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

/// The live properties a condition can test, each with the operators that suit its type: the
/// contact's, then its company's (none when the connection can't read companies).
pub async fn properties(ws: &Workspace) -> Result<PullRuleProperties, ApiError> {
    let asked = async {
        let (_, client) = ws.connected(interactive).await?;
        let contact = client.properties().await;
        // Without the companies scope, conditions on the contact alone are offered.
        let company = match &contact {
            Ok(_) => client.company_properties().await.unwrap_or_default(),
            Err(_) => Vec::new(),
        };
        ws.record_outcome(&client).await?;
        Ok::<_, ApiError>((contact?, company))
    };
    Ok(match asked.await {
        Ok((properties, company_properties)) => PullRuleProperties {
            properties: pull_rules::condition_properties(&properties, &company_properties),
            unavailable: None,
        },
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
    let facts = if rules.conditions.is_empty() {
        PortalFacts::default()
    } else {
        portal_facts(ws, &rules).await.map_err(|error| {
            let words = format!(
                "The conditions can't be checked against HubSpot, so they were not saved: {} Connect to the portal and save again.",
                error.message
            );
            error.reworded(words)
        })?
    };
    let filters = match pull_rules::check(&rules, &facts.properties, &facts.company_properties, &facts.owners) {
        Ok(compiled) => compiled.filters,
        Err(problems) => return Ok(PullRulesSaved { saved: false, rules, problems, filters: Vec::new() }),
    };
    pull_rules::save(&mut *ws.store.lock().await, &rules)?;
    Ok(PullRulesSaved { saved: true, rules, problems: Vec::new(), filters })
}

/// The portal's properties, its company properties when a condition tests the company, and its
/// owners when a condition names one, on one client whose outcome is kept.
async fn portal_facts(ws: &Workspace, rules: &PullRules) -> Result<PortalFacts, ApiError> {
    let (_, client) = ws.connected(interactive).await?;
    let facts = mapping_check::portal_facts(&client, Some(rules)).await;
    ws.record_outcome(&client).await?;
    Ok(facts?)
}
