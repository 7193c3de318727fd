//! HubSpot's contact owners as last read, so a lead can show its owner's name, email and
//! whether the owner is still active without asking HubSpot.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::Result;
use crate::store::{Store, stamp};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct OwnerRecord {
    pub id: String,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// False for a deactivated owner.
    pub active: bool,
}

impl OwnerRecord {
    /// "First Last", or the email when HubSpot has no name.
    pub fn name(&self) -> Option<String> {
        full_name(self.first_name.as_deref(), self.last_name.as_deref()).or_else(|| self.email.clone())
    }
}

/// An owner's "First Last" from the parts HubSpot has, or `None` when it has neither.
pub fn full_name(first: Option<&str>, last: Option<&str>) -> Option<String> {
    let name = [first, last].into_iter().flatten().filter(|p| !p.trim().is_empty()).collect::<Vec<_>>().join(" ");
    (!name.is_empty()).then_some(name)
}

fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<OwnerRecord> {
    Ok(OwnerRecord { id: r.get(0)?, email: r.get(1)?, first_name: r.get(2)?, last_name: r.get(3)?, active: r.get(4)? })
}

impl Store {
    /// Replaces the owners with the list just read from HubSpot, in one transaction.
    pub fn replace_owners(&mut self, owners: &[OwnerRecord]) -> Result<()> {
        let now = stamp(self.clock.now());
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM owners", [])?;
        {
            let mut insert = tx.prepare(
                "INSERT OR REPLACE INTO owners (id, email, first_name, last_name, active, read_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for o in owners {
                insert.execute(params![o.id, o.email, o.first_name, o.last_name, o.active, now])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Every owner as last read: active ones first, then by email.
    pub fn owners(&self) -> Result<Vec<OwnerRecord>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, email, first_name, last_name, active FROM owners ORDER BY active DESC, lower(email), id",
        )?;
        Ok(stmt.query_map([], read)?.collect::<rusqlite::Result<_>>()?)
    }

    /// The owner with this email (any case), as last read.
    pub fn owner_by_email(&self, email: &str) -> Result<Option<OwnerRecord>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT id, email, first_name, last_name, active FROM owners WHERE lower(email) = lower(?1) ORDER BY active DESC LIMIT 1",
            )?
            .query_row([email.trim()], read)
            .optional()?)
    }
}
