//! `hubsync config export FILE` and `hubsync config import FILE`: custom fields, the mapping,
//! push rules, pull rules and the company settings as one JSON file.

use anyhow::Context as _;
use hubsync_api::config_file::{self, ConfigReport};
use serde::Serialize;

use crate::cli::ConfigCommand;
use crate::context::Context;
use crate::output::{count, emit, warn};

#[derive(Debug, Serialize)]
pub struct ConfigDone {
    pub file: String,
    #[serde(flatten)]
    pub report: ConfigReport,
}

pub async fn run(ctx: &mut Context, command: ConfigCommand) -> anyhow::Result<()> {
    match command {
        ConfigCommand::Export(args) => {
            let report = config_file::write(&ctx.ws, &args.file).await?;
            let done = ConfigDone { file: args.file.display().to_string(), report };
            emit(ctx.json, &done, |d| {
                format!(
                    "Exported {} custom fields and {} mapping rows, with the push and pull rules, and {}, to {}.",
                    d.report.fields,
                    d.report.mappings,
                    describe_companies(&d.report),
                    d.file
                )
            })
        }
        ConfigCommand::Import(args) => {
            let file = args.file.display().to_string();
            let text = std::fs::read_to_string(&args.file).with_context(|| format!("cannot read {file}"))?;
            let report = config_file::import(&ctx.ws, &text).await.with_context(|| file.clone())?;
            if let Some(warning) = &report.warning {
                warn(ctx.json, warning);
            }
            emit(ctx.json, &ConfigDone { file, report }, |d| {
                format!(
                    "Imported {}: the mapping ({} rows) and the push and pull rules replaced; custom fields checked or added ({}); {}.",
                    d.file,
                    d.report.mappings,
                    d.report.fields,
                    describe_companies(&d.report)
                )
            })
        }
    }
}

/// "the company settings (1 custom company field, 9 company mapping rows, 2 free-mail changes)".
fn describe_companies(report: &ConfigReport) -> String {
    format!(
        "the company settings ({}, {}, {})",
        count(report.company_fields as u64, "custom company field", "custom company fields"),
        count(report.company_mappings as u64, "company mapping row", "company mapping rows"),
        count(report.free_mail_overrides as u64, "free-mail change", "free-mail changes"),
    )
}
