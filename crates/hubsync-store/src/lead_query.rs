//! A page of leads for a table that shows a window of a large store: searched, filtered and
//! sorted in SQL, with the count of every match, so the caller asks only for the rows it shows.

use std::collections::HashMap;

use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, params_from_iter};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::Result;
use crate::error::StoreError;
use crate::fields::FieldType;
use crate::leads::{LEAD_COLUMNS, Lead, read_lead};
use crate::store::Store;

/// The most rows one page returns; a table asks for the rows it shows, a few dozen.
pub const MAX_PAGE_ROWS: u64 = 1000;

/// What a page of the lead table shows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LeadQuery {
    /// Leads whose email or any value holds this text, case-insensitively; blank: every lead.
    #[serde(default)]
    pub search: String,
    /// Every filter must hold.
    #[serde(default)]
    pub filters: Vec<LeadFilter>,
    #[serde(default)]
    pub sort: LeadSort,
    #[ts(type = "number")]
    pub offset: u64,
    /// At most `MAX_PAGE_ROWS`.
    #[ts(type = "number")]
    pub limit: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum LeadFilter {
    /// A field's value (`email` included), compared case-insensitively.
    Field { field: String, op: FieldOp, value: String },
    /// Linked (or not) to a contact in the active portal.
    Linked { linked: bool },
    /// The lead's `owner_email` is this address (any case); blank: leads without an owner.
    Owner { email: String },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum FieldOp {
    Equals,
    Contains,
    IsEmpty,
    IsNotEmpty,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LeadSort {
    pub key: SortKey,
    pub descending: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum SortKey {
    /// The order leads were added in.
    #[default]
    Id,
    Email,
    Created,
    Updated,
    /// A field's value: numbers by size, other types as text ignoring case; leads without a value
    /// come last either way.
    Field {
        key: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct LeadPage {
    pub leads: Vec<Lead>,
    /// Every lead the search and filters match, not only this page's.
    #[ts(type = "number")]
    pub total: u64,
}

/// The SQL functions the queries use: case-insensitive matching beyond ASCII, which SQLite's
/// own `lower` and `LIKE` don't do.
pub(crate) fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("hubsync_contains", 2, flags, |ctx| {
        let (Some(haystack), Some(needle)) = (text_arg(ctx, 0)?, text_arg(ctx, 1)?) else { return Ok(false) };
        Ok(contains_folded(haystack, needle))
    })?;
    conn.create_scalar_function("hubsync_fold", 1, flags, |ctx| Ok(text_arg(ctx, 0)?.map(fold)))
}

fn text_arg<'a>(ctx: &'a Context<'_>, index: usize) -> rusqlite::Result<Option<&'a str>> {
    match ctx.get_raw(index) {
        ValueRef::Text(bytes) => std::str::from_utf8(bytes).map(Some).map_err(rusqlite::Error::Utf8Error),
        _ => Ok(None),
    }
}

/// The form text is compared in, case ignored.
pub fn fold(text: &str) -> String {
    text.to_lowercase()
}

/// The ASCII letters `fold` makes of other characters: `k` of the Kelvin sign, `i` (and a dot
/// above) of a dotted capital I. Only these; a test walks every character to keep it so.
const LETTERS_FOLDED_FROM_BEYOND_ASCII: [char; 2] = ['i', 'k'];

/// Whether `haystack` holds `needle`, which is already folded. ASCII text is compared in place:
/// most values are, and a table search runs this on every value of every lead.
fn contains_folded(haystack: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    if haystack.is_ascii() {
        // ASCII folds to ASCII, so a folded needle that isn't ASCII can't be in it.
        let (h, n) = (haystack.as_bytes(), needle.as_bytes());
        return needle.is_ascii() && h.len() >= n.len() && h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n));
    }
    fold(haystack).contains(needle)
}

/// How a query orders its leads.
enum Order {
    /// By columns of `leads l`.
    Columns(String),
    /// By a number field's value, by size; leads without one last.
    Number(String),
    /// By a field's value as text, case ignored; leads without one last.
    Text(String),
}

impl Order {
    /// The join it needs, the `ORDER BY` terms, and the join's parameters.
    fn sql(&self, direction: &str) -> (&'static str, String, Vec<Value>) {
        const JOIN: &str = "LEFT JOIN lead_values s ON s.lead_id = l.id AND s.field_key = ?";
        match self {
            Order::Columns(order) => ("", order.clone(), Vec::new()),
            Order::Number(key) => (
                JOIN,
                format!("s.value IS NULL, CAST(s.value AS REAL) {direction}, l.id {direction}"),
                vec![Value::Text(key.clone())],
            ),
            Order::Text(key) => (
                JOIN,
                format!("s.value IS NULL, s.value COLLATE NOCASE {direction}, l.id {direction}"),
                vec![Value::Text(key.clone())],
            ),
        }
    }
}

/// The SQL for one query, with its parameters in order.
#[derive(Default)]
struct Sql {
    conditions: Vec<String>,
    params: Vec<Value>,
    /// Whether a condition reads the search index.
    indexed: bool,
}

impl Sql {
    fn push(&mut self, condition: &str, params: impl IntoIterator<Item = Value>) {
        self.conditions.push(condition.to_string());
        self.params.extend(params);
    }

    fn filter(&mut self, store: &Store, filter: &LeadFilter) -> Result<()> {
        match filter {
            LeadFilter::Linked { linked } => {
                let exists = if *linked { "EXISTS" } else { "NOT EXISTS" };
                self.push(
                    &format!(
                        "{exists} (SELECT 1 FROM lead_links k WHERE k.lead_id = l.id
                         AND k.portal_id = (SELECT portal_id FROM active_profile))"
                    ),
                    [],
                );
            }
            LeadFilter::Owner { email } if email.trim().is_empty() => {
                self.field_condition("owner_email", FieldOp::IsEmpty, "");
            }
            LeadFilter::Owner { email } => self.field_condition("owner_email", FieldOp::Equals, email.trim()),
            LeadFilter::Field { field, op, value } => {
                if field != "email" && store.field(field)?.is_none() {
                    return Err(StoreError::UnknownField(field.clone()));
                }
                self.field_condition(field, *op, value);
            }
        }
        Ok(())
    }

    fn field_condition(&mut self, field: &str, op: FieldOp, value: &str) {
        let needle = fold(value.trim());
        let indexed = op == FieldOp::Contains && self.limit_to_index(&needle);
        let folded = Value::Text(needle);
        if field == "email" {
            match op {
                FieldOp::Equals => self.push("l.email_key = ?", [folded]),
                FieldOp::Contains => self.push("hubsync_contains(l.email_key, ?)", [folded]),
                FieldOp::IsEmpty => self.push("0", []),
                FieldOp::IsNotEmpty => self.push("1", []),
            }
            return;
        }
        let key = Value::Text(field.to_string());
        let values_of = "l.id IN (SELECT lead_id FROM lead_values WHERE field_key = ?";
        match op {
            FieldOp::Equals => self.push(&format!("{values_of} AND hubsync_fold(value) = ?)"), [key, folded]),
            // Only the leads the index found are checked, each by its own value: an `IN` list
            // here would read the field's every value to make it.
            FieldOp::Contains if indexed => self.push(
                "EXISTS (SELECT 1 FROM lead_values v WHERE v.lead_id = l.id AND v.field_key = ?
                 AND hubsync_contains(v.value, ?))",
                [key, folded],
            ),
            FieldOp::Contains => self.push(&format!("{values_of} AND hubsync_contains(value, ?))"), [key, folded]),
            FieldOp::IsEmpty => self.push(&format!("NOT {values_of})"), [key]),
            FieldOp::IsNotEmpty => self.push(&format!("{values_of})"), [key]),
        }
    }

    /// Limits the query to the leads whose search document (migration 0010) holds `needle`
    /// (folded), and says so; or, when the index can't tell, adds nothing and says that. A
    /// trigram index can't for a needle shorter than three characters, nor for one holding the
    /// separator of a lead's values (or a NUL), which could span two of them.
    fn limit_to_index(&mut self, needle: &str) -> bool {
        if needle.chars().count() < 3 || needle.contains(['\u{1f}', '\0']) {
            return false;
        }
        // A phrase of the needle's trigrams, each at the position after the last: exactly the
        // documents holding the needle.
        let phrase = format!("\"{}\"", needle.replace('"', "\"\""));
        self.push("l.id IN (SELECT rowid FROM lead_search WHERE lead_search MATCH ?)", [Value::Text(phrase)]);
        self.indexed = true;
        true
    }

    /// Leads whose email or any value holds `needle` (folded): from the index, or for a needle
    /// it can't take, by reading every value. SQLite's own `LIKE` ignores ASCII case and runs
    /// much faster than a function call a value, so it takes ASCII needles, but for the two
    /// letters other text folds to (`LETTERS_FOLDED_FROM_BEYOND_ASCII`), which it can't see.
    fn search(&mut self, needle: &str) {
        if self.limit_to_index(needle) {
            return;
        }
        let (test, pattern) = if needle.is_ascii() && !needle.contains(LETTERS_FOLDED_FROM_BEYOND_ASCII) {
            let escaped = needle.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
            ("{} LIKE ? ESCAPE '\\'", format!("%{escaped}%"))
        } else {
            ("hubsync_contains({}, ?)", needle.to_string())
        };
        let on = |column: &str| test.replace("{}", column);
        self.push(
            &format!("({} OR l.id IN (SELECT lead_id FROM lead_values WHERE {}))", on("l.email_key"), on("value")),
            [Value::Text(pattern.clone()), Value::Text(pattern)],
        );
    }

    fn where_clause(&self) -> String {
        if self.conditions.is_empty() { String::new() } else { format!("WHERE {}", self.conditions.join(" AND ")) }
    }
}

impl Store {
    /// One page of the leads `query` matches, and how many match in all. An offset past the end
    /// gives no rows (and the total). Filters and sorts naming no field are refused.
    pub fn query_leads(&self, query: &LeadQuery) -> Result<LeadPage> {
        let mut sql = Sql::default();
        let needle = fold(query.search.trim());
        if !needle.is_empty() {
            sql.search(&needle);
        }
        for filter in &query.filters {
            sql.filter(self, filter)?;
        }
        let direction = if query.sort.descending { "DESC" } else { "ASC" };
        let limit = query.limit.min(MAX_PAGE_ROWS) as i64;
        let offset = i64::try_from(query.offset).unwrap_or(i64::MAX);
        let order = match &query.sort.key {
            SortKey::Id => Order::Columns(format!("l.id {direction}")),
            SortKey::Email => Order::Columns(format!("l.email_key {direction}, l.id {direction}")),
            SortKey::Created => Order::Columns(format!("l.created_at {direction}, l.id {direction}")),
            SortKey::Updated => Order::Columns(format!("l.updated_at {direction}, l.id {direction}")),
            SortKey::Field { key } if key == "email" => {
                Order::Columns(format!("l.email_key {direction}, l.id {direction}"))
            }
            SortKey::Field { key } => match self.field(key)?.ok_or_else(|| StoreError::UnknownField(key.clone()))? {
                field if field.kind == FieldType::Number => Order::Number(field.key),
                field => Order::Text(field.key),
            },
        };
        let where_clause = sql.where_clause();
        let (total, mut leads) = if needle.is_empty() && !sql.indexed {
            let total: i64 = self.conn.query_row(
                &format!("SELECT COUNT(*) FROM leads l {where_clause}"),
                params_from_iter(&sql.params),
                |r| r.get(0),
            )?;
            let leads = match &order {
                Order::Text(key) => self.by_text(&sql, key, direction, limit, offset)?,
                _ => {
                    let (join, order, mut params) = order.sql(direction);
                    params.extend(sql.params.iter().cloned());
                    params.extend([Value::Integer(limit), Value::Integer(offset)]);
                    let rest = format!("FROM leads l {join} {where_clause} ORDER BY {order} LIMIT ? OFFSET ?");
                    self.select(&rest, &params)?
                }
            };
            (total as u64, leads)
        } else {
            // A search, or a filter the index answers, reads every match whatever the page: one
            // pass lists them in order, rather than one to count them and another for the page.
            let (join, order, mut params) = order.sql(direction);
            params.extend(sql.params.iter().cloned());
            let mut stmt = self
                .conn
                .prepare_cached(&format!("SELECT l.id FROM leads l {join} {where_clause} ORDER BY {order}"))?;
            let ids: Vec<i64> =
                stmt.query_map(params_from_iter(&params), |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
            let page: Vec<i64> = ids.iter().copied().skip(offset as usize).take(limit as usize).collect();
            (ids.len() as u64, self.leads_in_order(&page)?)
        };
        self.fill_values(&mut leads)?;
        Ok(LeadPage { leads, total })
    }

    /// The leads with these ids, in this order.
    fn leads_in_order(&self, ids: &[i64]) -> Result<Vec<Lead>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let marks = vec!["?"; ids.len()].join(",");
        let mut stmt = self.conn.prepare(&format!("SELECT {LEAD_COLUMNS} FROM leads l WHERE l.id IN ({marks})"))?;
        let mut found: HashMap<i64, Lead> = stmt
            .query_map(params_from_iter(ids), read_lead)?
            .map(|r| r.map(|l| (l.id, l)))
            .collect::<rusqlite::Result<_>>()?;
        Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
    }

    /// `SELECT` the lead columns `rest` (from `leads l` on, ending `LIMIT ? OFFSET ?`) names.
    fn select(&self, rest: &str, params: &[Value]) -> Result<Vec<Lead>> {
        let mut stmt = self.conn.prepare_cached(&format!("SELECT {LEAD_COLUMNS} {rest}"))?;
        Ok(stmt.query_map(params_from_iter(params), read_lead)?.collect::<rusqlite::Result<_>>()?)
    }

    /// A page sorted by a field's value as text, case ignored; leads without one come last. The
    /// leads with a value are read in the order of the field's index, so no page sorts the
    /// whole store; those without follow by id.
    fn by_text(&self, sql: &Sql, key: &str, direction: &str, limit: i64, offset: i64) -> Result<Vec<Lead>> {
        let and_conditions = sql.conditions.iter().map(|c| format!(" AND {c}")).collect::<String>();
        let with_value =
            format!("FROM lead_values s JOIN leads l ON l.id = s.lead_id WHERE s.field_key = ?{and_conditions}");
        let mut params = vec![Value::Text(key.to_string())];
        params.extend(sql.params.iter().cloned());
        // Unfiltered, the field's index alone has the count.
        let count = if sql.conditions.is_empty() {
            "SELECT COUNT(*) FROM lead_values WHERE field_key = ?".to_string()
        } else {
            format!("SELECT COUNT(*) {with_value}")
        };
        let valued: i64 = self.conn.query_row(&count, params_from_iter(&params), |r| r.get(0))?;
        let mut leads = Vec::new();
        if offset < valued {
            let mut page = params.clone();
            page.extend([Value::Integer(limit), Value::Integer(offset)]);
            leads = self.select(
                &format!(
                    "{with_value} ORDER BY s.value COLLATE NOCASE {direction}, s.lead_id {direction} LIMIT ? OFFSET ?"
                ),
                &page,
            )?;
        }
        let wanted = limit - leads.len() as i64;
        if wanted > 0 {
            let mut page = params;
            page.extend([Value::Integer(wanted), Value::Integer((offset - valued).max(0))]);
            leads.extend(self.select(
                &format!(
                    "FROM leads l WHERE NOT EXISTS (SELECT 1 FROM lead_values s WHERE s.lead_id = l.id AND s.field_key = ?)
                     {and_conditions} ORDER BY l.id {direction} LIMIT ? OFFSET ?"
                ),
                &page,
            )?);
        }
        Ok(leads)
    }

    /// Reads the values of a page of leads in one statement.
    fn fill_values(&self, leads: &mut [Lead]) -> Result<()> {
        if leads.is_empty() {
            return Ok(());
        }
        let slots: HashMap<i64, usize> = leads.iter().enumerate().map(|(i, l)| (l.id, i)).collect();
        let marks = vec!["?"; leads.len()].join(",");
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT lead_id, field_key, value FROM lead_values WHERE lead_id IN ({marks})"))?;
        let rows = stmt.query_map(params_from_iter(leads.iter().map(|l| l.id)), |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
        })?;
        for row in rows {
            let (id, key, value) = row?;
            leads[slots[&id]].values.insert(key, value);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containment_ignores_case_in_and_beyond_ascii() {
        assert!(contains_folded("Ann@Example.com", "example"));
        assert!(contains_folded("JOSÉ Müller", &fold("josé")));
        assert!(contains_folded("İstanbul", &fold("İST")));
        assert!(!contains_folded("abc", "abcd"));
        assert!(contains_folded("", ""));
        assert!(!contains_folded("", "a"));
        assert!(!contains_folded("Chloe", &fold("Chloé")));
        assert!(contains_folded("Kelvin", &fold("\u{212A}ELVIN")), "the Kelvin sign folds to an ASCII k");
    }

    #[test]
    fn only_two_letters_fold_into_ascii_from_beyond_it() {
        let mut made: Vec<char> = (0..=u32::from(char::MAX))
            .filter_map(char::from_u32)
            .filter(|c| !c.is_ascii())
            .flat_map(|c| fold(&c.to_string()).chars().filter(char::is_ascii).collect::<Vec<_>>())
            .collect();
        made.sort();
        made.dedup();
        assert_eq!(made, LETTERS_FOLDED_FROM_BEYOND_ASCII, "the search's LIKE path must not take these");
    }
}
