//! The pull rules screen.

use hubsync_api::pull_rules::{self, PullRuleProperties, PullRulesSaved};
use hubsync_sync::pull_rules::PullRules;
use tauri::State;

use crate::error::CommandError;
use crate::state::AppWorkspace;

#[tauri::command]
pub async fn pull_rules(workspace: State<'_, AppWorkspace>) -> Result<PullRules, CommandError> {
    pull_rules::load(workspace.get().await?).await
}

#[tauri::command]
pub async fn pull_rule_properties(workspace: State<'_, AppWorkspace>) -> Result<PullRuleProperties, CommandError> {
    pull_rules::properties(workspace.get().await?).await
}

#[tauri::command]
pub async fn set_pull_rules(
    workspace: State<'_, AppWorkspace>,
    rules: PullRules,
) -> Result<PullRulesSaved, CommandError> {
    pull_rules::save(workspace.get().await?, rules).await
}
