//! `hubsync owners list`: the portal's contact owners, active and deactivated, read from
//! HubSpot and kept in the store (so leads show their owner offline).

use hubsync_store::OwnerRecord;
use hubsync_sync::OwnerDirectory;
use serde::Serialize;

use crate::context::Context;
use crate::error::CliError;
use crate::output::{Table, emit, warn};

#[derive(Debug, Serialize)]
pub struct OwnerList {
    pub owners: Vec<OwnerRecord>,
    /// False when HubSpot could not be reached and the list is the one last read.
    pub live: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

pub async fn list(ctx: &mut Context) -> anyhow::Result<()> {
    let client = ctx.interactive_client()?;
    let read =
        async { Ok::<_, hubsync_hubspot::ClientError>((client.owners(false).await?, client.owners(true).await?)) };
    let list = match read.await {
        Ok((active, deactivated)) => {
            ctx.store.replace_owners(&OwnerDirectory::new(active, deactivated).records())?;
            OwnerList { owners: ctx.store.owners()?, live: true, warning: None }
        }
        Err(error) => {
            let stored = ctx.store.owners()?;
            if stored.is_empty() {
                return Err(CliError::from(&error).into());
            }
            let warning = format!("could not reach HubSpot ({error}); these are the owners as last read");
            warn(ctx.json, &warning);
            OwnerList { owners: stored, live: false, warning: Some(warning) }
        }
    };
    emit(ctx.json, &list, |l| {
        let mut table = Table::new(&["ID", "NAME", "EMAIL", "ACTIVE"]);
        for o in &l.owners {
            table.row(vec![
                o.id.clone(),
                o.name().unwrap_or_default(),
                o.email.clone().unwrap_or_default(),
                if o.active { "yes" } else { "no (deactivated)" }.into(),
            ]);
        }
        table.render()
    })
}
