//! `hubsync config export FILE` and `hubsync config import FILE`: custom fields, the mapping,
//! push rules and pull rules as one JSON file.

use std::path::Path;

use anyhow::Context as _;
use hubsync_store::ConfigFile;
use hubsync_sync::PullRules;
use serde::Serialize;

use crate::cli::ConfigCommand;
use crate::commands::mapping::portal_problems;
use crate::context::Context;
use crate::error::{CliError, codes};
use crate::files::replace_file;
use crate::output::emit;

#[derive(Debug, Serialize)]
pub struct ConfigDone {
    pub file: String,
    pub fields: usize,
    pub mappings: usize,
    /// On import: whether the connected portal was asked what it refuses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checked_in_hubspot: Option<bool>,
    /// On import: why the portal could not be asked (not connected, unreachable).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

impl ConfigDone {
    fn new(file: &Path, config: &ConfigFile) -> ConfigDone {
        ConfigDone {
            file: file.display().to_string(),
            fields: config.fields.len(),
            mappings: config.mappings.len(),
            checked_in_hubspot: None,
            warning: None,
        }
    }
}

pub async fn run(ctx: &mut Context, command: ConfigCommand) -> anyhow::Result<()> {
    match command {
        ConfigCommand::Export(args) => {
            let config = ctx.store().export_config()?;
            let text = serde_json::to_string_pretty(&config)? + "\n";
            replace_file(&args.file, |temp| Ok(std::fs::write(temp, &text)?))
                .with_context(|| format!("cannot write {}", args.file.display()))?;
            emit(ctx.json, &ConfigDone::new(&args.file, &config), |d| {
                format!(
                    "Exported {} custom fields and {} mapping rows, with the push and pull rules, to {}.",
                    d.fields, d.mappings, d.file
                )
            })
        }
        ConfigCommand::Import(args) => {
            let text =
                std::fs::read_to_string(&args.file).with_context(|| format!("cannot read {}", args.file.display()))?;
            let file = args.file.display().to_string();
            let config = ConfigFile::parse(&text).with_context(|| file.clone())?;
            let rules = match &config.pull_rules {
                Some(rules) => Some(serde_json::from_value::<PullRules>(rules.clone()).map_err(|e| {
                    CliError::new(
                        codes::INVALID_CONFIG,
                        format!("{file}: the pull rules can't be read: {e}; nothing was changed"),
                    )
                })?),
                None => None,
            };
            // The checks a mapping file gets from the live portal, and the pull rules' own.
            let (problems, warning) = portal_problems(ctx, &config.mappings, rules.as_ref()).await;
            ctx.store().import_config(&config, problems).with_context(|| file.clone())?;
            let done = ConfigDone {
                checked_in_hubspot: Some(warning.is_none()),
                warning,
                ..ConfigDone::new(&args.file, &config)
            };
            emit(ctx.json, &done, |d| {
                format!(
                    "Imported {}: the mapping ({} rows) and the push and pull rules replaced; custom fields checked or added ({}).",
                    d.file, d.mappings, d.fields
                )
            })
        }
    }
}
