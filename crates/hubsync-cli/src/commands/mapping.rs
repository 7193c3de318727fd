//! `hubsync mapping list | set | remove`.

use hubsync_store::Mapping;
use serde::Serialize;

use crate::cli::{MappingCommand, MappingSetArgs};
use crate::context::Context;
use crate::error::{CliError, codes};
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
}

#[derive(Debug, Serialize)]
pub struct MappingRemoved {
    pub removed: String,
}

pub async fn run(ctx: &mut Context, command: MappingCommand) -> anyhow::Result<()> {
    match command {
        MappingCommand::List => {
            let list = MappingList { mappings: ctx.store.mappings()? };
            emit(ctx.json, &list, |l| table(&l.mappings))
        }
        MappingCommand::Set(args) => set(ctx, args).await,
        MappingCommand::Remove(args) => {
            ctx.store.remove_mapping(&args.lead_field)?;
            emit(ctx.json, &MappingRemoved { removed: args.lead_field }, |r| {
                format!("The field {} is no longer sent to HubSpot.", r.removed)
            })
        }
    }
}

async fn set(ctx: &mut Context, args: MappingSetArgs) -> anyhow::Result<()> {
    // Ask HubSpot only about a mapping the store could accept: the field exists, and it is not
    // the email row (which maps to `email` alone, whatever HubSpot holds).
    let worth_checking = args.lead_field != "email" && ctx.store.field(&args.lead_field)?.is_some();
    let warning = if worth_checking { check_property(ctx, &args.property).await? } else { None };
    if let Some(warning) = &warning {
        warn(ctx.json, warning);
    }
    let mapping = ctx.store.set_mapping(&args.lead_field, &args.property, args.rule.map(Into::into))?;
    let report = MappingSet { mapping, checked_in_hubspot: worth_checking && warning.is_none(), warning };
    emit(ctx.json, &report, |r| {
        let m = &r.mapping;
        format!("{} → {} ({}).", m.field_key, m.property, m.write_rule.as_str())
    })
}

/// When connected, the property must exist in HubSpot and be writable. Offline (not connected,
/// no token, the portal unreachable or refusing), the mapping is still saved: the answer is a
/// warning saying why it could not be checked.
async fn check_property(ctx: &Context, name: &str) -> anyhow::Result<Option<String>> {
    let unchecked = |why: String| Ok(Some(format!("the property {name} was not checked in HubSpot: {why}")));
    let client = match ctx.interactive_client() {
        Ok(client) => client,
        Err(error) => return unchecked(error.message),
    };
    let properties = match client.properties().await {
        Ok(properties) => properties,
        Err(error) => return unchecked(CliError::from(&error).message),
    };
    match properties.iter().find(|p| p.name == name) {
        None => Err(CliError::new(codes::UNKNOWN_PROPERTY, format!("HubSpot has no contact property {name:?}"))
            .with_hint("use the property's internal name, as HubSpot's property settings show it")
            .into()),
        Some(p) if p.is_read_only() => Err(CliError::new(
            codes::READ_ONLY_PROPERTY,
            format!("the HubSpot property {name} ({}) is read-only: HubSpot refuses writes to it", p.label),
        )
        .into()),
        Some(_) => Ok(None),
    }
}

fn table(mappings: &[Mapping]) -> String {
    let mut table = Table::new(&["LEAD FIELD", "HUBSPOT PROPERTY", "RULE"]);
    for m in mappings {
        table.row(vec![m.field_key.clone(), m.property.clone(), m.write_rule.as_str().into()]);
    }
    table.render()
}
