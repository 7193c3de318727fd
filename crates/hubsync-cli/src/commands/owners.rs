//! `hubsync owners list`: the portal's contact owners, active and deactivated, read from
//! HubSpot and kept in the store (so leads show their owner offline).

use hubsync_sync::owners::{OwnerList, keep_owners, read_owners};

use crate::context::Context;
use crate::error::CliError;
use crate::output::{Table, emit, warn};

pub async fn list(ctx: &mut Context) -> anyhow::Result<()> {
    let client = ctx.interactive_client()?;
    let read = read_owners(&client).await;
    let list: OwnerList = keep_owners(&mut ctx.store, read).map_err(|e| CliError::from(&e))?;
    if let Some(warning) = &list.warning {
        warn(ctx.json, warning);
    }
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
