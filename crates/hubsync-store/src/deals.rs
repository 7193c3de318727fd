//! A lead's deals in a portal, as a pull last read them from its contact (`lead_deals`, migration
//! 0018): read-only here, replaced whole per lead by each read, so a deal gone from HubSpot
//! (or from the contact) goes from the lead with the next read.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::companies::{check_hubspot_id, require_portal};
use crate::error::StoreError;
use crate::fields::{MAX_TEXT_CHARS, canonical_number, quoted};
use crate::store::{Store, parse_stamp, stamp};

/// A deal as HubSpot holds it, its pipeline and stage named by id and by label.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct Deal {
    /// HubSpot's id of the deal (digits).
    pub deal_id: String,
    pub name: Option<String>,
    pub pipeline_id: Option<String>,
    pub pipeline_label: Option<String>,
    pub stage_id: Option<String>,
    pub stage_label: Option<String>,
    /// In a number field's canonical form (`1250.5`), whatever form it was given in.
    pub amount: Option<String>,
    /// Its ISO 4217 code (`EUR`), uppercase.
    pub currency: Option<String>,
    pub close_date: Option<DateTime<Utc>>,
    /// In a closed stage (won or lost).
    pub closed: bool,
    /// Known only for a closed deal: won, or lost.
    pub won: Option<bool>,
}

/// A lead's deal, and when it was read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct LeadDeal {
    #[serde(flatten)]
    #[ts(flatten)]
    pub deal: Deal,
    pub read_at: DateTime<Utc>,
}

impl Store {
    /// Replaces the lead's deals in `portal_id` with `deals`, read at `read_at`.
    pub fn replace_lead_deals(
        &mut self,
        portal_id: u64,
        lead_id: i64,
        deals: &[Deal],
        read_at: DateTime<Utc>,
    ) -> Result<()> {
        self.replace_deals_of_leads(portal_id, &BTreeMap::from([(lead_id, deals.to_vec())]), read_at)
    }

    /// Replaces the deals of each lead listed (a page a pull read) in `portal_id`, in one
    /// transaction, every deal checked first. A lead listed without deals is left with none.
    pub fn replace_deals_of_leads(
        &mut self,
        portal_id: u64,
        reads: &BTreeMap<i64, Vec<Deal>>,
        read_at: DateTime<Utc>,
    ) -> Result<()> {
        let mut checked = Vec::with_capacity(reads.len());
        for (lead_id, deals) in reads {
            let mut ids = HashSet::with_capacity(deals.len());
            let deals: Vec<Deal> = deals
                .iter()
                .map(|deal| {
                    if !ids.insert(deal.deal_id.as_str()) {
                        return Err(StoreError::InvalidDeal {
                            deal_id: deal.deal_id.clone(),
                            reason: format!("listed twice for lead {lead_id}"),
                        });
                    }
                    canonical_deal(deal)
                })
                .collect::<Result<_>>()?;
            checked.push((*lead_id, deals));
        }
        let read_at = stamp(read_at);
        let tx = self.conn.transaction()?;
        require_portal(&tx, portal_id)?;
        for (lead_id, deals) in &checked {
            if tx.query_row("SELECT 1 FROM leads WHERE id = ?1", [lead_id], |_| Ok(())).optional()?.is_none() {
                return Err(StoreError::LeadNotFound(*lead_id));
            }
            insert_lead_deals(&tx, portal_id as i64, *lead_id, deals, &read_at)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The lead's deals in `portal_id` as last read: open ones first, then by close date (latest
    /// first, none last), then by id.
    pub fn lead_deals(&self, portal_id: u64, lead_id: i64) -> Result<Vec<LeadDeal>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT deal_id, name, pipeline_id, pipeline_label, stage_id, stage_label, amount, currency, close_date,
                    closed, won, read_at
             FROM lead_deals WHERE portal_id = ?1 AND lead_id = ?2
             ORDER BY closed, close_date IS NULL, close_date DESC, length(deal_id), deal_id",
        )?;
        let rows = stmt.query_map(params![portal_id as i64, lead_id], |r| {
            Ok(LeadDeal {
                deal: Deal {
                    deal_id: r.get(0)?,
                    name: r.get(1)?,
                    pipeline_id: r.get(2)?,
                    pipeline_label: r.get(3)?,
                    stage_id: r.get(4)?,
                    stage_label: r.get(5)?,
                    amount: r.get(6)?,
                    currency: r.get(7)?,
                    close_date: r.get::<_, Option<String>>(8)?.as_deref().map(parse_stamp).transpose()?,
                    closed: r.get(9)?,
                    won: r.get(10)?,
                },
                read_at: parse_stamp(&r.get::<_, String>(11)?)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

impl Deal {
    /// The deal as the store keeps it (texts trimmed, blank ones none, the amount canonical, the
    /// currency uppercase), or why the store refuses it: what a read compares with the deals a
    /// lead has.
    pub fn canonical(&self) -> Result<Deal> {
        canonical_deal(self)
    }
}

/// Replaces the deals of lead `lead_id` in `portal` with `deals` (canonical, each id once), read
/// at `read_at`, in the caller's transaction.
pub(crate) fn insert_lead_deals(
    tx: &Transaction<'_>,
    portal: i64,
    lead_id: i64,
    deals: &[Deal],
    read_at: &str,
) -> Result<()> {
    tx.prepare_cached("DELETE FROM lead_deals WHERE portal_id = ?1 AND lead_id = ?2")?
        .execute(params![portal, lead_id])?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO lead_deals (portal_id, lead_id, deal_id, name, pipeline_id, pipeline_label, stage_id,
                                 stage_label, amount, currency, close_date, closed, won, read_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?;
    for deal in deals {
        insert.execute(params![
            portal,
            lead_id,
            deal.deal_id,
            deal.name,
            deal.pipeline_id,
            deal.pipeline_label,
            deal.stage_id,
            deal.stage_label,
            deal.amount,
            deal.currency,
            deal.close_date.map(stamp),
            deal.closed,
            deal.won,
            read_at,
        ])?;
    }
    Ok(())
}

/// The deal as stored: texts trimmed (blank ones none), the amount canonical, the currency
/// uppercase; or why it can't be.
pub(crate) fn canonical_deal(deal: &Deal) -> Result<Deal> {
    check_hubspot_id(&deal.deal_id)?;
    let refuse = |reason: String| StoreError::InvalidDeal { deal_id: deal.deal_id.clone(), reason };
    let text = |what: &str, value: &Option<String>| -> Result<Option<String>> {
        let Some(value) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) else { return Ok(None) };
        if value.chars().count() > MAX_TEXT_CHARS {
            return Err(refuse(format!("its {what} is longer than {MAX_TEXT_CHARS} characters")));
        }
        if value.chars().any(char::is_control) {
            return Err(refuse(format!("its {what} contains control characters")));
        }
        Ok(Some(value.to_string()))
    };
    let amount = match deal.amount.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        None => None,
        Some(raw) => {
            Some(canonical_number(raw).ok_or_else(|| refuse(format!("its amount {} is not a number", quoted(raw))))?)
        }
    };
    let currency = match deal.currency.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        None => None,
        Some(code) if code.len() == 3 && code.bytes().all(|b| b.is_ascii_alphabetic()) => {
            Some(code.to_ascii_uppercase())
        }
        Some(code) => return Err(refuse(format!("its currency {} is not a three-letter code", quoted(code)))),
    };
    if deal.won.is_some() && !deal.closed {
        return Err(refuse("it is open, so neither won nor lost".into()));
    }
    Ok(Deal {
        deal_id: deal.deal_id.clone(),
        name: text("name", &deal.name)?,
        pipeline_id: text("pipeline id", &deal.pipeline_id)?,
        pipeline_label: text("pipeline label", &deal.pipeline_label)?,
        stage_id: text("stage id", &deal.stage_id)?,
        stage_label: text("stage label", &deal.stage_label)?,
        amount,
        currency,
        close_date: deal.close_date,
        closed: deal.closed,
        won: deal.won,
    })
}
