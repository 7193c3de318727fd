//! `hubsync config export FILE` and `hubsync config import FILE`: custom fields, the mapping,
//! push rules and pull rules as one JSON file.

use std::path::Path;

use anyhow::Context as _;
use hubsync_store::ConfigFile;
use hubsync_sync::PullRules;
use serde::Serialize;

use crate::cli::ConfigCommand;
use crate::context::Context;
use crate::error::{CliError, codes};
use crate::files::replace_file;
use crate::output::emit;

#[derive(Debug, Serialize)]
pub struct ConfigDone {
    pub file: String,
    pub fields: usize,
    pub mappings: usize,
}

impl ConfigDone {
    fn new(file: &Path, config: &ConfigFile) -> ConfigDone {
        ConfigDone { file: file.display().to_string(), fields: config.fields.len(), mappings: config.mappings.len() }
    }
}

pub fn run(ctx: &mut Context, command: ConfigCommand) -> anyhow::Result<()> {
    match command {
        ConfigCommand::Export(args) => {
            let config = ctx.store.export_config()?;
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
            let invalid = |reason: String| {
                CliError::new(codes::INVALID_CONFIG, format!("{}: {reason}; nothing was changed", args.file.display()))
            };
            let config: ConfigFile = serde_json::from_str(&text).map_err(|e| {
                invalid(format!("not a Hubsync configuration (line {}, column {}: {e})", e.line(), e.column()))
            })?;
            if let Some(rules) = &config.pull_rules {
                serde_json::from_value::<PullRules>(rules.clone())
                    .map_err(|e| invalid(format!("the pull rules can't be read: {e}")))?;
            }
            ctx.store.import_config(&config)?;
            emit(ctx.json, &ConfigDone::new(&args.file, &config), |d| {
                format!(
                    "Imported {}: the mapping ({} rows) and the push and pull rules replaced; custom fields checked or added ({}).",
                    d.file, d.mappings, d.fields
                )
            })
        }
    }
}
