//! A page of leads for a table that shows a window of a large store: searched, filtered and
//! sorted in SQL, with the count of every match, so the caller asks only for the rows it shows.

use std::collections::HashMap;

use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::Result;
use crate::companies::LeadCompany;
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
    /// A part of the lead's company (`lead_companies`), compared case-insensitively: a lead
    /// without a company has it empty.
    Company { part: CompanyPart, op: FieldOp, value: String },
}

/// What of a lead's company a column shows, a filter tests and a sort orders by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum CompanyPart {
    /// Its `name` value.
    Name,
    /// Its domain as shown.
    Domain,
}

impl CompanyPart {
    /// The part of each lead's company, as the `(lead_id, value)` rows of a subquery; a lead
    /// whose company lacks it has no row.
    fn values(self) -> &'static str {
        match self {
            CompanyPart::Name => {
                "SELECT lc.lead_id, v.value FROM lead_companies lc
                 JOIN company_values v ON v.company_id = lc.company_id AND v.field_key = 'name'"
            }
            CompanyPart::Domain => {
                "SELECT lc.lead_id, c.domain AS value FROM lead_companies lc
                 JOIN companies c ON c.id = lc.company_id WHERE c.domain IS NOT NULL"
            }
        }
    }
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
    /// A part of the lead's company, as text ignoring case; leads without one come last.
    Company {
        part: CompanyPart,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct LeadPage {
    pub leads: Vec<Lead>,
    /// Every lead the search and filters match, not only this page's.
    #[ts(type = "number")]
    pub total: u64,
    /// The company of each of the page's leads that has one, for the company columns.
    pub companies: Vec<LeadCompanyCells>,
}

/// A lead's company as the lead table's columns show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct LeadCompanyCells {
    #[ts(type = "number")]
    pub lead_id: i64,
    pub name: Option<String>,
    pub domain: Option<String>,
}

/// The SQL functions the queries use: case-insensitive matching beyond ASCII, which SQLite's
/// own `lower` and `LIKE` don't do.
pub(crate) fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("hubsync_contains", 2, flags, |ctx| {
        let (Some(haystack), Some(needle)) = (text_arg(ctx, 0)?, text_arg(ctx, 1)?) else { return Ok(false) };
        Ok(contains_folded(haystack, needle))
    })?;
    conn.create_scalar_function("hubsync_fold", 1, flags, |ctx| Ok(text_arg(ctx, 0)?.map(fold)))?;
    conn.create_scalar_function("hubsync_char_mask", 1, flags, |ctx| Ok(text_arg(ctx, 0)?.map(char_mask)))
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

/// What separates a lead's values in its search document (migration 0010); never in a value.
const SEPARATOR: char = '\u{1f}';

/// The characters a search of one character is answered for by `lead_search_chars` alone
/// (migration 0014), a bit each in this order: those of addresses and of most values, once
/// folded. Every other character shares one of the bits after them, by its code, whose leads
/// are then read to tell.
const MASK_CHARS: &[u8; 59] = b"abcdefghijklmnopqrstuvwxyz0123456789 .@-_+,'&/():#!?;*%=\"$\n";
const SHARED_BITS: u32 = 64 - MASK_CHARS.len() as u32;
/// No bit: the separator, which a search never asks for.
const NO_BIT: u8 = u8::MAX;
/// A bit shared by other characters, placeholder in `ASCII_BITS`.
const SHARED: u8 = u8::MAX - 1;

/// Each ASCII character's own bit, looked up rather than searched for: a migration computes the
/// mask of every lead at once.
const ASCII_BITS: [u8; 128] = {
    let mut bits = [SHARED; 128];
    let mut i = 0;
    while i < MASK_CHARS.len() {
        bits[MASK_CHARS[i] as usize] = i as u8;
        i += 1;
    }
    bits[SEPARATOR as usize] = NO_BIT;
    bits
};

/// The bit of a character of a lead's search document (migration 0014), and whether that bit
/// is the character's own; None for the separator.
fn char_bit(c: char) -> Option<(u8, bool)> {
    let own = if c.is_ascii() { ASCII_BITS[c as usize] } else { SHARED };
    match own {
        NO_BIT => None,
        SHARED => Some((MASK_CHARS.len() as u8 + (u32::from(c) % SHARED_BITS) as u8, false)),
        bit => Some((bit, true)),
    }
}

/// Which characters `text` (a search document) holds, a bit each (`char_bit`).
pub(crate) fn char_mask(text: &str) -> i64 {
    let mut mask = 0u64;
    for c in text.chars() {
        if let Some((bit, _)) = char_bit(c) {
            mask |= 1 << bit;
        }
    }
    mask as i64
}

/// The sort keys of `leads l` a page can be ordered by, each ending in the id, so that an order
/// and its reverse list the same leads backwards.
#[derive(Clone, Copy)]
enum LeadColumns {
    Id,
    Email,
    Created,
    Updated,
}

impl LeadColumns {
    fn order_by(self, direction: &str) -> String {
        let first = match self {
            LeadColumns::Id => return format!("l.id {direction}"),
            LeadColumns::Email => "l.email_key",
            LeadColumns::Created => "l.created_at",
            LeadColumns::Updated => "l.updated_at",
        };
        format!("{first} {direction}, l.id {direction}")
    }
}

/// How a query orders its leads.
enum Order {
    Columns(LeadColumns),
    /// By a number field's value, by size; leads without one last.
    Number(String),
    /// By a field's value as text, case ignored; leads without one last.
    Text(String),
    /// By a part of the lead's company as text, case ignored; leads without one last.
    Company(CompanyPart),
}

impl Order {
    /// The join it needs, the `ORDER BY` terms, and the join's parameters.
    fn sql(&self, direction: &str) -> (&'static str, String, Vec<Value>) {
        const JOIN: &str = "LEFT JOIN lead_values s ON s.lead_id = l.id AND s.field_key = ?";
        match self {
            Order::Columns(columns) => ("", columns.order_by(direction), Vec::new()),
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
            Order::Company(part) => (
                match part {
                    CompanyPart::Name => {
                        "LEFT JOIN lead_companies lc ON lc.lead_id = l.id
                         LEFT JOIN company_values s ON s.company_id = lc.company_id AND s.field_key = 'name'"
                    }
                    CompanyPart::Domain => {
                        "LEFT JOIN lead_companies lc ON lc.lead_id = l.id
                         LEFT JOIN (SELECT id, domain AS value FROM companies) s ON s.id = lc.company_id"
                    }
                },
                format!("s.value IS NULL, s.value COLLATE NOCASE {direction}, l.id {direction}"),
                Vec::new(),
            ),
        }
    }
}

/// The leads one condition matches as a query of their ids (`id`), which an index answers in
/// id order: a page of a lone search or filter is read from it, and its count, without reading
/// the other leads.
struct Source {
    sql: String,
    params: Vec<Value>,
}

/// The SQL for one query, with its parameters in order.
#[derive(Default)]
struct Sql {
    conditions: Vec<String>,
    params: Vec<Value>,
    /// Whether a condition reads the search index.
    indexed: bool,
    /// The leads the last condition that has one matches (`Source`).
    source: Option<Source>,
}

/// The most distinct values (case aside) of a field a "contains" filter tries one by one
/// before it reads the leads instead: a field most leads share a few values of (a company, a
/// country, a stage) is answered by its values, one with a value a lead by its leads.
const MAX_VALUES_TRIED: usize = 1000;

/// The most `k`s an "equals" needle may hold to be looked up case aside: each may be stored as
/// the Kelvin sign too, so each doubles the values looked up.
const MAX_KS_LOOKED_UP: usize = 3;

impl Sql {
    fn push(&mut self, condition: &str, params: impl IntoIterator<Item = Value>) {
        self.conditions.push(condition.to_string());
        self.params.extend(params);
    }

    /// Limits the query to `source`'s leads.
    fn push_source(&mut self, source: Source) {
        self.push(&format!("l.id IN ({})", source.sql), source.params.iter().cloned());
        self.source = Some(source);
    }

    /// The source of the query's only condition, if it has one.
    fn lone_source(&self) -> Option<&Source> {
        self.source.as_ref().filter(|_| self.conditions.len() == 1)
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
                self.field_condition(store, "owner_email", FieldOp::IsEmpty, "")?;
            }
            LeadFilter::Owner { email } => self.field_condition(store, "owner_email", FieldOp::Equals, email.trim())?,
            LeadFilter::Field { field, op, value } => {
                if field != "email" && store.field(field)?.is_none() {
                    return Err(StoreError::UnknownField(field.clone()));
                }
                self.field_condition(store, field, *op, value)?;
            }
            LeadFilter::Company { part, op, value } => self.company_condition(*part, *op, value),
        }
        Ok(())
    }

    /// Leads whose company's `part` meets `op`: read from the companies the leads have (fewer
    /// than the leads), an empty value being the same as none.
    fn company_condition(&mut self, part: CompanyPart, op: FieldOp, value: &str) {
        let values = part.values();
        let needle = Value::Text(fold(value.trim()));
        match op {
            FieldOp::Equals => {
                self.push(&format!("l.id IN (SELECT lead_id FROM ({values}) WHERE hubsync_fold(value) = ?)"), [needle]);
            }
            FieldOp::Contains => self
                .push(&format!("l.id IN (SELECT lead_id FROM ({values}) WHERE hubsync_contains(value, ?))"), [needle]),
            FieldOp::IsEmpty => {
                self.push(&format!("l.id NOT IN (SELECT lead_id FROM ({values}) WHERE value != '')"), [])
            }
            FieldOp::IsNotEmpty => {
                self.push(&format!("l.id IN (SELECT lead_id FROM ({values}) WHERE value != '')"), [])
            }
        }
    }

    fn field_condition(&mut self, store: &Store, field: &str, op: FieldOp, value: &str) -> Result<()> {
        let needle = fold(value.trim());
        if field == "email" {
            if op == FieldOp::Contains {
                self.limit_to_index(&needle);
            }
            let folded = Value::Text(needle);
            match op {
                FieldOp::Equals => self.push("l.email_key = ?", [folded]),
                FieldOp::Contains => self.push("hubsync_contains(l.email_key, ?)", [folded]),
                FieldOp::IsEmpty => self.push("0", []),
                FieldOp::IsNotEmpty => self.push("1", []),
            }
            return Ok(());
        }
        let key = Value::Text(field.to_string());
        let values_of = "l.id IN (SELECT lead_id FROM lead_values WHERE field_key = ?";
        match op {
            FieldOp::Equals => self.equals(field, &needle),
            FieldOp::Contains => match values_holding(store, field, &needle)? {
                Some(values) if values.is_empty() => self.push("0", []),
                Some(values) => self.push_source(values_of_field(field, &values)),
                None if self.limit_to_index(&needle) => self.push(
                    // Only the leads the index found are checked, each by its own value: an `IN`
                    // list here would read the field's every value to make it.
                    "EXISTS (SELECT 1 FROM lead_values v WHERE v.lead_id = l.id AND v.field_key = ?
                     AND hubsync_contains(v.value, ?))",
                    [key, Value::Text(needle)],
                ),
                None => self.push(&format!("{values_of} AND hubsync_contains(value, ?))"), [key, Value::Text(needle)]),
            },
            FieldOp::IsEmpty => self.push(&format!("NOT {values_of})"), [key]),
            FieldOp::IsNotEmpty => self.push(&format!("{values_of})"), [key]),
        }
        Ok(())
    }

    /// Leads whose value of `field` folds to `needle` (folded), looked up in the field's index,
    /// which ignores the case of ASCII letters only (`COLLATE NOCASE`). Folding makes an ASCII
    /// letter of no other character but the Kelvin sign (`k`; a dotted capital I folds to `i`
    /// and a dot): an ASCII needle is found exactly, as itself and with its `k`s as that sign.
    /// Another is found among the values that begin with its ASCII letters up to the first that
    /// could have come of another character, each then folded to tell.
    fn equals(&mut self, field: &str, needle: &str) {
        let key = Value::Text(field.to_string());
        let values = "SELECT lead_id AS id FROM lead_values WHERE field_key = ?";
        if needle.is_ascii() && needle.matches('k').count() <= MAX_KS_LOOKED_UP {
            let spellings = with_kelvin_signs(needle);
            self.push_source(values_of_field(field, &spellings));
            return;
        }
        let prefix_len = needle.find(|c: char| !c.is_ascii() || c == 'i' || c == 'k').unwrap_or(needle.len());
        let prefix = &needle[..prefix_len];
        let folded = Value::Text(needle.to_string());
        match prefix.as_bytes().last() {
            // The values from the prefix to the prefix with its last byte one higher; a byte of
            // 0x7f has no ASCII after it. Either way, each value found is folded to tell.
            Some(&last) if last < 0x7f => {
                let mut upper = prefix.as_bytes().to_vec();
                *upper.last_mut().expect("a prefix") = last + 1;
                let upper = String::from_utf8(upper).expect("ASCII stays UTF-8");
                self.push_source(Source {
                    sql: format!(
                        "{values} AND value >= ? COLLATE NOCASE AND value < ? COLLATE NOCASE AND hubsync_fold(value) = ?"
                    ),
                    params: vec![key, Value::Text(prefix.to_string()), Value::Text(upper), folded],
                });
            }
            _ => self.push_source(Source {
                sql: format!("{values} AND hubsync_fold(value) = ?"),
                params: vec![key, folded],
            }),
        }
    }

    /// Limits the query to the leads whose search document (migration 0010) holds `needle`
    /// (folded), and says so; or, when the index can't tell, adds nothing and says that.
    fn limit_to_index(&mut self, needle: &str) -> bool {
        let Some(phrase) = trigram_phrase(needle) else { return false };
        self.push("l.id IN (SELECT rowid FROM lead_search WHERE lead_search MATCH ?)", [Value::Text(phrase)]);
        self.indexed = true;
        true
    }

    /// Leads whose email or any value holds `needle` (folded): from the trigram index for three
    /// characters or more, from its terms and the documents' ends for two, from the characters
    /// each document holds for one (migration 0014). A needle holding the separator or a NUL,
    /// which the documents can't answer for, is looked for in every value. SQLite's own `LIKE`
    /// ignores ASCII case and runs much faster than a function call a value, so it takes ASCII
    /// needles, but for the two letters other text folds to (`LETTERS_FOLDED_FROM_BEYOND_ASCII`),
    /// which it can't see.
    fn search(&mut self, store: &Store, needle: &str) -> Result<()> {
        self.indexed = true;
        if !needle.contains([SEPARATOR, '\0']) {
            let source = match needle.chars().count() {
                1 => Some(one_char(needle)),
                2 => Some(two_chars(store, needle)?),
                _ => trigram_phrase(needle).map(|phrase| Source {
                    sql: "SELECT rowid AS id FROM lead_search WHERE lead_search MATCH ?".into(),
                    params: vec![Value::Text(phrase)],
                }),
            };
            if let Some(source) = source {
                self.push_source(source);
                return Ok(());
            }
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
        Ok(())
    }

    fn where_clause(&self) -> String {
        if self.conditions.is_empty() { String::new() } else { format!("WHERE {}", self.conditions.join(" AND ")) }
    }

    fn and_conditions(&self) -> String {
        self.conditions.iter().map(|c| format!(" AND {c}")).collect()
    }
}

/// The trigram index's phrase for `needle` (folded): a phrase of its trigrams, each at the
/// position after the last, which is exactly the documents holding it. None when the index
/// can't tell: a needle shorter than three characters, or holding the separator of a lead's
/// values (or a NUL), which could span two of them.
fn trigram_phrase(needle: &str) -> Option<String> {
    if needle.chars().count() < 3 || needle.contains([SEPARATOR, '\0']) {
        return None;
    }
    Some(format!("\"{}\"", needle.replace('"', "\"\"")))
}

/// The leads whose document holds `needle`, one character: those whose mask has its bit, read
/// alone when the bit is the character's own.
fn one_char(needle: &str) -> Source {
    // The separator never comes here (`search`).
    let (bit, own) = char_bit(needle.chars().next().expect("one character")).unwrap_or((0, false));
    let bit = Value::Integer((1u64 << bit) as i64);
    if own {
        return Source {
            sql: "SELECT lead_id AS id FROM lead_search_chars WHERE (mask & ?) != 0".into(),
            params: vec![bit],
        };
    }
    Source {
        sql: "SELECT c.lead_id AS id FROM lead_search_chars c JOIN lead_search_text t ON t.lead_id = c.lead_id
              WHERE (c.mask & ?) != 0 AND instr(t.text, ?) > 0"
            .into(),
        params: vec![bit, Value::Text(needle.to_string())],
    }
}

/// The leads whose document holds `needle`, two characters. Every place they start but the
/// last starts a trigram, one of the index's terms that begin with them; the documents holding
/// them only at their end are those ending with them that hold them nowhere else.
fn two_chars(store: &Store, needle: &str) -> Result<Source> {
    let mut stmt = store.conn.prepare_cached("SELECT term FROM lead_search_vocab WHERE term >= ?1 AND term <= ?2")?;
    let terms: Vec<String> = stmt
        .query_map([needle.to_string(), format!("{needle}{}", char::MAX)], |r| r.get::<_, String>(0))?
        .filter(|term| term.as_ref().map_or(true, |t| t.starts_with(needle)))
        .collect::<rusqlite::Result<_>>()?;
    let needle = Value::Text(needle.to_string());
    let ending = "SELECT lead_id AS id FROM lead_search_text INDEXED BY lead_search_text_tail
                  WHERE substr(text, -2) = ? AND instr(substr(text, 1, length(text) - 1), ?) = 0";
    if terms.is_empty() {
        return Ok(Source { sql: ending.into(), params: vec![needle.clone(), needle] });
    }
    let any_term = terms.iter().map(|t| format!("\"{}\"", t.replace('"', "\"\""))).collect::<Vec<_>>().join(" OR ");
    Ok(Source {
        sql: format!("SELECT rowid AS id FROM lead_search WHERE lead_search MATCH ? UNION ALL {ending}"),
        params: vec![Value::Text(any_term), needle.clone(), needle],
    })
}

/// `needle` (ASCII, folded) with each of its `k`s as itself and as the Kelvin sign, which folds
/// to it: every spelling an equal value has, case aside.
fn with_kelvin_signs(needle: &str) -> Vec<String> {
    let mut spellings = vec![String::new()];
    for c in needle.chars() {
        let signs = if c == 'k' { vec![c, '\u{212A}'] } else { vec![c] };
        spellings = spellings.iter().flat_map(|s| signs.iter().map(move |c| format!("{s}{c}"))).collect();
    }
    spellings
}

/// The leads whose value of `field` is one of `values`, case aside.
fn values_of_field(field: &str, values: &[String]) -> Source {
    let marks = vec!["?"; values.len()].join(", ");
    let mut params = vec![Value::Text(field.to_string())];
    params.extend(values.iter().map(|v| Value::Text(v.clone())));
    Source {
        sql: format!("SELECT lead_id AS id FROM lead_values WHERE field_key = ? AND value COLLATE NOCASE IN ({marks})"),
        params,
    }
}

/// The distinct values (case aside) of `field` holding `needle` (folded), one spelling each,
/// found by stepping through the field's index one value at a time; or None when the field has
/// more than `MAX_VALUES_TRIED`. Values that differ only in ASCII case fold alike, so one
/// spelling tells for all.
fn values_holding(store: &Store, field: &str, needle: &str) -> Result<Option<Vec<String>>> {
    let mut first = store.conn.prepare_cached(
        "SELECT value FROM lead_values INDEXED BY lead_values_by_field WHERE field_key = ?1
         ORDER BY value COLLATE NOCASE LIMIT 1",
    )?;
    let mut next = store.conn.prepare_cached(
        "SELECT value FROM lead_values INDEXED BY lead_values_by_field WHERE field_key = ?1 AND value > ?2 COLLATE NOCASE
         ORDER BY value COLLATE NOCASE LIMIT 1",
    )?;
    let mut value: Option<String> = first.query_row([field], |r| r.get(0)).optional()?;
    let mut holding = Vec::new();
    for _ in 0..MAX_VALUES_TRIED {
        let Some(current) = value else { return Ok(Some(holding)) };
        value = next.query_row(params![field, current], |r| r.get(0)).optional()?;
        if contains_folded(&current, needle) {
            holding.push(current);
        }
    }
    Ok(value.is_none().then_some(holding))
}

/// Where a page of `limit` leads from `offset` lies among `total` in order, counted from the
/// nearer end: SQLite steps over every row an offset skips. `(from the end, offset, limit)`;
/// None past the end.
fn nearer_end(total: i64, offset: i64, limit: i64) -> Option<(bool, i64, i64)> {
    if offset >= total || limit <= 0 {
        return None;
    }
    let limit = limit.min(total - offset);
    let from_end = total - offset - limit;
    Some(if from_end < offset { (true, from_end, limit) } else { (false, offset, limit) })
}

fn reverse(direction: &str) -> &'static str {
    if direction == "DESC" { "ASC" } else { "DESC" }
}

impl Store {
    /// One page of the leads `query` matches, and how many match in all. An offset past the end
    /// gives no rows (and the total). Filters and sorts naming no field are refused.
    pub fn query_leads(&self, query: &LeadQuery) -> Result<LeadPage> {
        let mut sql = Sql::default();
        let needle = fold(query.search.trim());
        if !needle.is_empty() {
            sql.search(self, &needle)?;
        }
        for filter in &query.filters {
            sql.filter(self, filter)?;
        }
        let direction = if query.sort.descending { "DESC" } else { "ASC" };
        let limit = query.limit.min(MAX_PAGE_ROWS) as i64;
        let offset = i64::try_from(query.offset).unwrap_or(i64::MAX);
        let order = match &query.sort.key {
            SortKey::Id => Order::Columns(LeadColumns::Id),
            SortKey::Email => Order::Columns(LeadColumns::Email),
            SortKey::Created => Order::Columns(LeadColumns::Created),
            SortKey::Updated => Order::Columns(LeadColumns::Updated),
            SortKey::Field { key } if key == "email" => Order::Columns(LeadColumns::Email),
            SortKey::Company { part } => Order::Company(*part),
            SortKey::Field { key } => match self.field(key)?.ok_or_else(|| StoreError::UnknownField(key.clone()))? {
                field if field.kind == FieldType::Number => Order::Number(field.key),
                field => Order::Text(field.key),
            },
        };
        let mut leads = Vec::new();
        let total = match (&order, sql.lone_source()) {
            (Order::Columns(LeadColumns::Id), Some(source)) => {
                // A lone search or filter, in id order: its page and count come from its index.
                let total: i64 = self.conn.query_row(
                    &format!("SELECT COUNT(*) FROM ({})", source.sql),
                    params_from_iter(&source.params),
                    |r| r.get(0),
                )?;
                if let Some((from_end, offset, limit)) = nearer_end(total, offset, limit) {
                    let direction = if from_end { reverse(direction) } else { direction };
                    let mut stmt = self.conn.prepare_cached(&format!(
                        "SELECT id FROM ({}) ORDER BY id {direction} LIMIT ? OFFSET ?",
                        source.sql
                    ))?;
                    let params = source.params.iter().cloned().chain([Value::Integer(limit), Value::Integer(offset)]);
                    let mut ids: Vec<i64> =
                        stmt.query_map(params_from_iter(params), |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
                    if from_end {
                        ids.reverse();
                    }
                    leads = self.leads_in_order(&ids)?;
                }
                total as u64
            }
            _ if sql.indexed => {
                // A search, or a filter the index answers, reads every match whatever the page:
                // one pass lists them in order, rather than one to count them and another for
                // the page.
                let (join, order, mut params) = order.sql(direction);
                params.extend(sql.params.iter().cloned());
                let mut stmt = self.conn.prepare_cached(&format!(
                    "SELECT l.id FROM leads l {join} {} ORDER BY {order}",
                    sql.where_clause()
                ))?;
                let ids: Vec<i64> =
                    stmt.query_map(params_from_iter(&params), |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
                let page: Vec<i64> = ids.iter().copied().skip(offset as usize).take(limit as usize).collect();
                leads = self.leads_in_order(&page)?;
                ids.len() as u64
            }
            _ => {
                let total = self.count(&sql)?;
                leads = match &order {
                    Order::Columns(columns) => self.by_columns(&sql, *columns, direction, total, limit, offset)?,
                    Order::Text(key) | Order::Number(key) => {
                        let number = matches!(order, Order::Number(_));
                        self.by_value(&sql, key, number, direction, limit, offset)?
                    }
                    Order::Company(_) => self.by_join(&sql, &order, direction, limit, offset)?,
                };
                total as u64
            }
        };
        self.fill_values(&mut leads)?;
        let ids: Vec<i64> = leads.iter().map(|l| l.id).collect();
        let mut companies = self.lead_companies(&ids)?;
        let companies = ids
            .iter()
            .filter_map(|&lead_id| {
                let LeadCompany { company, .. } = companies.remove(&lead_id)?;
                Some(LeadCompanyCells { lead_id, name: company.values.get("name").cloned(), domain: company.domain })
            })
            .collect();
        Ok(LeadPage { leads, total, companies })
    }

    /// A page in an order that needs a join (`Order::sql`): every match is ordered, then the
    /// page read. A company's part has no index across the leads to read it in order from.
    fn by_join(&self, sql: &Sql, order: &Order, direction: &str, limit: i64, offset: i64) -> Result<Vec<Lead>> {
        let (join, terms, mut params) = order.sql(direction);
        params.extend(sql.params.iter().cloned());
        params.extend([Value::Integer(limit), Value::Integer(offset)]);
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT l.id FROM leads l {join} {} ORDER BY {terms} LIMIT ? OFFSET ?",
            sql.where_clause()
        ))?;
        let ids: Vec<i64> =
            stmt.query_map(params_from_iter(&params), |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        self.leads_in_order(&ids)
    }

    /// How many leads `sql`'s conditions match: from its lone condition's index when it has one.
    fn count(&self, sql: &Sql) -> Result<i64> {
        let (count, params) = match sql.lone_source() {
            Some(source) => (format!("SELECT COUNT(*) FROM ({})", source.sql), &source.params),
            None => (format!("SELECT COUNT(*) FROM leads l {}", sql.where_clause()), &sql.params),
        };
        Ok(self.conn.query_row(&count, params_from_iter(params), |r| r.get(0))?)
    }

    /// A page sorted by columns of `leads l`, of `total` matching leads: read from whichever
    /// end of the order is nearer, backwards from the far end.
    fn by_columns(
        &self,
        sql: &Sql,
        columns: LeadColumns,
        direction: &str,
        total: i64,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Lead>> {
        let Some((from_end, offset, limit)) = nearer_end(total, offset, limit) else { return Ok(Vec::new()) };
        let direction = if from_end { reverse(direction) } else { direction };
        let mut params = sql.params.clone();
        params.extend([Value::Integer(limit), Value::Integer(offset)]);
        let mut leads = self.select(
            &format!("FROM leads l {} ORDER BY {} LIMIT ? OFFSET ?", sql.where_clause(), columns.order_by(direction)),
            &params,
        )?;
        if from_end {
            leads.reverse();
        }
        Ok(leads)
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

    /// A page sorted by a field's value, by size for a number field (`number`), otherwise as
    /// text ignoring case; leads without one come last. The leads with a value are read in the
    /// order of the field's index (0007, 0014), only their ids until the page, so no page sorts
    /// the whole store; those without follow by id.
    fn by_value(
        &self,
        sql: &Sql,
        key: &str,
        number: bool,
        direction: &str,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Lead>> {
        // A number field's values all have the shape the number index keeps (`canonical`); a
        // value of another shape would come with the leads without one.
        let (index, has_value, order) = if number {
            (
                "lead_values_by_number",
                "s.field_key = ? AND s.value GLOB '[-0-9]*'",
                format!("CAST(s.value AS REAL) {direction}, s.lead_id {direction}"),
            )
        } else {
            (
                "lead_values_by_field",
                "s.field_key = ?",
                format!("s.value COLLATE NOCASE {direction}, s.lead_id {direction}"),
            )
        };
        // Unfiltered, the field's index alone is read; filtered, the planner picks the way.
        let with_value = if sql.conditions.is_empty() {
            format!("FROM lead_values s INDEXED BY {index} WHERE {has_value}")
        } else {
            format!("FROM lead_values s JOIN leads l ON l.id = s.lead_id WHERE {has_value}{}", sql.and_conditions())
        };
        let mut params = vec![Value::Text(key.to_string())];
        params.extend(sql.params.iter().cloned());
        let mut page = params.clone();
        page.extend([Value::Integer(limit), Value::Integer(offset)]);
        let ids: Vec<i64> = self
            .conn
            .prepare_cached(&format!("SELECT s.lead_id {with_value} ORDER BY {order} LIMIT ? OFFSET ?"))?
            .query_map(params_from_iter(&page), |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut leads = self.leads_in_order(&ids)?;
        let wanted = limit - leads.len() as i64;
        if wanted > 0 {
            // The page reaches past the leads with a value: how many there are says where.
            let valued: i64 =
                self.conn
                    .query_row(&format!("SELECT COUNT(*) {with_value}"), params_from_iter(&params), |r| r.get(0))?;
            let mut page = params;
            page.extend([Value::Integer(wanted), Value::Integer((offset - valued).max(0))]);
            leads.extend(self.select(
                &format!(
                    "FROM leads l WHERE NOT EXISTS (SELECT 1 FROM lead_values s WHERE s.lead_id = l.id AND {has_value})
                     {} ORDER BY l.id {direction} LIMIT ? OFFSET ?",
                    sql.and_conditions()
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
