//! What a pull's row brings beside its contact's values (`sync_run_items.related`, migration
//! 0020): the contact's primary company, with the company fields the pull sets, and the
//! contact's deals. A live pull applies them with the lead's values, in the same transaction
//! (`Journal::apply_pull`), so a lead is never left with its values pulled and its company or
//! deals not, and a resume finishes a row whole from the journal alone.

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::Result;
use crate::companies::{
    CompanySource, check_hubspot_id, company_id_by_domain_key, company_id_by_hubspot_id, insert_pulled_company,
    pulled_domain, set_company_link, write_company_values,
};
use crate::deals::{Deal, canonical_deal, insert_lead_deals};
use crate::error::StoreError;
use crate::fields::{Field, FieldTable};
use crate::leads::check_values_of;
use crate::runs::FieldChange;

/// What a pull's row brings beside the contact's values. Each part is there only when the pull
/// read it (the connection may lack a scope): a part not read leaves the lead's as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PulledRelated {
    /// The contact's primary company, when the pull read companies and the contact has one.
    pub company: Option<PulledCompany>,
    /// The lead's company the pull takes away (its id): an earlier pull set it, and the contact
    /// has no primary company now. A company found any other way stays.
    #[ts(type = "number | null")]
    pub company_dropped: Option<i64>,
    /// The contact's deals, when the pull read deals: the lead's deals in the portal become
    /// these, whole (none: the lead is left with none).
    pub deals: Option<Vec<Deal>>,
}

impl PulledRelated {
    /// Whether the row carries nothing to apply.
    pub fn is_empty(&self) -> bool {
        self.company.is_none() && self.company_dropped.is_none() && self.deals.is_none()
    }
}

/// A contact's primary company as a pull's row carries it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PulledCompany {
    /// HubSpot's id of the company (digits).
    pub hubspot_company_id: String,
    /// HubSpot's `domain`, trimmed; `None` when it has none.
    pub domain: Option<String>,
    /// HubSpot's `name`, to show with the row.
    pub name: Option<String>,
    /// The company in the store it was when the plan was made (linked to it in the run's
    /// portal, else holding its domain); `None`: the pull adds it.
    #[ts(type = "number | null")]
    pub company_id: Option<i64>,
    /// The company fields the pull sets (`after`) or an `if-empty` rule kept (`kept`), each with
    /// the store's value before; `property` is the HubSpot company property.
    pub changes: Vec<FieldChange>,
}

/// A row's related parts, checked before anything of the row is written: the company's domain
/// as a pulled company keeps it (`pulled_domain`: shown, found by) and its values canonical for
/// their fields, the deals as the store keeps them.
pub(crate) struct CheckedRelated<'a> {
    related: &'a PulledRelated,
    company_domain: (Option<String>, Option<String>),
    company_values: Vec<(String, Option<String>)>,
    deals: Option<Vec<Deal>>,
}

/// Checks what `related` writes: its company's id, domain and values against the company
/// fields, and its deals. An error refuses the row alone.
pub(crate) fn check_related<'a>(
    company_fields: &BTreeMap<String, Field>,
    related: &'a PulledRelated,
) -> Result<CheckedRelated<'a>> {
    let (company_domain, company_values) = match &related.company {
        None => ((None, None), Vec::new()),
        Some(company) => {
            check_hubspot_id(&company.hubspot_company_id)?;
            let values: Vec<(&str, &str)> =
                company.changes.iter().filter_map(|c| Some((c.field.as_str(), c.after.as_deref()?))).collect();
            let domain = pulled_domain(company_fields, company.domain.as_deref())?;
            (domain, check_values_of(FieldTable::Company, company_fields, &values)?)
        }
    };
    let deals = match &related.deals {
        None => None,
        Some(deals) => {
            let mut ids = std::collections::HashSet::with_capacity(deals.len());
            if let Some(twice) = deals.iter().find(|d| !ids.insert(d.deal_id.as_str())) {
                return Err(StoreError::InvalidDeal {
                    deal_id: twice.deal_id.clone(),
                    reason: "listed twice for the lead".into(),
                });
            }
            Some(deals.iter().map(canonical_deal).collect::<Result<Vec<_>>>()?)
        }
    };
    Ok(CheckedRelated { related, company_domain, company_values, deals })
}

/// Applies a checked row's related parts to lead `lead_id`, in the pull's transaction: the
/// company found by its link in `portal`, else by its domain, else added (a domain held by a
/// company linked to another HubSpot company in `portal` is HubSpot's duplicate, added apart
/// without taking the domain as its key); its values written; linked in step as of `now`; made
/// the lead's company (found by a pull). Deals replace the lead's in `portal`, read at `read_at`.
pub(crate) fn apply_related(
    tx: &Transaction<'_>,
    portal: i64,
    lead_id: i64,
    checked: &CheckedRelated<'_>,
    now: &str,
    read_at: &str,
) -> Result<()> {
    let portal_id = portal as u64;
    if let Some(company) = &checked.related.company {
        let hubspot_id = company.hubspot_company_id.as_str();
        let company_id = match company_id_by_hubspot_id(tx, portal_id, hubspot_id)? {
            Some(id) => id,
            None => {
                let (domain, key) = &checked.company_domain;
                let by_domain = match key {
                    Some(key) => company_id_by_domain_key(tx, key)?,
                    None => None,
                };
                match by_domain {
                    Some(id) if !linked_elsewhere(tx, portal, id, hubspot_id)? => id,
                    Some(_) => insert_pulled_company(tx, domain.as_deref(), None, now)?,
                    None => insert_pulled_company(tx, domain.as_deref(), key.as_deref(), now)?,
                }
            }
        };
        write_company_values(tx, company_id, &checked.company_values, now)?;
        set_company_link(tx, portal_id, company_id, hubspot_id, Some(now))?;
        tx.prepare_cached(
            "INSERT INTO lead_companies (lead_id, company_id, source) VALUES (?1, ?2, ?3)
             ON CONFLICT (lead_id) DO UPDATE SET company_id = excluded.company_id, source = excluded.source",
        )?
        .execute(params![lead_id, company_id, CompanySource::Pull.as_str()])?;
    }
    if let Some(dropped) = checked.related.company_dropped {
        tx.prepare_cached("DELETE FROM lead_companies WHERE lead_id = ?1 AND company_id = ?2 AND source = ?3")?
            .execute(params![lead_id, dropped, CompanySource::Pull.as_str()])?;
    }
    if let Some(deals) = &checked.deals {
        insert_lead_deals(tx, portal, lead_id, deals, read_at)?;
    }
    Ok(())
}

/// Whether company `company_id` is linked in `portal` to another HubSpot company than
/// `hubspot_id`.
fn linked_elsewhere(tx: &Transaction<'_>, portal: i64, company_id: i64, hubspot_id: &str) -> Result<bool> {
    let linked: Option<String> = tx
        .prepare_cached("SELECT hubspot_company_id FROM company_links WHERE portal_id = ?1 AND company_id = ?2")?
        .query_row(params![portal, company_id], |r| r.get(0))
        .optional()?;
    Ok(linked.is_some_and(|linked| linked != hubspot_id))
}
