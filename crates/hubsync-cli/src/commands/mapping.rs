//! `hubsync mapping list | set | remove | export | import`.

use anyhow::Context as _;
use hubsync_store::{Mapping, MappingImportPlan};
use serde::Serialize;

use hubsync_api::{config, mapping_file};

use crate::cli::{MappingCommand, MappingExportArgs, MappingImportArgs, MappingSetArgs};
use crate::context::Context;
use crate::output::{Table, emit, warn};

#[derive(Debug, Serialize)]
pub struct MappingList {
    pub mappings: Vec<Mapping>,
}

#[derive(Debug, Serialize)]
pub struct MappingSet {
    pub mapping: Mapping,
    /// Whether the property was checked against the connected portal.
    pub checked_in_hubspot: bool,
    /// Why it could not be checked (not connected, portal unreachable).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
    /// Which of the field's values the property can't take, when not all (`convert::fit`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fit: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct MappingRemoved {
    pub removed: String,
}

pub async fn run(ctx: &mut Context, command: MappingCommand) -> anyhow::Result<()> {
    match command {
        MappingCommand::List => {
            let list = MappingList { mappings: config::list_mappings(&ctx.ws).await? };
            emit(ctx.json, &list, |l| table(&l.mappings))
        }
        MappingCommand::Set(args) => set(ctx, args).await,
        MappingCommand::Remove(args) => {
            config::remove_mapping(&ctx.ws, args.lead_field.clone()).await?;
            emit(ctx.json, &MappingRemoved { removed: args.lead_field }, |r| {
                format!("The field {} is no longer sent to HubSpot.", r.removed)
            })
        }
        MappingCommand::Export(args) => export(ctx, args).await,
        MappingCommand::Import(args) => import(ctx, args).await,
    }
}

#[derive(Debug, Serialize)]
pub struct MappingExported {
    pub file: String,
    pub rows: usize,
    pub fields: usize,
}

async fn export(ctx: &mut Context, args: MappingExportArgs) -> anyhow::Result<()> {
    let written = mapping_file::write(&ctx.ws, &args.file).await?;
    let done = MappingExported { file: written.path, rows: written.rows as usize, fields: written.fields as usize };
    emit(ctx.json, &done, |d| format!("Exported {} mapping rows and {} custom fields to {}.", d.rows, d.fields, d.file))
}

#[derive(Debug, Serialize)]
pub struct MappingImported {
    pub file: String,
    pub preview: bool,
    #[serde(flatten)]
    pub plan: MappingImportPlan,
    pub checked_in_hubspot: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

async fn import(ctx: &mut Context, args: MappingImportArgs) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.file).with_context(|| format!("cannot read {}", args.file.display()))?;
    // The application layer's one check, the app's too: the file whole, and the rows the live
    // portal refuses; offline it goes in with a warning.
    let imported = if args.preview {
        mapping_file::preview(&ctx.ws, &text).await?
    } else {
        mapping_file::import(&ctx.ws, &text).await?
    };
    if let Some(warning) = &imported.warning {
        warn(ctx.json, warning);
    }
    let report = MappingImported {
        file: args.file.display().to_string(),
        preview: args.preview,
        plan: imported.plan,
        checked_in_hubspot: imported.checked_in_hubspot,
        warning: imported.warning,
    };
    emit(ctx.json, &report, render_import)
}

fn render_import(report: &MappingImported) -> String {
    let plan = &report.plan;
    let describe = |m: &Mapping| format!("{} → {} ({})", m.field_key, m.property, m.write_rule.as_str());
    let mut lines = vec![if report.preview {
        format!("Importing {} would:", report.file)
    } else {
        format!("Imported {}:", report.file)
    }];
    lines.extend(plan.new_fields.iter().map(|f| format!("  add the custom field {} ({})", f.key, f.kind.as_str())));
    lines.extend(plan.added.iter().map(|m| format!("  add {}", describe(m))));
    lines.extend(plan.changed.iter().map(|c| format!("  change {} to {}", describe(&c.before), describe(&c.after))));
    lines.extend(plan.removed.iter().map(|m| format!("  remove {}", describe(m))));
    if !plan.changes_anything() {
        lines.push("  nothing: the file matches the mapping".into());
    }
    lines.push(format!("  {} rows stay as they are", plan.unchanged));
    lines.join("\n")
}

async fn set(ctx: &mut Context, args: MappingSetArgs) -> anyhow::Result<()> {
    // The application layer's one check, the app's too: the property must exist in HubSpot and
    // be writable when the portal answers; offline the pair is saved with a warning saying why
    // it was not checked, and a pair whose values don't all fit is saved and said.
    let saved = config::set_mapping(&ctx.ws, args.lead_field, args.property, args.rule.map(Into::into)).await?;
    for warning in saved.warning.iter().chain(&saved.fit) {
        warn(ctx.json, warning);
    }
    let report = MappingSet {
        mapping: saved.mapping,
        checked_in_hubspot: saved.checked_in_hubspot,
        warning: saved.warning,
        fit: saved.fit,
    };
    emit(ctx.json, &report, |r| {
        let m = &r.mapping;
        format!("{} → {} ({}).", m.field_key, m.property, m.write_rule.as_str())
    })
}

fn table(mappings: &[Mapping]) -> String {
    let mut table = Table::new(&["LEAD FIELD", "HUBSPOT PROPERTY", "RULE"]);
    for m in mappings {
        table.row(vec![m.field_key.clone(), m.property.clone(), m.write_rule.as_str().into()]);
    }
    table.render()
}
