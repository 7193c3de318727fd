//! Lead fields and their types, and the one canonical text form each type stores, so a value
//! compares equal however it was typed ("5.50" and "5.5", "Yes" and "true").

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::error::StoreError;
use crate::store::{Store, stamp};

/// The longest text value kept; HubSpot's own limit for string properties.
pub const MAX_TEXT_CHARS: usize = 65_536;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum FieldType {
    Text,
    Number,
    Date,
    Datetime,
    Boolean,
    SingleChoice,
    MultipleChoice,
}

impl FieldType {
    pub const ALL: [FieldType; 7] = [
        FieldType::Text,
        FieldType::Number,
        FieldType::Date,
        FieldType::Datetime,
        FieldType::Boolean,
        FieldType::SingleChoice,
        FieldType::MultipleChoice,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::Number => "number",
            FieldType::Date => "date",
            FieldType::Datetime => "datetime",
            FieldType::Boolean => "boolean",
            FieldType::SingleChoice => "single_choice",
            FieldType::MultipleChoice => "multiple_choice",
        }
    }

    /// Accepts the stored name and the CLI's spellings (`single-choice`, `bool`, …).
    pub fn parse(raw: &str) -> Option<FieldType> {
        Some(match raw.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "text" | "string" => FieldType::Text,
            "number" => FieldType::Number,
            "date" => FieldType::Date,
            "datetime" => FieldType::Datetime,
            "boolean" | "bool" => FieldType::Boolean,
            "single_choice" | "choice" => FieldType::SingleChoice,
            "multiple_choice" | "multi_choice" => FieldType::MultipleChoice,
            _ => return None,
        })
    }

    pub fn has_options(self) -> bool {
        matches!(self, FieldType::SingleChoice | FieldType::MultipleChoice)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct Field {
    pub key: String,
    pub label: String,
    #[serde(rename = "type")]
    pub kind: FieldType,
    pub options: Vec<String>,
    pub builtin: bool,
    #[ts(type = "number")]
    pub position: i64,
}

impl Field {
    /// The stored form of `raw` for this field, `None` for an empty value (which clears it), or
    /// the reason it can't be stored.
    pub fn canonical(&self, raw: &str) -> Result<Option<String>, String> {
        // Text keeps whitespace as typed; for other types, whitespace alone is empty.
        if raw.is_empty() || (self.kind != FieldType::Text && raw.trim().is_empty()) {
            return Ok(None);
        }
        match self.kind {
            FieldType::Text => {
                if raw.chars().count() > MAX_TEXT_CHARS {
                    return Err(format!("longer than {MAX_TEXT_CHARS} characters"));
                }
                if raw.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
                    return Err("contains control characters".into());
                }
                Ok(Some(raw.to_string()))
            }
            FieldType::Number => canonical_number(raw.trim()).map(Some).ok_or_else(|| {
                format!("{} is not a number (digits, an optional - and one decimal point)", quoted(raw))
            }),
            FieldType::Date => Some(raw.trim())
                .filter(|d| is_iso_date_shape(d))
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .map(|d| Some(d.format("%Y-%m-%d").to_string()))
                .ok_or_else(|| format!("{} is not a date (YYYY-MM-DD)", quoted(raw))),
            FieldType::Datetime => DateTime::parse_from_rfc3339(raw.trim())
                .map(|t| Some(t.with_timezone(&Utc).to_rfc3339_opts(SecondsFormat::Millis, true)))
                .map_err(|_| {
                    let raw = quoted(raw);
                    format!("{raw} is not a date and time (ISO 8601 with a zone, e.g. 2026-03-01T09:30:00Z)")
                }),
            FieldType::Boolean => match raw.trim().to_ascii_lowercase().as_str() {
                "true" | "yes" | "y" | "1" => Ok(Some("true".into())),
                "false" | "no" | "n" | "0" => Ok(Some("false".into())),
                _ => Err(format!("{} is not a yes/no value (true, false, yes, no, 1, 0)", quoted(raw))),
            },
            FieldType::SingleChoice => self.option(raw.trim()).map(|o| Some(o.to_string())),
            FieldType::MultipleChoice => {
                let mut picked: Vec<&str> = Vec::new();
                for part in raw.split(';').map(str::trim).filter(|p| !p.is_empty()) {
                    let option = self.option(part)?;
                    if !picked.contains(&option) {
                        picked.push(option);
                    }
                }
                Ok((!picked.is_empty()).then(|| picked.join(";")))
            }
        }
    }

    /// The option `raw` names, matched without regard to case, in the option's own spelling.
    fn option(&self, raw: &str) -> Result<&str, String> {
        self.options
            .iter()
            .find(|o| o.eq_ignore_ascii_case(raw))
            .map(String::as_str)
            .ok_or_else(|| format!("{} is not one of the options: {}", quoted(raw), self.options.join(", ")))
    }
}

/// `value` quoted for a message, cut after its first 60 characters: a reason names the value
/// without repeating a page of it.
pub fn quoted(value: &str) -> String {
    const SHOWN: usize = 60;
    let count = value.chars().count();
    if count <= SHOWN {
        return format!("{value:?}");
    }
    let head: String = value.chars().take(SHOWN).collect();
    format!("{head:?}… ({count} characters)")
}

/// Four digits, two and two, dash separated: what `%Y-%m-%d` parses also takes a signed year
/// (`+202-03-01`, `-001-01-01`), which HubSpot's `YYYY-MM-DD` does not.
fn is_iso_date_shape(raw: &str) -> bool {
    let bytes = raw.as_bytes();
    bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| if i == 4 || i == 7 { *b == b'-' } else { b.is_ascii_digit() })
}

/// Digits with an optional `-` and one decimal point, without leading zeros or trailing
/// fractional zeros: `007.50` → `7.5`, `-0` → `0`.
pub(crate) fn canonical_number(raw: &str) -> Option<String> {
    let (negative, digits) = match raw.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, raw.strip_prefix('+').unwrap_or(raw)),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let is_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty() || !is_digits(whole) || !is_digits(fraction) {
        return None;
    }
    let whole = whole.trim_start_matches('0');
    let fraction = fraction.trim_end_matches('0');
    let whole = if whole.is_empty() { "0" } else { whole };
    let body = if fraction.is_empty() { whole.to_string() } else { format!("{whole}.{fraction}") };
    Some(if negative && body != "0" { format!("-{body}") } else { body })
}

/// The address as stored (trimmed) and its comparison key (`email_key`), when HubSpot accepts
/// it as a contact's email (`hubsync_email`, the rule the sandbox's `INVALID_EMAIL` follows
/// too): a lead the store holds is never one a push would see refused.
pub fn canonical_email(raw: &str) -> Result<(String, String), StoreError> {
    let email = raw.trim();
    hubsync_email::check(email)
        .map_err(|problem| StoreError::InvalidEmail { email: email.to_string(), reason: problem.to_string() })?;
    Ok((email.to_string(), email_key(email)))
}

/// How an address is compared (trimmed and lowercased), to find a lead by it whether or not
/// the address would be accepted today: a store may hold leads from before the rule.
pub fn email_key(raw: &str) -> String {
    raw.trim().to_lowercase()
}

/// Which fields: the leads' (`fields`) or the companies' (`company_fields`, migration 0018). The
/// two tables have the same columns, types and rules, so one set of statements serves both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FieldTable {
    Lead,
    Company,
}

impl FieldTable {
    /// The table's name, for the statements below (fixed names, never input).
    pub(crate) fn table(self) -> &'static str {
        match self {
            FieldTable::Lead => "fields",
            FieldTable::Company => "company_fields",
        }
    }

    /// The field whose value is the record's key, kept beside the values rather than among them.
    pub(crate) fn key_field(self) -> &'static str {
        match self {
            FieldTable::Lead => "email",
            FieldTable::Company => "domain",
        }
    }

    /// The error for a field this table lacks.
    pub(crate) fn unknown(self, key: &str) -> StoreError {
        match self {
            FieldTable::Lead => StoreError::UnknownField(key.to_string()),
            FieldTable::Company => StoreError::UnknownCompanyField(key.to_string()),
        }
    }
}

impl Store {
    pub fn fields(&self) -> Result<Vec<Field>> {
        fields_of(&self.conn, FieldTable::Lead)
    }

    pub fn field(&self, key: &str) -> Result<Option<Field>> {
        field_of(&self.conn, FieldTable::Lead, key)
    }

    /// Adds a custom field. Keys are lowercase letters, digits and underscores, starting with a
    /// letter; choice types need options, other types take none.
    pub fn add_field(&mut self, key: &str, label: Option<&str>, kind: FieldType, options: &[String]) -> Result<Field> {
        self.add_field_to(FieldTable::Lead, key, label, kind, options)
    }

    pub(crate) fn add_field_to(
        &mut self,
        table: FieldTable,
        key: &str,
        label: Option<&str>,
        kind: FieldType,
        options: &[String],
    ) -> Result<Field> {
        let options = check_field_definition(key, kind, options)?;
        let name = table.table();
        let tx = self.conn.transaction()?;
        if field_of(&tx, table, key)?.is_some() {
            return Err(StoreError::FieldExists(key.to_string()));
        }
        let position: i64 =
            tx.query_row(&format!("SELECT COALESCE(MAX(position), 0) + 1 FROM {name}"), [], |r| r.get(0))?;
        let label = label.map(str::trim).filter(|l| !l.is_empty()).map_or_else(|| default_label(key), String::from);
        tx.execute(
            &format!(
                "INSERT INTO {name} (key, label, type, options, builtin, position, created_at) VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6)"
            ),
            params![key, label, kind.as_str(), serde_json::to_string(&options).expect("strings"), position, stamp(self.clock.now())],
        )?;
        tx.commit()?;
        Ok(Field { key: key.into(), label, kind, options, builtin: false, position })
    }

    pub(crate) fn field_map(&self) -> Result<BTreeMap<String, Field>> {
        field_map_of(&self.conn)
    }
}

pub(crate) fn fields_of(conn: &Connection, table: FieldTable) -> Result<Vec<Field>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT key, label, type, options, builtin, position FROM {} ORDER BY position, key",
        table.table()
    ))?;
    let rows = stmt.query_map([], read_field)?;
    rows.map(|r| r.map_err(StoreError::from)).collect()
}

pub(crate) fn field_of(conn: &Connection, table: FieldTable, key: &str) -> Result<Option<Field>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT key, label, type, options, builtin, position FROM {} WHERE key = ?1",
            table.table()
        ))?
        .query_row([key], read_field)
        .optional()?)
}

/// The lead fields by key, as `conn` (inside a transaction: as that transaction) sees them.
pub(crate) fn field_map_of(conn: &Connection) -> Result<BTreeMap<String, Field>> {
    field_map_in(conn, FieldTable::Lead)
}

/// `table`'s fields by key, as `conn` sees them.
pub(crate) fn field_map_in(conn: &Connection, table: FieldTable) -> Result<BTreeMap<String, Field>> {
    Ok(fields_of(conn, table)?.into_iter().map(|f| (f.key.clone(), f)).collect())
}

/// A custom field's key and options, checked: keys are lowercase letters, digits and
/// underscores, starting with a letter; choice types need options, other types take none.
pub(crate) fn check_field_definition(key: &str, kind: FieldType, options: &[String]) -> Result<Vec<String>> {
    let valid_key = key.len() <= 64
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid_key {
        return Err(StoreError::InvalidField(format!(
            "{key:?}: a field name is 1 to 64 lowercase letters, digits or underscores, starting with a letter"
        )));
    }
    let options: Vec<String> = options.iter().map(|o| o.trim().to_string()).filter(|o| !o.is_empty()).collect();
    if kind.has_options() {
        if options.is_empty() {
            return Err(StoreError::InvalidField(format!("a {} field needs options", kind.as_str())));
        }
        let mut seen = std::collections::HashSet::with_capacity(options.len());
        for option in &options {
            if !seen.insert(option.to_ascii_lowercase()) {
                return Err(StoreError::InvalidField(format!("the option {option:?} is listed twice")));
            }
            if kind == FieldType::MultipleChoice && option.contains(';') {
                return Err(StoreError::InvalidField(format!(
                    "the option {option:?} contains ';', which separates the choices of a multiple choice value"
                )));
            }
        }
    } else if !options.is_empty() {
        return Err(StoreError::InvalidField(format!("a {} field takes no options", kind.as_str())));
    }
    Ok(options)
}

pub(crate) fn default_label(key: &str) -> String {
    let spaced = key.replace('_', " ");
    let mut chars = spaced.chars();
    chars.next().map(|c| c.to_uppercase().collect::<String>() + chars.as_str()).unwrap_or_default()
}

fn read_field(r: &rusqlite::Row<'_>) -> rusqlite::Result<Field> {
    let kind: String = r.get(2)?;
    let options: String = r.get(3)?;
    let conversion = |e: Box<dyn std::error::Error + Send + Sync>| {
        rusqlite::Error::FromSqlConversionFailure(2, rusqlite::types::Type::Text, e)
    };
    Ok(Field {
        key: r.get(0)?,
        label: r.get(1)?,
        kind: FieldType::parse(&kind).ok_or_else(|| conversion(format!("field type {kind:?}").into()))?,
        options: serde_json::from_str(&options).map_err(|e| conversion(Box::new(e)))?,
        builtin: r.get(4)?,
        position: r.get(5)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(kind: FieldType, options: &[&str]) -> Field {
        Field {
            key: "f".into(),
            label: "F".into(),
            kind,
            options: options.iter().map(|o| o.to_string()).collect(),
            builtin: false,
            position: 0,
        }
    }

    #[test]
    fn numbers_have_one_form() {
        let f = field(FieldType::Number, &[]);
        for (raw, want) in
            [("007.50", "7.5"), ("-0", "0"), ("+12", "12"), ("0.25", "0.25"), (".5", "0.5"), ("10.", "10")]
        {
            assert_eq!(f.canonical(raw), Ok(Some(want.to_string())), "{raw}");
        }
        for bad in ["1,000", "1e3", "--1", "1.2.3", "abc", "."] {
            assert!(f.canonical(bad).is_err(), "{bad}");
        }
        assert_eq!(f.canonical("  "), Ok(None));
    }

    #[test]
    fn booleans_dates_datetimes() {
        let b = field(FieldType::Boolean, &[]);
        assert_eq!(b.canonical("Yes"), Ok(Some("true".into())));
        assert_eq!(b.canonical("0"), Ok(Some("false".into())));
        assert!(b.canonical("maybe").is_err());
        let d = field(FieldType::Date, &[]);
        assert_eq!(d.canonical("2026-02-28"), Ok(Some("2026-02-28".into())));
        assert!(d.canonical("2026-02-30").is_err());
        assert!(d.canonical("28/02/2026").is_err());
        for signed in ["+202-03-01", "-001-01-01", "+2026-3-01", "２０２６-03-01"] {
            assert!(d.canonical(signed).is_err(), "{signed}");
        }
        let t = field(FieldType::Datetime, &[]);
        assert_eq!(t.canonical("2026-03-01T10:30:00+01:00"), Ok(Some("2026-03-01T09:30:00.000Z".into())));
        assert!(t.canonical("2026-03-01 10:30").is_err());
    }

    #[test]
    fn choices_match_options_without_regard_to_case() {
        let single = field(FieldType::SingleChoice, &["Gold", "Silver"]);
        assert_eq!(single.canonical("gold"), Ok(Some("Gold".into())));
        assert!(single.canonical("Bronze").unwrap_err().contains("Gold, Silver"));
        let multi = field(FieldType::MultipleChoice, &["a", "b", "c"]);
        assert_eq!(multi.canonical(" B; a ;b"), Ok(Some("b;a".into())));
        assert_eq!(multi.canonical(";"), Ok(None));
        assert!(multi.canonical("a;z").is_err());
    }

    #[test]
    fn text_keeps_what_was_typed_but_not_control_characters() {
        let t = field(FieldType::Text, &[]);
        assert_eq!(t.canonical(" padded "), Ok(Some(" padded ".into())));
        assert_eq!(t.canonical("עברית 🚀\nline two"), Ok(Some("עברית 🚀\nline two".into())));
        assert!(t.canonical("bell\u{7}").is_err());
        assert!(t.canonical(&"x".repeat(MAX_TEXT_CHARS + 1)).is_err());
    }

    #[test]
    fn long_values_are_cut_in_reasons() {
        let f = field(FieldType::Number, &[]);
        let reason = f.canonical(&"x".repeat(MAX_TEXT_CHARS)).unwrap_err();
        assert_eq!(
            reason,
            format!(
                "\"{}\"… (65536 characters) is not a number (digits, an optional - and one decimal point)",
                "x".repeat(60)
            )
        );
        assert_eq!(quoted("a\"b"), "\"a\\\"b\"");
        assert_eq!(quoted(&"é".repeat(60)), format!("\"{}\"", "é".repeat(60)));
    }

    #[test]
    fn emails() {
        assert_eq!(
            canonical_email(" Ann+tag@Example.COM ").unwrap(),
            ("Ann+tag@Example.COM".into(), "ann+tag@example.com".into())
        );
        assert!(canonical_email("jose@exämple.de").is_ok(), "an internationalised domain");
        for bad in ["", "ann", "ann@", "@example.com", "ann@example", "a b@example.com", "a@b..com", "josé@example.com"]
        {
            assert_eq!(canonical_email(bad).unwrap_err().code(), "invalid_email", "{bad}");
        }
        assert_eq!(email_key(" Ann@X.COM "), "ann@x.com");
    }
}
