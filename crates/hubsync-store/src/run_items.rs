//! A run's rows read back: all of them, a page of a filtered table, or every row a page at a
//! time; and how a row is written and read as SQLite holds it.

use rusqlite::params;
use serde::{Deserialize, Serialize, Serializer};
use ts_rs::TS;

use crate::Result;
use crate::row_messages::{RowNote, RowReason, stored};
use crate::runs::{ItemOutcome, RunAction, RunItem, corrupt};
use crate::store::Store;

/// Which rows of a run a page shows: all of them, or those with this action, this outcome, and
/// an email containing `search` (any case). `pending` picks the rows a live run has yet to write.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, TS)]
#[ts(export)]
pub struct RunItemFilter {
    pub action: Option<RunAction>,
    pub outcome: Option<ItemOutcome>,
    #[serde(default)]
    pub pending: bool,
    pub search: Option<String>,
}

/// One page of a run's rows, and how many rows the filter matches in all.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RunItemPage {
    #[ts(type = "number")]
    pub total: u64,
    #[ts(type = "number")]
    pub offset: u64,
    #[serde(serialize_with = "serialize_rows")]
    #[ts(as = "Vec<RunRow<'static>>")]
    pub items: Vec<RunItem>,
}

/// A row as a page of rows shows it: the row, and its reasons again as codes with their
/// parameters, so the app can word each one itself and say what to do about it (the words in
/// `reasons` are the ones `--json` and the command line show).
#[derive(Serialize, TS)]
#[ts(export)]
pub struct RunRow<'a> {
    #[serde(flatten)]
    item: &'a RunItem,
    reason_codes: &'a [RowReason],
}

fn serialize_rows<S: Serializer>(items: &[RunItem], serializer: S) -> std::result::Result<S::Ok, S::Error> {
    serializer.collect_seq(items.iter().map(|item| RunRow { item, reason_codes: &item.reasons }))
}

const ITEM_COLUMNS: &str =
    "seq, lead_id, email, contact_id, action, reason, changes, notes, outcome, error, step, record, related";

impl Store {
    /// A run's rows, in order.
    pub fn run_items(&self, run_id: i64) -> Result<Vec<RunItem>> {
        self.items_where(run_id, "", None, -1, i64::MAX)
    }

    /// Up to `limit` rows of a run from the `offset`th row the filter matches, in order, with
    /// the number of rows it matches: a table of any size a page at a time. An empty search
    /// matches every row.
    pub fn run_items_page(&self, run_id: i64, filter: &RunItemFilter, offset: u64, limit: u64) -> Result<RunItemPage> {
        let search = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_lowercase);
        // Unset parts match everything, so one statement serves every filter.
        let conditions = "run_id = ?1
             AND (?2 IS NULL OR action = ?2)
             AND (?3 IS NULL OR outcome = ?3)
             AND (?4 = 0 OR outcome IS NULL)
             AND (?5 IS NULL OR instr(lower(email), ?5) > 0)";
        let (action, outcome) = (filter.action.map(RunAction::as_str), filter.outcome.map(ItemOutcome::as_str));
        let args = params![run_id, action, outcome, filter.pending, search];
        let total: i64 = self
            .conn
            .prepare_cached(&format!("SELECT COUNT(*) FROM sync_run_items WHERE {conditions}"))?
            .query_row(args, |r| r.get(0))?;
        // Plain numbers, written into the statement so both statements take the same parameters.
        let clamp = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {ITEM_COLUMNS} FROM sync_run_items WHERE {conditions} ORDER BY seq LIMIT {} OFFSET {}",
            clamp(limit),
            clamp(offset)
        ))?;
        let rows = stmt.query_map(args, RawItem::read)?;
        let items = rows.map(|row| row?.parse()).collect::<Result<Vec<_>>>()?;
        Ok(RunItemPage { total: total as u64, offset, items })
    }

    /// How many of run `run_id`'s skipped rows each reason skipped (a row by its first reason),
    /// the most common first: what a preview says of the rows that go nowhere.
    pub fn skip_reasons(&self, run_id: i64) -> Result<Vec<(RowReason, u64)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT json_extract(reason, '$[0]') AS first, COUNT(*) AS n FROM sync_run_items
             WHERE run_id = ?1 AND action = 'skip' AND json_array_length(reason) > 0
             GROUP BY first ORDER BY n DESC, first",
        )?;
        let rows = stmt.query_map([run_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        rows.map(|row| {
            let (raw, count) = row?;
            let reason: RowReason = serde_json::from_str(&raw).map_err(|_| corrupt("reason", &raw))?;
            Ok((reason, count as u64))
        })
        .collect()
    }

    /// Up to `limit` rows of one step after row `after_seq`, in order: a run's rows at that step,
    /// a page at a time.
    pub fn step_items_page(&self, run_id: i64, step: u32, after_seq: i64, limit: usize) -> Result<Vec<RunItem>> {
        self.items_where(run_id, "", Some(step), after_seq, i64::try_from(limit).unwrap_or(i64::MAX))
    }

    /// A run's rows after step 0, in order (an undo's stages set after their clear: few).
    pub fn later_step_items(&self, run_id: i64) -> Result<Vec<RunItem>> {
        self.items_where(run_id, "AND step > 0", None, -1, i64::MAX)
    }

    /// Every row of a run, in order, read a page at a time: a run of any size in bounded memory.
    pub fn iter_run_items(&self, run_id: i64) -> RunItemPages<'_> {
        RunItemPages { store: self, run_id, after_seq: -1, page: Vec::new().into_iter(), finished: false }
    }

    /// `filter` is a fixed condition; `step`, when given, keeps that step's rows alone.
    pub(crate) fn items_where(
        &self,
        run_id: i64,
        filter: &str,
        step: Option<u32>,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<RunItem>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {ITEM_COLUMNS} FROM sync_run_items
             WHERE run_id = ?1 AND seq > ?2 AND (?4 IS NULL OR step = ?4) {filter} ORDER BY seq LIMIT ?3"
        ))?;
        let rows = stmt.query_map(params![run_id, after_seq, limit, step], RawItem::read)?;
        rows.map(|row| row?.parse()).collect()
    }
}

/// A row of `sync_run_items` as SQLite holds it, before its JSON and names are checked.
struct RawItem {
    seq: i64,
    lead_id: i64,
    email: String,
    contact_id: Option<String>,
    action: String,
    reasons: Option<String>,
    changes: String,
    notes: String,
    outcome: Option<String>,
    error: Option<String>,
    step: u32,
    record: String,
    related: Option<String>,
}

impl RawItem {
    /// Reads the `ITEM_COLUMNS`, in their order.
    fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawItem> {
        Ok(RawItem {
            seq: r.get(0)?,
            lead_id: r.get(1)?,
            email: r.get(2)?,
            contact_id: r.get(3)?,
            action: r.get(4)?,
            reasons: r.get(5)?,
            changes: r.get(6)?,
            notes: r.get(7)?,
            outcome: r.get(8)?,
            error: r.get(9)?,
            step: r.get(10)?,
            record: r.get(11)?,
            related: r.get(12)?,
        })
    }

    fn parse(self) -> Result<RunItem> {
        let RawItem {
            seq,
            lead_id,
            email,
            contact_id,
            action,
            reasons,
            changes,
            notes,
            outcome,
            error,
            step,
            record,
            related,
        } = self;
        Ok(RunItem {
            seq,
            lead_id,
            email,
            contact_id,
            action: RunAction::parse(&action).ok_or_else(|| corrupt("action", &action))?,
            reasons: match reasons {
                Some(raw) => serde_json::from_str(&raw).map_err(|_| corrupt("reasons", &raw))?,
                None => Vec::new(),
            },
            changes: serde_json::from_str(&changes).map_err(|_| corrupt("changes", &changes))?,
            notes: serde_json::from_str(&notes).map_err(|_| corrupt("notes", &notes))?,
            outcome: match outcome {
                Some(raw) => Some(ItemOutcome::parse(&raw).ok_or_else(|| corrupt("outcome", &raw))?),
                None => None,
            },
            error: match error {
                Some(raw) => Some(serde_json::from_str(&raw).map_err(|_| corrupt("error", &raw))?),
                None => None,
            },
            step,
            record: serde_json::from_str(&record).map_err(|_| corrupt("record", &record))?,
            related: match related {
                Some(raw) => Some(serde_json::from_str(&raw).map_err(|_| corrupt("related", &raw))?),
                None => None,
            },
        })
    }
}

/// A run's rows, a page at a time (`Store::iter_run_items`).
pub struct RunItemPages<'a> {
    store: &'a Store,
    run_id: i64,
    after_seq: i64,
    page: std::vec::IntoIter<RunItem>,
    finished: bool,
}

impl RunItemPages<'_> {
    const PAGE: i64 = 5_000;
}

impl Iterator for RunItemPages<'_> {
    type Item = Result<RunItem>;

    fn next(&mut self) -> Option<Result<RunItem>> {
        loop {
            if let Some(item) = self.page.next() {
                self.after_seq = item.seq;
                return Some(Ok(item));
            }
            if self.finished {
                return None;
            }
            match self.store.items_where(self.run_id, "", None, self.after_seq, Self::PAGE) {
                Ok(page) if page.is_empty() => self.finished = true,
                Ok(page) => self.page = page.into_iter(),
                Err(error) => {
                    self.finished = true;
                    return Some(Err(error));
                }
            }
        }
    }
}

/// Writes one row of run `run_id`, with `notes` for the item's own.
pub(crate) fn insert_item(
    tx: &rusqlite::Transaction<'_>,
    run_id: i64,
    item: &RunItem,
    notes: &[RowNote],
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO sync_run_items (run_id, seq, lead_id, email, contact_id, action, reason, changes, notes, outcome, error, step, record,
                                     related)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        run_id,
        item.seq,
        item.lead_id,
        item.email,
        item.contact_id,
        item.action.as_str(),
        (!item.reasons.is_empty()).then(|| stored(&item.reasons)),
        serde_json::to_string(&item.changes).expect("plain data"),
        stored(notes),
        item.outcome.map(ItemOutcome::as_str),
        item.error.as_ref().map(stored),
        item.step,
        serde_json::to_string(&item.record).expect("strings"),
        item.related.as_ref().map(|related| serde_json::to_string(related).expect("plain data")),
    ])?;
    Ok(())
}
