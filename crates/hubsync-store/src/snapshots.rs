//! What pushes last read of each contact, per portal (`contact_snapshots`), and the moment all of
//! a portal's snapshots are known to be current from. A push that has them reads only the
//! contacts HubSpot's search says changed since that moment (less an overlap for search's lag)
//! and those it never read; the rest plan from the values remembered here.
//!
//! The invariant every writer keeps: a snapshot of the portal's current epoch holds its contact as
//! HubSpot had it at some moment after the portal's `snapshots_valid_from`, or any change since
//! has a `lastmodifieddate` at or after that moment less the overlap. A push that reads every
//! lead starts a new epoch; what pushes of an older one save or set is never used.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use crate::Result;
use crate::error::StoreError;
use crate::store::{Store, parse_stamp, stamp};

/// A contact's properties as a push read them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactSnapshot {
    pub contact_id: String,
    /// The portal's snapshot epoch it was read in.
    pub epoch: i64,
    /// Exactly the properties read; `None` for one HubSpot holds no value of.
    pub properties: BTreeMap<String, Option<String>>,
    /// HubSpot's `lastmodifieddate` as read.
    pub modified_at: Option<String>,
}

impl Store {
    /// `portal_id`'s snapshot epoch, and from when its snapshots are known to be current (`None`
    /// when there are none to trust).
    pub fn snapshots_state(&self, portal_id: u64) -> Result<(i64, Option<DateTime<Utc>>)> {
        let state: Option<(i64, Option<String>)> = self
            .conn
            .query_row(
                "SELECT snapshots_epoch, snapshots_valid_from FROM portals WHERE portal_id = ?1",
                params![portal_id as i64],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (epoch, from) = state.unwrap_or((0, None));
        Ok((epoch, from.map(|s| parse_stamp(&s).map_err(StoreError::from)).transpose()?))
    }

    /// Records that every snapshot of `portal_id` is current from `from`, unless a push started
    /// another epoch since this one's (`epoch`). Whether it did.
    pub fn set_snapshots_valid_from(&mut self, portal_id: u64, epoch: i64, from: DateTime<Utc>) -> Result<bool> {
        let set = self.conn.execute(
            "UPDATE portals SET snapshots_valid_from = ?3 WHERE portal_id = ?1 AND snapshots_epoch = ?2",
            params![portal_id as i64, epoch, stamp(from)],
        )?;
        Ok(set == 1)
    }

    /// Forgets every snapshot of `portal_id` and starts a new epoch; returns it.
    pub fn restart_contact_snapshots(&mut self, portal_id: u64) -> Result<i64> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute("DELETE FROM contact_snapshots WHERE portal_id = ?1", params![portal_id as i64])?;
        tx.execute(
            "UPDATE portals SET snapshots_valid_from = NULL, snapshots_epoch = snapshots_epoch + 1 WHERE portal_id = ?1",
            params![portal_id as i64],
        )?;
        let epoch = tx
            .query_row("SELECT snapshots_epoch FROM portals WHERE portal_id = ?1", params![portal_id as i64], |r| {
                r.get(0)
            })
            .optional()?
            .unwrap_or(0);
        tx.commit()?;
        Ok(epoch)
    }

    /// The snapshots of those of `contact_ids` that have one, of whichever epoch.
    pub fn contact_snapshots(&self, portal_id: u64, contact_ids: &[&str]) -> Result<HashMap<String, ContactSnapshot>> {
        let mut found = HashMap::new();
        let mut select = self.conn.prepare_cached(
            "SELECT properties, modified_at, epoch FROM contact_snapshots WHERE portal_id = ?1 AND contact_id = ?2",
        )?;
        for id in contact_ids {
            let mut rows = select.query(params![portal_id as i64, id])?;
            if let Some(row) = rows.next()? {
                let properties: String = row.get(0)?;
                let properties = serde_json::from_str(&properties)
                    .map_err(|e| StoreError::Corrupt(format!("contact {id}'s remembered properties: {e}")))?;
                found.insert(
                    id.to_string(),
                    ContactSnapshot {
                        contact_id: id.to_string(),
                        epoch: row.get(2)?,
                        properties,
                        modified_at: row.get(1)?,
                    },
                );
            }
        }
        Ok(found)
    }

    /// Keeps what was just read of these contacts. A snapshot already newer by HubSpot's
    /// `lastmodifieddate` (another process read the contact later) is kept instead.
    pub fn save_contact_snapshots(&mut self, portal_id: u64, snapshots: &[ContactSnapshot]) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut upsert = tx.prepare_cached(
                "INSERT INTO contact_snapshots (portal_id, contact_id, epoch, properties, modified_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (portal_id, contact_id) DO UPDATE SET
                    epoch = excluded.epoch, properties = excluded.properties, modified_at = excluded.modified_at
                 WHERE excluded.modified_at IS NULL OR contact_snapshots.modified_at IS NULL
                    OR COALESCE(julianday(excluded.modified_at) >= julianday(contact_snapshots.modified_at),
                                excluded.modified_at >= contact_snapshots.modified_at)",
            )?;
            for snapshot in snapshots {
                let properties = serde_json::to_string(&snapshot.properties).expect("strings serialize");
                upsert.execute(params![
                    portal_id as i64,
                    snapshot.contact_id,
                    snapshot.epoch,
                    properties,
                    snapshot.modified_at
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Forgets the snapshots of contacts HubSpot no longer has.
    pub fn drop_contact_snapshots(&mut self, portal_id: u64, contact_ids: &[String]) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut delete =
                tx.prepare_cached("DELETE FROM contact_snapshots WHERE portal_id = ?1 AND contact_id = ?2")?;
            for id in contact_ids {
                delete.execute(params![portal_id as i64, id])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Forgets the snapshots of the contacts live run `run_id` has still to write: they are about
    /// to change by its hand, and what was read of them before no longer says what HubSpot holds.
    pub fn forget_snapshots_run_writes(&mut self, run_id: i64) -> Result<()> {
        self.conn.execute(
            "DELETE FROM contact_snapshots
             WHERE portal_id = (SELECT portal_id FROM sync_runs WHERE id = ?1)
               AND contact_id IN (SELECT contact_id FROM sync_run_items
                                  WHERE run_id = ?1 AND outcome IS NULL AND contact_id IS NOT NULL)",
            params![run_id],
        )?;
        Ok(())
    }

    /// Keeps the versions (`lastmodifieddate`) HubSpot gave the contacts live run `run_id` just
    /// wrote, with none of their properties: no plan reads values from them, but a search
    /// result older than the version is known to be from before the write (search lags).
    pub fn remember_run_writes(&mut self, run_id: i64, versions: &[(String, Option<String>)]) -> Result<()> {
        let portal: Option<i64> =
            self.conn.query_row("SELECT portal_id FROM sync_runs WHERE id = ?1", params![run_id], |r| r.get(0))?;
        let Some(portal) = portal else { return Ok(()) };
        let (epoch, _) = self.snapshots_state(portal as u64)?;
        let written: Vec<ContactSnapshot> = versions
            .iter()
            .map(|(id, version)| ContactSnapshot {
                contact_id: id.clone(),
                epoch,
                properties: BTreeMap::new(),
                modified_at: version.clone(),
            })
            .collect();
        self.save_contact_snapshots(portal as u64, &written)
    }

    /// How many snapshots `portal_id` has.
    pub fn contact_snapshot_count(&self, portal_id: u64) -> Result<u64> {
        let count: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM contact_snapshots WHERE portal_id = ?1",
            params![portal_id as i64],
            |r| r.get(0),
        )?;
        Ok(count as u64)
    }
}
