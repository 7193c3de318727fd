//! `hubsync mapping list | set | remove`.

use hubsync_store::Mapping;
use hubsync_sync::mapping_check::{self, PropertyRefusal};
use serde::Serialize;

use crate::cli::{MappingCommand, MappingSetArgs};
use crate::context::Context;
use crate::error::CliError;
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
    let worth_checking = mapping_check::worth_checking(&ctx.store, &args.lead_field)?;
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

/// When connected, the property must exist in HubSpot and be writable (the core's check).
/// Offline (not connected, no token, the portal unreachable or refusing), the mapping is still
/// saved: the answer is a warning saying why it could not be checked.
async fn check_property(ctx: &Context, name: &str) -> anyhow::Result<Option<String>> {
    let unchecked = |why: String| Ok(Some(mapping_check::unchecked_warning(name, &why)));
    let client = match ctx.interactive_client() {
        Ok(client) => client,
        Err(error) => return unchecked(error.message),
    };
    let properties = match client.properties().await {
        Ok(properties) => properties,
        Err(error) => return unchecked(CliError::from(&error).message),
    };
    match mapping_check::check_property(&properties, name) {
        Ok(_) => Ok(None),
        Err(refusal @ PropertyRefusal::Unknown(_)) => Err(CliError::new(refusal.code(), refusal.to_string())
            .with_hint("use the property's internal name, as HubSpot's property settings show it")
            .into()),
        Err(refusal) => Err(CliError::new(refusal.code(), refusal.to_string()).into()),
    }
}

fn table(mappings: &[Mapping]) -> String {
    let mut table = Table::new(&["LEAD FIELD", "HUBSPOT PROPERTY", "RULE"]);
    for m in mappings {
        table.row(vec![m.field_key.clone(), m.property.clone(), m.write_rule.as_str().into()]);
    }
    table.render()
}
