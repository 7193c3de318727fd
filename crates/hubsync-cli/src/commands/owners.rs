//! `hubsync owners list`: the portal's contact owners, active and deactivated, read from
//! HubSpot and kept in the store (so leads show their owner offline).

use hubsync_api::leads::refresh_owners;

use crate::context::Context;
use crate::output::{Table, emit, warn};

pub async fn list(ctx: &mut Context) -> anyhow::Result<()> {
    let list = refresh_owners(&ctx.ws).await?;
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
