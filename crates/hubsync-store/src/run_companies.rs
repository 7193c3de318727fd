//! A push's company rows and association rows (`0019_run_companies.sql`) read back: the types a
//! row is made of, their counts, and pages of them. Writing them is the journal's
//! (`journal/companies.rs`).

use rusqlite::params;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::Result;
use crate::companies::CompanySource;
use crate::row_messages::{AssociationReason, CompanyNote, CompanyReason, RowFailure};
use crate::runs::{FieldChange, ItemOutcome, RunAction, corrupt};
use crate::store::Store;

/// What a push does about a lead's contact and its company, or an undo about the association
/// the push made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum AssociationAction {
    /// Associate the contact with the company, as its primary company.
    Associate,
    /// Nothing to do, for the reason the row gives.
    Skip,
    /// An undo's: make the contact's previous primary company primary again (when it had one),
    /// then remove the push's association (only its primary label, when the contact was
    /// associated with the company before the push).
    Unassociate,
}

impl AssociationAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AssociationAction::Associate => "associate",
            AssociationAction::Skip => "skip",
            AssociationAction::Unassociate => "unassociate",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [AssociationAction::Associate, AssociationAction::Skip, AssociationAction::Unassociate]
            .into_iter()
            .find(|a| a.as_str() == raw)
    }
}

/// What became of an association row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum AssociationOutcome {
    Previewed,
    Skipped,
    Associated,
    /// An undo took the association back.
    Unassociated,
    Failed,
}

impl AssociationOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            AssociationOutcome::Previewed => "previewed",
            AssociationOutcome::Skipped => "skipped",
            AssociationOutcome::Associated => "associated",
            AssociationOutcome::Unassociated => "unassociated",
            AssociationOutcome::Failed => "failed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [
            AssociationOutcome::Previewed,
            AssociationOutcome::Skipped,
            AssociationOutcome::Associated,
            AssociationOutcome::Unassociated,
            AssociationOutcome::Failed,
        ]
        .into_iter()
        .find(|o| o.as_str() == raw)
    }
}

/// A push's row for one company domain, or an undo's for a company the push wrote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RunCompany {
    #[ts(type = "number")]
    pub seq: i64,
    pub domain: String,
    /// The HubSpot company: matched when planned, made once a create landed.
    pub company_id: Option<String>,
    /// The company's name as the plan knew it, to show.
    pub name: Option<String>,
    /// A push's `update`, `create`, `skip` or `invalid`; an undo's `update` (values put back),
    /// `archive` or `skip`.
    pub action: RunAction,
    #[serde(serialize_with = "crate::row_messages::serialize_words")]
    #[ts(type = "Array<string>")]
    pub reasons: Vec<CompanyReason>,
    pub changes: Vec<FieldChange>,
    #[serde(serialize_with = "crate::row_messages::serialize_words")]
    #[ts(type = "Array<string>")]
    pub notes: Vec<CompanyNote>,
    pub outcome: Option<ItemOutcome>,
    #[serde(serialize_with = "crate::row_messages::serialize_word")]
    #[ts(type = "string | null")]
    pub error: Option<RowFailure>,
    /// Whether a create was sent (its reply may have been lost).
    #[serde(skip)]
    pub sent_at: Option<String>,
}

/// A push's row for one lead's association of its contact with its company, or an undo's row
/// taking back an association a push made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RunAssociation {
    /// The lead's row in the run.
    #[ts(type = "number")]
    pub seq: i64,
    #[ts(type = "number")]
    pub lead_id: i64,
    pub email: String,
    pub domain: Option<String>,
    pub source: Option<CompanySource>,
    pub contact_id: Option<String>,
    pub company_id: Option<String>,
    /// The contact's primary company before the push (an undo's row: the one it makes primary
    /// again, when it still is the contact's).
    pub previous_primary: Option<String>,
    /// A push's row: whether the contact was associated with the company before, not as its
    /// primary one; an undo's: whether it keeps the pair and removes only the primary label.
    /// `None`: not recorded (a push by an older Hubsync).
    pub previously_associated: Option<bool>,
    pub action: AssociationAction,
    #[serde(serialize_with = "crate::row_messages::serialize_word")]
    #[ts(type = "string | null")]
    pub reason: Option<AssociationReason>,
    pub outcome: Option<AssociationOutcome>,
    #[serde(serialize_with = "crate::row_messages::serialize_word")]
    #[ts(type = "string | null")]
    pub error: Option<RowFailure>,
}

/// Some of a push's company rows, as the app reads them a page at a time: each row with its
/// reasons again as codes with their parameters, so the app words them itself, as it does a
/// contact row's (`RunRow`); the words in `reasons` are the ones `--json` shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RunCompanyPage {
    #[serde(serialize_with = "serialize_company_rows")]
    #[ts(as = "Vec<RunCompanyRow<'static>>")]
    pub items: Vec<RunCompany>,
}

/// A company row as a page shows it: the row, and its reasons as codes.
#[derive(Serialize, TS)]
#[ts(export)]
pub struct RunCompanyRow<'a> {
    #[serde(flatten)]
    company: &'a RunCompany,
    reason_codes: &'a [CompanyReason],
}

fn serialize_company_rows<S: serde::Serializer>(
    items: &[RunCompany],
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    serializer.collect_seq(items.iter().map(|company| RunCompanyRow { company, reason_codes: &company.reasons }))
}

/// Some of a push's association rows, as the app reads them a page at a time: each row with its
/// reason again as a code with its parameters (`RunCompanyPage`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RunAssociationPage {
    #[serde(serialize_with = "serialize_association_rows")]
    #[ts(as = "Vec<RunAssociationRow<'static>>")]
    pub items: Vec<RunAssociation>,
}

/// An association row as a page shows it: the row, and its reason as a code.
#[derive(Serialize, TS)]
#[ts(export)]
pub struct RunAssociationRow<'a> {
    #[serde(flatten)]
    association: &'a RunAssociation,
    reason_code: &'a Option<AssociationReason>,
}

fn serialize_association_rows<S: serde::Serializer>(
    items: &[RunAssociation],
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    serializer.collect_seq(
        items.iter().map(|association| RunAssociationRow { association, reason_code: &association.reason }),
    )
}

/// A push's company rows and association rows, counted: planned actions, then outcomes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct CompanyCounts {
    /// Company rows by planned action (`unchanged` apart from the other skips).
    #[ts(type = "number")]
    pub update: u64,
    #[ts(type = "number")]
    pub create: u64,
    #[ts(type = "number")]
    pub unchanged: u64,
    #[ts(type = "number")]
    pub skip: u64,
    #[ts(type = "number")]
    pub invalid: u64,
    /// Outcomes of a live run's company writes so far.
    #[ts(type = "number")]
    pub updated: u64,
    #[ts(type = "number")]
    pub created: u64,
    #[ts(type = "number")]
    pub failed: u64,
    #[ts(type = "number")]
    pub pending: u64,
    /// Association rows by planned action (`already` apart from the other skips).
    #[ts(type = "number")]
    pub associate: u64,
    #[ts(type = "number")]
    pub already: u64,
    #[ts(type = "number")]
    pub no_association: u64,
    /// Outcomes of a live run's associations so far.
    #[ts(type = "number")]
    pub associated: u64,
    #[ts(type = "number")]
    pub association_failed: u64,
    #[ts(type = "number")]
    pub association_pending: u64,
    /// An undo's rows: companies to archive and archived, associations to take back and taken
    /// back.
    #[ts(type = "number")]
    pub archive: u64,
    #[ts(type = "number")]
    pub archived: u64,
    #[ts(type = "number")]
    pub unassociate: u64,
    #[ts(type = "number")]
    pub unassociated: u64,
}

impl CompanyCounts {
    /// Rows the live run writes: company creates, updates and archives, and associations made
    /// or taken back.
    pub fn writes(&self) -> u64 {
        self.create + self.update + self.archive + self.associate + self.unassociate
    }

    /// Whether the run has any company or association row at all.
    pub fn is_empty(&self) -> bool {
        self.update + self.create + self.unchanged + self.skip + self.invalid + self.archive == 0
            && self.associate + self.already + self.no_association + self.unassociate == 0
    }
}

pub(crate) const COMPANY_COLUMNS: &str =
    "seq, domain, company_id, name, action, reason, changes, notes, outcome, error, sent_at";

pub(crate) fn read_company_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawCompany> {
    Ok(RawCompany {
        seq: r.get(0)?,
        domain: r.get(1)?,
        company_id: r.get(2)?,
        name: r.get(3)?,
        action: r.get(4)?,
        reasons: r.get(5)?,
        changes: r.get(6)?,
        notes: r.get(7)?,
        outcome: r.get(8)?,
        error: r.get(9)?,
        sent_at: r.get(10)?,
    })
}

/// A company row as SQLite holds it, before its JSON and names are checked.
pub(crate) struct RawCompany {
    seq: i64,
    domain: String,
    company_id: Option<String>,
    name: Option<String>,
    action: String,
    reasons: Option<String>,
    changes: String,
    notes: String,
    outcome: Option<String>,
    error: Option<String>,
    sent_at: Option<String>,
}

impl RawCompany {
    pub(crate) fn parse(self) -> Result<RunCompany> {
        Ok(RunCompany {
            seq: self.seq,
            domain: self.domain,
            company_id: self.company_id,
            name: self.name,
            action: RunAction::parse(&self.action).ok_or_else(|| corrupt("action", &self.action))?,
            reasons: match self.reasons {
                Some(raw) => serde_json::from_str(&raw).map_err(|_| corrupt("reasons", &raw))?,
                None => Vec::new(),
            },
            changes: serde_json::from_str(&self.changes).map_err(|_| corrupt("changes", &self.changes))?,
            notes: serde_json::from_str(&self.notes).map_err(|_| corrupt("notes", &self.notes))?,
            outcome: self
                .outcome
                .map(|raw| ItemOutcome::parse(&raw).ok_or_else(|| corrupt("outcome", &raw)))
                .transpose()?,
            error: self.error.map(|raw| serde_json::from_str(&raw).map_err(|_| corrupt("error", &raw))).transpose()?,
            sent_at: self.sent_at,
        })
    }
}

pub(crate) const ASSOCIATION_COLUMNS: &str =
    "a.seq, a.lead_id, COALESCE(a.email, i.email, ''), a.domain, a.source, a.contact_id,
     a.company_id, a.previous_primary, a.action, a.reason, a.outcome, a.error, a.previously_associated";

/// Reads the `ASSOCIATION_COLUMNS` (from `sync_run_associations a LEFT JOIN sync_run_items i`).
pub(crate) fn read_association(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawAssociation> {
    Ok(RawAssociation {
        seq: r.get(0)?,
        lead_id: r.get(1)?,
        email: r.get(2)?,
        domain: r.get(3)?,
        source: r.get(4)?,
        contact_id: r.get(5)?,
        company_id: r.get(6)?,
        previous_primary: r.get(7)?,
        action: r.get(8)?,
        reason: r.get(9)?,
        outcome: r.get(10)?,
        error: r.get(11)?,
        previously_associated: r.get(12)?,
    })
}

/// An association row as SQLite holds it, before its JSON and names are checked.
pub(crate) struct RawAssociation {
    seq: i64,
    lead_id: i64,
    email: String,
    domain: Option<String>,
    source: Option<String>,
    contact_id: Option<String>,
    company_id: Option<String>,
    previous_primary: Option<String>,
    action: String,
    reason: Option<String>,
    outcome: Option<String>,
    error: Option<String>,
    previously_associated: Option<bool>,
}

impl RawAssociation {
    pub(crate) fn parse(self) -> Result<RunAssociation> {
        Ok(RunAssociation {
            seq: self.seq,
            lead_id: self.lead_id,
            email: self.email,
            domain: self.domain,
            source: self.source.map(|s| CompanySource::parse(&s).ok_or_else(|| corrupt("source", &s))).transpose()?,
            contact_id: self.contact_id,
            company_id: self.company_id,
            previous_primary: self.previous_primary,
            previously_associated: self.previously_associated,
            action: AssociationAction::parse(&self.action).ok_or_else(|| corrupt("action", &self.action))?,
            reason: self
                .reason
                .map(|raw| serde_json::from_str(&raw).map_err(|_| corrupt("reason", &raw)))
                .transpose()?,
            outcome: self
                .outcome
                .map(|raw| AssociationOutcome::parse(&raw).ok_or_else(|| corrupt("outcome", &raw)))
                .transpose()?,
            error: self.error.map(|raw| serde_json::from_str(&raw).map_err(|_| corrupt("error", &raw))).transpose()?,
        })
    }
}

impl Store {
    /// Up to `limit` of run `run_id`'s company rows after row `after_seq`, in order (by domain).
    pub fn run_companies_page(&self, run_id: i64, after_seq: i64, limit: usize) -> Result<Vec<RunCompany>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COMPANY_COLUMNS} FROM sync_run_companies WHERE run_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3"
        ))?;
        let rows =
            stmt.query_map(params![run_id, after_seq, i64::try_from(limit).unwrap_or(i64::MAX)], read_company_row)?;
        rows.map(|row| row?.parse()).collect()
    }

    /// Every company row of run `run_id`, in order.
    pub fn run_companies(&self, run_id: i64) -> Result<Vec<RunCompany>> {
        self.run_companies_page(run_id, -1, usize::MAX)
    }

    /// Up to `limit` of run `run_id`'s association rows after row `after_seq`, in order.
    pub fn run_associations_page(&self, run_id: i64, after_seq: i64, limit: usize) -> Result<Vec<RunAssociation>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {ASSOCIATION_COLUMNS} FROM sync_run_associations a
             LEFT JOIN sync_run_items i ON i.run_id = a.run_id AND i.seq = a.seq
             WHERE a.run_id = ?1 AND a.seq > ?2 ORDER BY a.seq LIMIT ?3"
        ))?;
        let rows =
            stmt.query_map(params![run_id, after_seq, i64::try_from(limit).unwrap_or(i64::MAX)], read_association)?;
        rows.map(|row| row?.parse()).collect()
    }

    /// Every association row of run `run_id`, in order.
    pub fn run_associations(&self, run_id: i64) -> Result<Vec<RunAssociation>> {
        self.run_associations_page(run_id, -1, usize::MAX)
    }

    /// Run `run_id`'s company and association rows, counted.
    pub fn run_company_counts(&self, run_id: i64) -> Result<CompanyCounts> {
        let mut counts = CompanyCounts::default();
        let mut stmt = self.conn.prepare_cached(
            "SELECT action, outcome, reason IS NOT NULL AND json_extract(reason, '$[0].code') = 'unchanged', COUNT(*)
             FROM sync_run_companies WHERE run_id = ?1 GROUP BY 1, 2, 3",
        )?;
        let rows = stmt.query_map([run_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, bool>(2)?,
                r.get::<_, i64>(3)? as u64,
            ))
        })?;
        for row in rows {
            let (action, outcome, unchanged, n) = row?;
            match RunAction::parse(&action).ok_or_else(|| corrupt("action", &action))? {
                RunAction::Update => counts.update += n,
                RunAction::Create => counts.create += n,
                RunAction::Skip if unchanged => counts.unchanged += n,
                RunAction::Skip => counts.skip += n,
                RunAction::Archive => counts.archive += n,
                RunAction::Invalid => counts.invalid += n,
            }
            match outcome.as_deref().map(|o| ItemOutcome::parse(o).ok_or_else(|| corrupt("outcome", o))).transpose()? {
                Some(ItemOutcome::Updated) => counts.updated += n,
                Some(ItemOutcome::Created) => counts.created += n,
                Some(ItemOutcome::Failed) => counts.failed += n,
                Some(ItemOutcome::Archived) => counts.archived += n,
                None => counts.pending += n,
                Some(_) => {}
            }
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT action, outcome, reason IS NOT NULL AND json_extract(reason, '$.code') = 'already-associated', COUNT(*)
             FROM sync_run_associations WHERE run_id = ?1 GROUP BY 1, 2, 3",
        )?;
        let rows = stmt.query_map([run_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, bool>(2)?,
                r.get::<_, i64>(3)? as u64,
            ))
        })?;
        for row in rows {
            let (action, outcome, already, n) = row?;
            match AssociationAction::parse(&action).ok_or_else(|| corrupt("action", &action))? {
                AssociationAction::Associate => counts.associate += n,
                AssociationAction::Skip if already => counts.already += n,
                AssociationAction::Skip => counts.no_association += n,
                AssociationAction::Unassociate => counts.unassociate += n,
            }
            match outcome
                .as_deref()
                .map(|o| AssociationOutcome::parse(o).ok_or_else(|| corrupt("outcome", o)))
                .transpose()?
            {
                Some(AssociationOutcome::Associated) => counts.associated += n,
                Some(AssociationOutcome::Unassociated) => counts.unassociated += n,
                Some(AssociationOutcome::Failed) => counts.association_failed += n,
                None => counts.association_pending += n,
                Some(_) => {}
            }
        }
        Ok(counts)
    }

    /// How many of run `run_id`'s association rows each reason leaves without an association
    /// (by the reason's code, with one row's reason to word it), the most common first.
    pub fn association_skip_reasons(&self, run_id: i64) -> Result<Vec<(AssociationReason, u64)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT MIN(reason), COUNT(*) AS n FROM sync_run_associations
             WHERE run_id = ?1 AND action = 'skip' AND reason IS NOT NULL
             GROUP BY json_extract(reason, '$.code') ORDER BY n DESC, json_extract(reason, '$.code')",
        )?;
        let rows = stmt.query_map([run_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        rows.map(|row| {
            let (raw, count) = row?;
            let reason: AssociationReason = serde_json::from_str(&raw).map_err(|_| corrupt("reason", &raw))?;
            Ok((reason, count as u64))
        })
        .collect()
    }
}
