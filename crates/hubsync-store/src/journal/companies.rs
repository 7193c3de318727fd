//! A push's companies and its leads' associations with them in the journal
//! (`0019_run_companies.sql`). While the plan is made: each lead's company domain beside its
//! contact row, then one row per domain, then each lead's association, decided as what HubSpot
//! holds is read. While the live run writes: the rows still to write, each batch's creates marked
//! sent before it goes out, and each outcome recorded, under the run's lease, in the same
//! transaction as the local company, its link to the HubSpot company and the lead's company.
//! Only the sync engine imports it (see `journal`'s docs).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};

use super::{planned_moment, run_portal};
use crate::Result;
use crate::companies::{CompanySource, company_id_by_domain_key, company_id_by_hubspot_id, set_company_link};
use crate::error::StoreError;
use crate::leases;
use crate::row_messages::{AssociationReason, CompanyNote, CompanyReason, RowFailure, stored};
use crate::run_companies::{
    ASSOCIATION_COLUMNS, AssociationAction, AssociationOutcome, COMPANY_COLUMNS, RunAssociation, RunCompany,
    read_association, read_company_row,
};
use crate::runs::{FieldChange, ItemOutcome, RunAction, RunKind, corrupt};
use crate::store::{Store, stamp};

/// A lead's company domain, journaled with its contact row (`seq`): the domain and how it was
/// found, or why it has none; and its values of the fields the company mapping takes from leads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeadDomainRow {
    pub seq: i64,
    pub lead_id: i64,
    pub domain: Option<String>,
    pub source: Option<CompanySource>,
    /// Why the lead has no domain (with `domain` `None`).
    pub reason: Option<AssociationReason>,
    pub lead_values: BTreeMap<String, String>,
    pub lead_updated_at: DateTime<Utc>,
}

/// A domain of the plan's undecided associations: its local company if the store has one, and
/// the HubSpot company that company is linked to in the run's portal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DomainToPlan {
    pub domain: String,
    pub local_company_id: Option<i64>,
    pub hubspot_company_id: Option<String>,
}

/// For one domain and one lead field: the value of the most recently changed lead of the domain
/// that has one, that lead's email, and whether other leads of the domain hold another value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DomainLeadValue {
    pub domain: String,
    pub field: String,
    pub value: String,
    pub email: String,
    pub differs: bool,
}

/// A planned company row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedCompanyRow {
    pub domain: String,
    pub company_id: Option<String>,
    pub name: Option<String>,
    pub action: RunAction,
    pub reasons: Vec<CompanyReason>,
    pub changes: Vec<FieldChange>,
    pub notes: Vec<CompanyNote>,
}

/// The company row an association row's domain has, as far as deciding the association goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompanySide {
    pub action: RunAction,
    pub company_id: Option<String>,
    pub reasons: Vec<CompanyReason>,
}

/// An association row not yet decided, with its lead's contact row and its domain's company row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssociationDraft {
    pub seq: i64,
    pub lead_id: i64,
    pub domain: String,
    /// The lead's contact row: its action and the contact it matched.
    pub contact_action: RunAction,
    pub contact_id: Option<String>,
    /// `None` while the domain has no company row.
    pub company: Option<CompanySide>,
}

/// What an association row becomes. `decided` false keeps it undecided with its contact and
/// company noted: it waits for a read of the contact's associations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssociationDecision {
    pub seq: i64,
    pub action: AssociationAction,
    pub reason: Option<AssociationReason>,
    pub contact_id: Option<String>,
    pub company_id: Option<String>,
    pub previous_primary: Option<String>,
    /// Whether the contact was associated with the company before, not as its primary (an
    /// undo then removes only the primary label); `None` while not read.
    pub previously_associated: Option<bool>,
    pub decided: bool,
}

/// An association row whose contact another lead of the plan holds more strongly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharedAssociation {
    pub seq: i64,
    pub contact_id: String,
    pub winner_email: String,
}

/// A live run's association row still to write, with what it needs from its contact and
/// company rows: the contact and company ids (known when planned, or made by the run), or that
/// the row that was to make one failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingAssociation {
    pub seq: i64,
    pub domain: String,
    pub contact_id: Option<String>,
    pub contact_failed: bool,
    pub company_id: Option<String>,
    pub company_failed: bool,
}

/// What became of a pending company row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompanyResult {
    pub seq: i64,
    pub outcome: ItemOutcome,
    pub company_id: Option<String>,
    pub error: Option<RowFailure>,
}

/// An undo's association row: taking back push row `push_seq`'s association (`Unassociate`),
/// or why not (`Skip`). Lead, domain and email come from the push's row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UndoAssociationRow {
    pub push_seq: i64,
    pub action: AssociationAction,
    pub reason: Option<AssociationReason>,
    pub contact_id: Option<String>,
    pub company_id: Option<String>,
    /// The company made primary again first, if any.
    pub previous_primary: Option<String>,
    /// Keep the pair, remove only the primary label.
    pub label_only: bool,
}

/// What became of a pending association row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssociationResult {
    pub seq: i64,
    pub outcome: AssociationOutcome,
    pub contact_id: Option<String>,
    pub company_id: Option<String>,
    pub error: Option<RowFailure>,
}

/// A push's company and association rows in the journal. Only the sync engine imports it.
pub trait CompanyJournal {
    /// Journals the leads' company domains beside their contact rows in plan `run_id`. A lead
    /// without a domain is decided at once (skipped, with its reason); the others wait.
    fn add_lead_domains(&mut self, run_id: i64, rows: &[LeadDomainRow]) -> Result<()>;

    /// Up to `limit` domains after `after` (in order) of plan `run_id`'s undecided associations,
    /// each with its local company and that company's link in the run's portal.
    fn domains_to_plan(&self, run_id: i64, after: &str, limit: usize) -> Result<Vec<DomainToPlan>>;

    /// For each of `domains` and each lead field its leads hold a value of (in `lead_values`),
    /// the most recently changed lead's value, and whether the others differ.
    fn domain_lead_values(&self, run_id: i64, domains: &[String]) -> Result<Vec<DomainLeadValue>>;

    /// Adds company rows to plan `run_id`, numbered after those it has.
    fn add_company_rows(&mut self, run_id: i64, rows: &[PlannedCompanyRow]) -> Result<()>;

    /// Numbers plan `run_id`'s company rows in the order of their domains.
    fn order_company_rows(&mut self, run_id: i64) -> Result<()>;

    /// Up to `limit` undecided association rows after row `after_seq`, in order, with their
    /// contact and company rows.
    fn undecided_associations(&self, run_id: i64, after_seq: i64, limit: usize) -> Result<Vec<AssociationDraft>>;

    /// Records decisions about association rows (see `AssociationDecision`).
    fn decide_associations(&mut self, run_id: i64, decisions: &[AssociationDecision]) -> Result<()>;

    /// Up to `limit` contacts after `after` (in order) of the undecided association rows: those
    /// whose associations are to be read.
    fn contacts_to_read(&self, run_id: i64, after: &str, limit: usize) -> Result<Vec<String>>;

    /// The undecided association rows of `contacts`, with their contact and company rows.
    fn undecided_of_contacts(&self, run_id: i64, contacts: &[String]) -> Result<Vec<AssociationDraft>>;

    /// The association rows that reach a contact another row of the plan also reaches, but for
    /// the one whose lead holds the contact most strongly (its claim in the plan, then its row).
    fn shared_associations(&self, run_id: i64) -> Result<Vec<SharedAssociation>>;

    /// Makes the rows `shared` names skipped: their contact gets another lead's company.
    fn skip_shared_associations(&mut self, run_id: i64, shared: &[SharedAssociation]) -> Result<()>;

    /// Up to `limit` of live run `run_id`'s pending company rows of this action after `after_seq`.
    fn pending_company_rows(
        &self,
        run_id: i64,
        action: RunAction,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<RunCompany>>;

    /// Journals, under the run's lease, that these company creates are about to be sent, and when.
    fn mark_companies_sent(&mut self, run_id: i64, seqs: &[i64]) -> Result<()>;

    /// Journals that these company creates were not sent after all (HubSpot certainly made
    /// none): a later session sends them again without looking for them first.
    fn unmark_companies_sent(&mut self, run_id: i64, seqs: &[i64]) -> Result<()>;

    /// Records what became of company rows and, for those written, makes the local company of
    /// the domain (if the store has none), and links it to the HubSpot company in the run's
    /// portal (unless another company holds that link: the row's notes say so), in one
    /// transaction under the run's lease. Outcomes never go back.
    fn record_company_outcomes(&mut self, run_id: i64, results: &[CompanyResult], api_calls: u64) -> Result<()>;

    /// Up to `limit` of live run `run_id`'s pending association rows after `after_seq`.
    fn pending_associations(&self, run_id: i64, after_seq: i64, limit: usize) -> Result<Vec<PendingAssociation>>;

    /// Records what became of association rows and, for those associated, makes the domain's
    /// local company the lead's company (found by its domain field or its email; a company the
    /// admin chose stays), in one transaction under the run's lease. Outcomes never go back.
    fn record_association_outcomes(&mut self, run_id: i64, results: &[AssociationResult], api_calls: u64)
    -> Result<()>;

    /// How many company and association rows of run `run_id` are still to write.
    fn pending_company_work(&self, run_id: i64) -> Result<u64>;

    /// Adds an undo's association rows to plan `run_id` (numbered after those it has), each
    /// taking what it shows of its lead from push run `undo_of`'s row.
    fn add_undo_associations(&mut self, run_id: i64, undo_of: i64, rows: &[UndoAssociationRow]) -> Result<()>;

    /// Up to `limit` of live undo `run_id`'s pending association rows after `after_seq`:
    /// `label_only` picks those that keep their pair (or those that don't), `re_primary` only
    /// those with a company to make primary again.
    fn pending_unassociations(
        &self,
        run_id: i64,
        after_seq: i64,
        limit: usize,
        filter: UnassociationFilter,
    ) -> Result<Vec<RunAssociation>>;
}

/// Which of an undo's pending association rows to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnassociationFilter {
    /// Those with a previous primary company to make primary again.
    RePrimary,
    /// Those that remove only the primary label.
    LabelOnly,
    /// Those that remove the pair.
    Pair,
}

const DRAFT_COLUMNS: &str = "a.seq, a.lead_id, a.domain, i.action, COALESCE(a.contact_id, i.contact_id),
     c.action, COALESCE(a.company_id, c.company_id), c.reason";

/// `DRAFT_COLUMNS` as SQLite holds them.
type RawDraft = (i64, i64, String, String, Option<String>, Option<String>, Option<String>, Option<String>);

fn read_draft(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawDraft> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?))
}

fn parse_draft(raw: RawDraft) -> Result<AssociationDraft> {
    let (seq, lead_id, domain, contact_action, contact_id, company_action, company_id, company_reasons) = raw;
    let company = match company_action {
        None => None,
        Some(action) => Some(CompanySide {
            action: RunAction::parse(&action).ok_or_else(|| corrupt("action", &action))?,
            company_id,
            reasons: match company_reasons {
                Some(raw) => serde_json::from_str(&raw).map_err(|_| corrupt("reasons", &raw))?,
                None => Vec::new(),
            },
        }),
    };
    Ok(AssociationDraft {
        seq,
        lead_id,
        domain,
        contact_action: RunAction::parse(&contact_action).ok_or_else(|| corrupt("action", &contact_action))?,
        contact_id,
        company,
    })
}

const DRAFT_FROM: &str = "sync_run_associations a
     JOIN sync_run_items i ON i.run_id = a.run_id AND i.seq = a.seq
     LEFT JOIN sync_run_companies c ON c.run_id = a.run_id AND c.domain = a.domain";

impl CompanyJournal for Store {
    fn add_lead_domains(&mut self, run_id: i64, rows: &[LeadDomainRow]) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO sync_run_associations (run_id, seq, lead_id, domain, source, lead_values, lead_updated_at,
                                                    action, reason, outcome)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?;
            for row in rows {
                let decided = row.domain.is_none();
                insert.execute(params![
                    run_id,
                    row.seq,
                    row.lead_id,
                    row.domain,
                    row.source.map(CompanySource::as_str),
                    serde_json::to_string(&row.lead_values).expect("strings"),
                    stamp(row.lead_updated_at),
                    if decided { AssociationAction::Skip } else { AssociationAction::Associate }.as_str(),
                    row.reason.as_ref().map(stored),
                    decided.then_some(AssociationOutcome::Skipped.as_str()),
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn domains_to_plan(&self, run_id: i64, after: &str, limit: usize) -> Result<Vec<DomainToPlan>> {
        let portal = self.conn.query_row(
            "SELECT COALESCE(portal_id, (SELECT portal_id FROM active_profile)) FROM sync_runs WHERE id = ?1",
            [run_id],
            |r| r.get::<_, i64>(0),
        )?;
        // The domains come in index order, a page at a time: each page visits only its own rows.
        let mut stmt = self.conn.prepare_cached(
            "SELECT d.domain, co.id,
                    (SELECT k.hubspot_company_id FROM company_links k WHERE k.company_id = co.id AND k.portal_id = ?3)
             FROM (SELECT DISTINCT domain FROM sync_run_associations
                   WHERE run_id = ?1 AND domain > ?2 AND outcome IS NULL ORDER BY domain LIMIT ?4) d
             LEFT JOIN companies co ON co.domain_key = d.domain
             ORDER BY d.domain",
        )?;
        let rows = stmt.query_map(params![run_id, after, portal, limit_of(limit)], |r| {
            Ok(DomainToPlan { domain: r.get(0)?, local_company_id: r.get(1)?, hubspot_company_id: r.get(2)? })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn domain_lead_values(&self, run_id: i64, domains: &[String]) -> Result<Vec<DomainLeadValue>> {
        if domains.is_empty() {
            return Ok(Vec::new());
        }
        let mut stmt = self.conn.prepare_cached(
            "WITH v AS (
                 SELECT a.domain, j.key AS field, j.value AS value, a.lead_updated_at AS at, a.seq, i.email
                 FROM sync_run_associations a, json_each(a.lead_values) j
                 JOIN sync_run_items i ON i.run_id = a.run_id AND i.seq = a.seq
                 WHERE a.run_id = ?1 AND a.domain IN (SELECT value FROM json_each(?2)) AND j.value <> ''
             ),
             ranked AS (
                 SELECT *, ROW_NUMBER() OVER (PARTITION BY domain, field ORDER BY at DESC, seq DESC) AS place,
                        MIN(value) OVER (PARTITION BY domain, field) AS lowest,
                        MAX(value) OVER (PARTITION BY domain, field) AS highest
                 FROM v
             )
             -- Another lead holds another value exactly when the domain's values aren't all one:
             -- one pass over the rows, where a lookup per value re-read them all each time.
             SELECT domain, field, value, email, lowest <> highest
             FROM ranked WHERE place = 1 ORDER BY domain, field",
        )?;
        let list = serde_json::to_string(domains).expect("strings");
        let rows = stmt.query_map(params![run_id, list], |r| {
            Ok(DomainLeadValue {
                domain: r.get(0)?,
                field: r.get(1)?,
                value: r.get(2)?,
                email: r.get(3)?,
                differs: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn add_company_rows(&mut self, run_id: i64, rows: &[PlannedCompanyRow]) -> Result<()> {
        let tx = self.conn.transaction()?;
        let mut seq: i64 = tx.query_row(
            "SELECT COALESCE(MAX(seq) + 1, 0) FROM sync_run_companies WHERE run_id = ?1",
            [run_id],
            |r| r.get(0),
        )?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO sync_run_companies (run_id, seq, domain, company_id, name, action, reason, changes, notes, outcome)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?;
            for row in rows {
                let outcome = match row.action {
                    RunAction::Skip => ItemOutcome::Skipped,
                    RunAction::Invalid => ItemOutcome::Invalid,
                    _ => ItemOutcome::Previewed,
                };
                insert.execute(params![
                    run_id,
                    seq,
                    row.domain,
                    row.company_id,
                    row.name,
                    row.action.as_str(),
                    (!row.reasons.is_empty()).then(|| stored(&row.reasons)),
                    serde_json::to_string(&row.changes).expect("plain data"),
                    stored(&row.notes),
                    outcome.as_str(),
                ])?;
                seq += 1;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn order_company_rows(&mut self, run_id: i64) -> Result<()> {
        let tx = self.conn.transaction()?;
        // Through negative numbers, which no row has, so no two rows ever share one.
        tx.execute(
            "UPDATE sync_run_companies SET seq = -1 - ranked.place
             FROM (SELECT domain, ROW_NUMBER() OVER (ORDER BY domain) - 1 AS place
                   FROM sync_run_companies WHERE run_id = ?1) AS ranked
             WHERE sync_run_companies.run_id = ?1 AND sync_run_companies.domain = ranked.domain",
            [run_id],
        )?;
        tx.execute("UPDATE sync_run_companies SET seq = -1 - seq WHERE run_id = ?1", [run_id])?;
        tx.commit()?;
        Ok(())
    }

    fn undecided_associations(&self, run_id: i64, after_seq: i64, limit: usize) -> Result<Vec<AssociationDraft>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {DRAFT_COLUMNS} FROM {DRAFT_FROM}
             WHERE a.run_id = ?1 AND a.outcome IS NULL AND a.seq > ?2 ORDER BY a.seq LIMIT ?3"
        ))?;
        let rows = stmt.query_map(params![run_id, after_seq, limit_of(limit)], read_draft)?;
        rows.map(|row| parse_draft(row?)).collect()
    }

    fn decide_associations(&mut self, run_id: i64, decisions: &[AssociationDecision]) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut update = tx.prepare_cached(
                "UPDATE sync_run_associations
                 SET action = ?3, reason = ?4, contact_id = ?5, company_id = ?6, previous_primary = ?7, outcome = ?8,
                     previously_associated = ?9
                 WHERE run_id = ?1 AND seq = ?2 AND outcome IS NULL",
            )?;
            for d in decisions {
                let outcome = match (d.decided, d.action) {
                    (false, _) => None,
                    (true, AssociationAction::Associate) => Some(AssociationOutcome::Previewed),
                    (true, AssociationAction::Skip) => Some(AssociationOutcome::Skipped),
                    // A push decides no undo's rows.
                    (true, AssociationAction::Unassociate) => Some(AssociationOutcome::Previewed),
                };
                update.execute(params![
                    run_id,
                    d.seq,
                    d.action.as_str(),
                    d.reason.as_ref().map(stored),
                    d.contact_id,
                    d.company_id,
                    d.previous_primary,
                    outcome.map(AssociationOutcome::as_str),
                    d.previously_associated,
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn contacts_to_read(&self, run_id: i64, after: &str, limit: usize) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT contact_id FROM sync_run_associations
             WHERE run_id = ?1 AND outcome IS NULL AND contact_id > ?2 ORDER BY contact_id LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![run_id, after, limit_of(limit)], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn undecided_of_contacts(&self, run_id: i64, contacts: &[String]) -> Result<Vec<AssociationDraft>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {DRAFT_COLUMNS} FROM {DRAFT_FROM}
             WHERE a.run_id = ?1 AND a.outcome IS NULL AND a.contact_id IN (SELECT value FROM json_each(?2))
             ORDER BY a.seq"
        ))?;
        let list = serde_json::to_string(contacts).expect("strings");
        let rows = stmt.query_map(params![run_id, list], read_draft)?;
        rows.map(|row| parse_draft(row?)).collect()
    }

    fn shared_associations(&self, run_id: i64) -> Result<Vec<SharedAssociation>> {
        // A lead's claim on its contact is in the plan's claims (`plans.rs`) while the plan is
        // made; a row without one ranks lowest, then the later row wins, as contact rows do.
        let mut stmt = self.conn.prepare(
            "WITH reaching AS (
                 SELECT a.seq, a.contact_id FROM sync_run_associations a
                 WHERE a.run_id = ?1 AND a.contact_id IS NOT NULL
                   AND (a.action = 'associate' OR json_extract(a.reason, '$.code') = 'already-associated')
             ),
             contested AS (SELECT contact_id FROM reaching GROUP BY contact_id HAVING COUNT(*) > 1),
             ranked AS (
                 SELECT r.seq, r.contact_id,
                        ROW_NUMBER() OVER (
                            PARTITION BY r.contact_id
                            ORDER BY (SELECT MAX(claim) FROM temp.plan_claims p
                                      WHERE p.run_id = ?1 AND p.seq = r.seq AND p.contact_id = r.contact_id) DESC
                                     NULLS LAST,
                                     r.seq DESC) AS place
                 FROM reaching r JOIN contested USING (contact_id)
             )
             SELECT loser.seq, loser.contact_id, winner_row.email
             FROM ranked loser
             JOIN ranked winner ON winner.contact_id = loser.contact_id AND winner.place = 1
             JOIN sync_run_items winner_row ON winner_row.run_id = ?1 AND winner_row.seq = winner.seq
             WHERE loser.place > 1 ORDER BY loser.seq",
        )?;
        let rows = stmt.query_map([run_id], |r| {
            Ok(SharedAssociation { seq: r.get(0)?, contact_id: r.get(1)?, winner_email: r.get(2)? })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn skip_shared_associations(&mut self, run_id: i64, shared: &[SharedAssociation]) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut update = tx.prepare_cached(
                "UPDATE sync_run_associations SET action = 'skip', reason = ?3, outcome = 'skipped', previous_primary = NULL
                 WHERE run_id = ?1 AND seq = ?2",
            )?;
            for row in shared {
                let reason = AssociationReason::SharedContact {
                    contact_id: row.contact_id.clone(),
                    winner_email: row.winner_email.clone(),
                };
                update.execute(params![run_id, row.seq, stored(&reason)])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn pending_company_rows(
        &self,
        run_id: i64,
        action: RunAction,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<RunCompany>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COMPANY_COLUMNS} FROM sync_run_companies
             WHERE run_id = ?1 AND outcome IS NULL AND action = ?2 AND seq > ?3 ORDER BY seq LIMIT ?4"
        ))?;
        let rows = stmt.query_map(params![run_id, action.as_str(), after_seq, limit_of(limit)], read_company_row)?;
        rows.map(|row| row?.parse()).collect()
    }

    fn mark_companies_sent(&mut self, run_id: i64, seqs: &[i64]) -> Result<()> {
        let now = stamp(self.clock.now());
        let tx = self.conn.transaction()?;
        leases::renew(&tx, self.lease.as_ref(), run_id, self.clock.now())?;
        {
            let mut mark =
                tx.prepare_cached("UPDATE sync_run_companies SET sent_at = ?3 WHERE run_id = ?1 AND seq = ?2")?;
            for seq in seqs {
                mark.execute(params![run_id, seq, now])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn unmark_companies_sent(&mut self, run_id: i64, seqs: &[i64]) -> Result<()> {
        let tx = self.conn.transaction()?;
        leases::renew(&tx, self.lease.as_ref(), run_id, self.clock.now())?;
        {
            let mut unmark = tx.prepare_cached(
                "UPDATE sync_run_companies SET sent_at = NULL WHERE run_id = ?1 AND seq = ?2 AND outcome IS NULL",
            )?;
            for seq in seqs {
                unmark.execute(params![run_id, seq])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn record_company_outcomes(&mut self, run_id: i64, results: &[CompanyResult], api_calls: u64) -> Result<()> {
        let now = stamp(self.clock.now());
        let tx = self.conn.transaction()?;
        leases::renew(&tx, self.lease.as_ref(), run_id, self.clock.now())?;
        let portal = run_portal(&tx, run_id)?;
        let (kind, planned) = planned_moment(&tx, run_id)?;
        for result in results {
            let row: Option<(String, String, bool)> = tx
                .prepare_cached(
                    "SELECT domain, notes, outcome IS NOT NULL FROM sync_run_companies WHERE run_id = ?1 AND seq = ?2",
                )?
                .query_row(params![run_id, result.seq], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()?;
            let (domain, notes, settled) =
                row.ok_or_else(|| StoreError::Corrupt(format!("run {run_id} has no company row {}", result.seq)))?;
            if settled {
                tracing::warn!(run_id, seq = result.seq, "company row already has its outcome; kept");
                continue;
            }
            let mut notes: Vec<CompanyNote> = serde_json::from_str(&notes).map_err(|_| corrupt("notes", &notes))?;
            let written = matches!(result.outcome, ItemOutcome::Created | ItemOutcome::Updated);
            if kind == RunKind::Undo {
                undo_company_link(&tx, portal, result)?;
            } else if let Some(company_id) = result.company_id.as_deref().filter(|_| written)
                && let Some(note) = link_local_company(&tx, portal, &domain, company_id, &planned, &now)?
            {
                notes.push(note);
            }
            tx.prepare_cached(
                "UPDATE sync_run_companies SET outcome = ?3, company_id = COALESCE(?4, company_id), error = ?5, notes = ?6
                 WHERE run_id = ?1 AND seq = ?2 AND outcome IS NULL",
            )?
            .execute(params![
                run_id,
                result.seq,
                result.outcome.as_str(),
                result.company_id,
                result.error.as_ref().map(stored),
                stored(&notes),
            ])?;
        }
        tx.execute("UPDATE sync_runs SET api_calls = ?2 WHERE id = ?1", params![run_id, api_calls as i64])?;
        tx.commit()?;
        Ok(())
    }

    fn pending_associations(&self, run_id: i64, after_seq: i64, limit: usize) -> Result<Vec<PendingAssociation>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT a.seq, a.domain,
                    COALESCE(a.contact_id, CASE WHEN i.outcome IN ('created', 'updated') THEN i.contact_id END),
                    a.contact_id IS NULL AND (i.outcome IS NULL OR i.outcome NOT IN ('created', 'updated')),
                    COALESCE(a.company_id, CASE WHEN c.outcome IN ('created', 'updated', 'skipped') THEN c.company_id END),
                    c.outcome IS NULL OR c.outcome NOT IN ('created', 'updated', 'skipped')
             FROM sync_run_associations a
             JOIN sync_run_items i ON i.run_id = a.run_id AND i.seq = a.seq
             LEFT JOIN sync_run_companies c ON c.run_id = a.run_id AND c.domain = a.domain
             WHERE a.run_id = ?1 AND a.outcome IS NULL AND a.action = 'associate' AND a.seq > ?2
             ORDER BY a.seq LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![run_id, after_seq, limit_of(limit)], |r| {
            let company_id: Option<String> = r.get(4)?;
            Ok(PendingAssociation {
                seq: r.get(0)?,
                domain: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                contact_id: r.get(2)?,
                contact_failed: r.get(3)?,
                company_failed: company_id.is_none() && r.get::<_, bool>(5)?,
                company_id,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn record_association_outcomes(
        &mut self,
        run_id: i64,
        results: &[AssociationResult],
        api_calls: u64,
    ) -> Result<()> {
        let now = stamp(self.clock.now());
        let tx = self.conn.transaction()?;
        leases::renew(&tx, self.lease.as_ref(), run_id, self.clock.now())?;
        for result in results {
            let changed = tx
                .prepare_cached(
                    "UPDATE sync_run_associations
                     SET outcome = ?3, contact_id = COALESCE(?4, contact_id), company_id = COALESCE(?5, company_id), error = ?6
                     WHERE run_id = ?1 AND seq = ?2 AND outcome IS NULL",
                )?
                .execute(params![
                    run_id,
                    result.seq,
                    result.outcome.as_str(),
                    result.contact_id,
                    result.company_id,
                    result.error.as_ref().map(stored),
                ])?;
            if changed == 0 {
                tracing::warn!(
                    run_id,
                    seq = result.seq,
                    "association row already has its outcome, or none exists; kept"
                );
                continue;
            }
            match result.outcome {
                AssociationOutcome::Associated => set_lead_company_of_row(&tx, run_id, result.seq, &now)?,
                AssociationOutcome::Unassociated => restore_lead_company_of_row(&tx, run_id, result.seq)?,
                _ => {}
            }
        }
        tx.execute("UPDATE sync_runs SET api_calls = ?2 WHERE id = ?1", params![run_id, api_calls as i64])?;
        tx.commit()?;
        Ok(())
    }

    fn pending_company_work(&self, run_id: i64) -> Result<u64> {
        Ok(self.conn.query_row(
            "SELECT (SELECT COUNT(*) FROM sync_run_companies WHERE run_id = ?1 AND outcome IS NULL)
                  + (SELECT COUNT(*) FROM sync_run_associations WHERE run_id = ?1 AND outcome IS NULL)",
            [run_id],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }

    fn add_undo_associations(&mut self, run_id: i64, undo_of: i64, rows: &[UndoAssociationRow]) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let first: i64 = tx.query_row(
                "SELECT COALESCE(MAX(seq) + 1, 0) FROM sync_run_associations WHERE run_id = ?1",
                [run_id],
                |r| r.get(0),
            )?;
            let mut insert = tx.prepare_cached(
                "INSERT INTO sync_run_associations (run_id, seq, lead_id, domain, source, lead_updated_at, contact_id,
                     company_id, previous_primary, action, reason, outcome, previously_associated,
                     lead_company_before_id, lead_company_before_source, email)
                 SELECT ?1, ?3, a.lead_id, a.domain, a.source, a.lead_updated_at, ?4, ?5, ?6, ?7, ?8, ?9, ?10,
                        a.lead_company_before_id, a.lead_company_before_source, COALESCE(a.email, i.email)
                 FROM sync_run_associations a
                 LEFT JOIN sync_run_items i ON i.run_id = a.run_id AND i.seq = a.seq
                 WHERE a.run_id = ?2 AND a.seq = ?11",
            )?;
            for (seq, row) in (first..).zip(rows) {
                let outcome = match row.action {
                    AssociationAction::Skip => AssociationOutcome::Skipped,
                    _ => AssociationOutcome::Previewed,
                };
                let added = insert.execute(params![
                    run_id,
                    undo_of,
                    seq,
                    row.contact_id,
                    row.company_id,
                    row.previous_primary,
                    row.action.as_str(),
                    row.reason.as_ref().map(stored),
                    outcome.as_str(),
                    row.label_only,
                    row.push_seq,
                ])?;
                if added == 0 {
                    return Err(StoreError::Corrupt(format!("run {undo_of} has no association row {}", row.push_seq)));
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn pending_unassociations(
        &self,
        run_id: i64,
        after_seq: i64,
        limit: usize,
        filter: UnassociationFilter,
    ) -> Result<Vec<RunAssociation>> {
        let only = match filter {
            UnassociationFilter::RePrimary => "a.previous_primary IS NOT NULL",
            UnassociationFilter::LabelOnly => "a.previously_associated = 1",
            UnassociationFilter::Pair => "a.previously_associated IS NOT 1",
        };
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {ASSOCIATION_COLUMNS} FROM sync_run_associations a
             LEFT JOIN sync_run_items i ON i.run_id = a.run_id AND i.seq = a.seq
             WHERE a.run_id = ?1 AND a.outcome IS NULL AND a.action = 'unassociate' AND a.seq > ?2 AND {only}
             ORDER BY a.seq LIMIT ?3"
        ))?;
        let rows = stmt.query_map(params![run_id, after_seq, limit_of(limit)], read_association)?;
        rows.map(|row| row?.parse()).collect()
    }
}

/// An undo's company write, in the store: a company whose values were put back is no longer in
/// step with its local company; an archived one is no company of the portal's, so no local
/// company links to it (the next push finds the domain afresh rather than updating it).
fn undo_company_link(tx: &Transaction<'_>, portal: i64, result: &CompanyResult) -> Result<()> {
    let Some(company_id) = result.company_id.as_deref() else { return Ok(()) };
    match result.outcome {
        ItemOutcome::Updated => {
            tx.prepare_cached(
                "UPDATE company_links SET synced_at = NULL WHERE portal_id = ?1 AND hubspot_company_id = ?2",
            )?
            .execute(params![portal, company_id])?;
        }
        ItemOutcome::Archived => {
            tx.prepare_cached("DELETE FROM company_links WHERE portal_id = ?1 AND hubspot_company_id = ?2")?
                .execute(params![portal, company_id])?;
        }
        _ => {}
    }
    Ok(())
}

/// Puts back the lead's company as it was before the push (an undo's association row `seq`
/// took the push's association back), while the lead's company is still the one the push set:
/// the domain's local company, found as the row says. A lead whose company changed since (the
/// admin chose one, a pull set one) keeps it; one the push didn't record is left as it is.
fn restore_lead_company_of_row(tx: &Transaction<'_>, run_id: i64, seq: i64) -> Result<()> {
    type Before = (i64, Option<String>, Option<String>, Option<i64>, Option<String>);
    let row: Option<Before> = tx
        .prepare_cached(
            "SELECT lead_id, domain, source, lead_company_before_id, lead_company_before_source
             FROM sync_run_associations WHERE run_id = ?1 AND seq = ?2",
        )?
        .query_row(params![run_id, seq], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .optional()?;
    let Some((lead_id, Some(domain), Some(source), before_id, Some(before_source))) = row else { return Ok(()) };
    let Some(pushed) = company_id_by_domain_key(tx, &domain)? else { return Ok(()) };
    let still_pushed = tx
        .prepare_cached("SELECT 1 FROM lead_companies WHERE lead_id = ?1 AND company_id = ?2 AND source = ?3")?
        .query_row(params![lead_id, pushed, source], |_| Ok(()))
        .optional()?
        .is_some();
    if !still_pushed {
        return Ok(());
    }
    let before_exists = match before_id {
        Some(id) => tx
            .prepare_cached("SELECT 1 FROM companies WHERE id = ?1")?
            .query_row([id], |_| Ok(()))
            .optional()?
            .is_some(),
        None => false,
    };
    match (before_id, before_source.as_str()) {
        (Some(id), before) if before != "none" && before_exists => {
            tx.prepare_cached("UPDATE lead_companies SET company_id = ?2, source = ?3 WHERE lead_id = ?1")?
                .execute(params![lead_id, id, before])?;
        }
        _ => {
            tx.prepare_cached("DELETE FROM lead_companies WHERE lead_id = ?1")?.execute([lead_id])?;
        }
    }
    Ok(())
}

fn limit_of(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// Makes the local company of `domain` if the store has none, and links it to HubSpot company
/// `company_id` in `portal` as in step from `synced_at`, unless another local company holds that
/// link (then the note says so).
pub(crate) fn link_local_company(
    tx: &Transaction<'_>,
    portal: i64,
    domain: &str,
    company_id: &str,
    synced_at: &str,
    now: &str,
) -> Result<Option<CompanyNote>> {
    let local = local_company(tx, domain, now)?;
    if let Some(other) = company_id_by_hubspot_id(tx, portal as u64, company_id)?.filter(|other| *other != local) {
        return Ok(Some(CompanyNote::NotLinked { company_id: company_id.into(), local_company_id: other }));
    }
    set_company_link(tx, portal as u64, local, company_id, Some(synced_at))?;
    Ok(None)
}

/// The local company of `domain` (normalised), made now when the store has none.
fn local_company(tx: &Transaction<'_>, domain: &str, now: &str) -> Result<i64> {
    if let Some(id) = company_id_by_domain_key(tx, domain)? {
        return Ok(id);
    }
    tx.prepare_cached(
        "INSERT INTO companies (domain, domain_key, origin, created_at, updated_at) VALUES (?1, ?1, 'local', ?2, ?2)",
    )?
    .execute(params![domain, now])?;
    Ok(tx.last_insert_rowid())
}

/// Makes association row `seq`'s domain's local company its lead's company, found as the row
/// says (a company the admin chose stays; a lead deleted since has none to get).
pub(crate) fn set_lead_company_of_row(tx: &Transaction<'_>, run_id: i64, seq: i64, now: &str) -> Result<()> {
    let row: Option<(i64, Option<String>, Option<String>)> = tx
        .prepare_cached("SELECT lead_id, domain, source FROM sync_run_associations WHERE run_id = ?1 AND seq = ?2")?
        .query_row(params![run_id, seq], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let Some((lead_id, Some(domain), Some(source))) = row else { return Ok(()) };
    let lead_exists =
        tx.prepare_cached("SELECT 1 FROM leads WHERE id = ?1")?.query_row([lead_id], |_| Ok(())).optional()?.is_some();
    if !lead_exists {
        return Ok(());
    }
    let company = local_company(tx, &domain, now)?;
    // What the lead's company was, for an undo to put back.
    let before: Option<(i64, String)> = tx
        .prepare_cached("SELECT company_id, source FROM lead_companies WHERE lead_id = ?1")?
        .query_row([lead_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    tx.prepare_cached(
        "UPDATE sync_run_associations SET lead_company_before_id = ?3, lead_company_before_source = ?4
         WHERE run_id = ?1 AND seq = ?2",
    )?
    .execute(params![
        run_id,
        seq,
        before.as_ref().map(|b| b.0),
        before.as_ref().map_or("none", |b| b.1.as_str())
    ])?;
    tx.prepare_cached(
        "INSERT INTO lead_companies (lead_id, company_id, source) VALUES (?1, ?2, ?3)
         ON CONFLICT (lead_id) DO UPDATE SET company_id = excluded.company_id, source = excluded.source
         WHERE lead_companies.source <> 'manual'",
    )?
    .execute(params![lead_id, company, source])?;
    Ok(())
}

/// A live run's go-live effects on its company rows (`live_run_from_plan`): a company the plan
/// found unchanged is linked as a written one is, and a lead whose contact is associated with its
/// company already gets that company.
pub(crate) fn go_live_companies(
    tx: &Transaction<'_>,
    run_id: i64,
    portal: i64,
    planned: &str,
    now: &str,
) -> Result<()> {
    let unchanged: Vec<(i64, String, String, String)> = tx
        .prepare(
            "SELECT seq, domain, company_id, notes FROM sync_run_companies
             WHERE run_id = ?1 AND outcome = 'skipped' AND company_id IS NOT NULL
               AND json_extract(reason, '$[0].code') = 'unchanged'",
        )?
        .query_map([run_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (seq, domain, company_id, notes) in unchanged {
        if let Some(note) = link_local_company(tx, portal, &domain, &company_id, planned, now)? {
            let mut notes: Vec<CompanyNote> = serde_json::from_str(&notes).map_err(|_| corrupt("notes", &notes))?;
            notes.push(note);
            tx.prepare_cached("UPDATE sync_run_companies SET notes = ?3 WHERE run_id = ?1 AND seq = ?2")?
                .execute(params![run_id, seq, stored(&notes)])?;
        }
    }
    let already: Vec<i64> = tx
        .prepare(
            "SELECT seq FROM sync_run_associations
             WHERE run_id = ?1 AND outcome = 'skipped' AND json_extract(reason, '$.code') = 'already-associated'",
        )?
        .query_map([run_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for seq in already {
        set_lead_company_of_row(tx, run_id, seq, now)?;
    }
    Ok(())
}

/// Makes a plan's company and association rows to write pending (`previewed` → none), for a
/// plan that becomes the live run itself.
pub(crate) fn make_pending(tx: &Transaction<'_>, run_id: i64) -> Result<()> {
    tx.execute("UPDATE sync_run_companies SET outcome = NULL WHERE run_id = ?1 AND outcome = 'previewed'", [run_id])?;
    tx.execute(
        "UPDATE sync_run_associations SET outcome = NULL WHERE run_id = ?1 AND outcome = 'previewed'",
        [run_id],
    )?;
    Ok(())
}

/// Copies a recorded preview's company and association rows into its live run, those to write
/// pending.
pub(crate) fn copy_rows(tx: &Transaction<'_>, from: i64, to: i64) -> Result<()> {
    tx.execute(
        "INSERT INTO sync_run_companies (run_id, seq, domain, company_id, name, action, reason, changes, notes, outcome, error)
         SELECT ?2, seq, domain, company_id, name, action, reason, changes, notes,
                CASE WHEN outcome = 'previewed' THEN NULL ELSE outcome END, error
         FROM sync_run_companies WHERE run_id = ?1",
        params![from, to],
    )?;
    tx.execute(
        "INSERT INTO sync_run_associations (run_id, seq, lead_id, domain, source, lead_values, lead_updated_at, contact_id,
                                            company_id, previous_primary, action, reason, outcome, error,
                                            previously_associated, lead_company_before_id, lead_company_before_source,
                                            email)
         SELECT ?2, seq, lead_id, domain, source, lead_values, lead_updated_at, contact_id,
                company_id, previous_primary, action, reason,
                CASE WHEN outcome = 'previewed' THEN NULL ELSE outcome END, error,
                previously_associated, lead_company_before_id, lead_company_before_source, email
         FROM sync_run_associations WHERE run_id = ?1",
        params![from, to],
    )?;
    Ok(())
}

/// Rows of run `run_id` still to write, contact rows and company and association rows alike.
pub(crate) fn pending_rows(tx: &rusqlite::Connection, run_id: i64) -> Result<i64> {
    Ok(tx.query_row(
        "SELECT (SELECT COUNT(*) FROM sync_run_items WHERE run_id = ?1 AND outcome IS NULL)
              + (SELECT COUNT(*) FROM sync_run_companies WHERE run_id = ?1 AND outcome IS NULL)
              + (SELECT COUNT(*) FROM sync_run_associations WHERE run_id = ?1 AND outcome IS NULL)",
        [run_id],
        |r| r.get(0),
    )?)
}
