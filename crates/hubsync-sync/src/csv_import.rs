//! Admins' CSV files into the lead store. The layout (comma, semicolon or tab; a byte-order
//! mark) is read from the header line; each column is matched to a lead field by its key, its
//! label, the HubSpot property it is mapped to or a known alias, unless an override says
//! otherwise; rows are read one at a time into a `LeadImport`, so a large file is never held
//! whole; and the rows an import skipped can be written out again with their errors.
//! Tauri-free, so the desktop app's column-mapping step follows the same rules.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};

use hubsync_store::{Field, LeadImport, Mapping, RowError, StoreError};
use serde::Serialize;

use crate::files::{from_spreadsheet_safe, spreadsheet_safe};

const BYTE_ORDER_MARK: &[u8] = b"\xef\xbb\xbf";
/// How much of the file's start is looked at for its delimiter: the header line, in practice.
const SNIFF_BYTES: u64 = 64 * 1024;
/// Rows between two progress reports.
const PROGRESS_EVERY: usize = 1024;

#[derive(Debug, thiserror::Error)]
pub enum CsvImportError {
    #[error(transparent)]
    Io(#[from] io::Error),
    #[error(transparent)]
    Csv(#[from] csv::Error),
    #[error("the file is empty: its first row must name the columns (Email, First name, …)")]
    Empty,
    #[error("the header row is not UTF-8 text: save the file as UTF-8")]
    HeaderNotUtf8,
    #[error(
        "the header row opens a quote (\") that is never closed, so the whole file reads as one header cell; close the quote"
    )]
    HeaderQuoteNotClosed,
    #[error("no column holds the email, and every lead needs one; the columns are {}", names(.columns))]
    NoEmailColumn { columns: Vec<String> },
    /// The columns matched by name first, then those an override chose.
    #[error("the columns {} all go to the field {field}; a field takes one column", names(.columns))]
    SameField { field: String, columns: Vec<String> },
    #[error("the column {} could be the field {}", name(.column), .fields.join(" or "))]
    AmbiguousMatch { column: String, fields: Vec<String> },
    #[error("the header has {count} columns named {}; rename them apart in the file", name(.column))]
    DuplicateColumn { column: String, count: usize },
    #[error("the column {} is given a field twice", name(.column))]
    OverriddenTwice { column: String },
    #[error("there is no column {column:?} in the file; the columns are {}", names(.columns))]
    UnknownColumn { column: String, columns: Vec<String> },
    #[error("there is no lead field {field:?} (asked for the column {})", name(.column))]
    UnknownField { column: String, field: String },
    #[error("the file changed while it was imported: row {row} is no longer in it")]
    FileChanged { row: usize },
    #[error("cannot write the skipped rows to {}: {source}; nothing was imported", path.display())]
    SkippedRowsFile { path: PathBuf, source: Box<CsvImportError> },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl CsvImportError {
    /// Stable, for the UI and `--json`.
    pub fn code(&self) -> &'static str {
        match self {
            CsvImportError::Io(_) => "io_error",
            CsvImportError::Csv(e) if e.is_io_error() => "io_error",
            CsvImportError::Csv(_)
            | CsvImportError::Empty
            | CsvImportError::HeaderNotUtf8
            | CsvImportError::HeaderQuoteNotClosed
            | CsvImportError::FileChanged { .. } => "invalid_csv",
            CsvImportError::NoEmailColumn { .. } => "no_email_column",
            CsvImportError::SameField { .. }
            | CsvImportError::AmbiguousMatch { .. }
            | CsvImportError::DuplicateColumn { .. }
            | CsvImportError::OverriddenTwice { .. } => "ambiguous_columns",
            CsvImportError::UnknownColumn { .. } => "unknown_column",
            CsvImportError::UnknownField { .. } => "unknown_field",
            CsvImportError::SkippedRowsFile { .. } => "io_error",
            CsvImportError::Store(e) => e.code(),
        }
    }
}

/// A column as messages name it: quoted, or by position when the header left it blank.
pub fn name(column: &str) -> String {
    if column.is_empty() { "(no name)".to_string() } else { format!("{column:?}") }
}

fn names(columns: &[String]) -> String {
    columns.iter().map(|c| name(c)).collect::<Vec<_>>().join(", ")
}

// ---- layout ----

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Delimiter {
    Comma,
    Semicolon,
    Tab,
}

impl Delimiter {
    /// In the order a tie is settled: comma first.
    const ALL: [Delimiter; 3] = [Delimiter::Comma, Delimiter::Semicolon, Delimiter::Tab];

    pub fn byte(self) -> u8 {
        match self {
            Delimiter::Comma => b',',
            Delimiter::Semicolon => b';',
            Delimiter::Tab => b'\t',
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Delimiter::Comma => "comma",
            Delimiter::Semicolon => "semicolon",
            Delimiter::Tab => "tab",
        }
    }
}

/// How a file is written, as read from its header line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct CsvLayout {
    pub delimiter: Delimiter,
    pub byte_order_mark: bool,
    /// Lines end with CR LF (as Excel writes them).
    pub crlf: bool,
}

/// The layout of a file that starts with `head`: the delimiter that occurs most often outside
/// quotes in the header line (comma when none does, or on a tie).
pub fn sniff(head: &[u8]) -> CsvLayout {
    let byte_order_mark = head.starts_with(BYTE_ORDER_MARK);
    let head = head.strip_prefix(BYTE_ORDER_MARK).unwrap_or(head);
    let mut counts = [0usize; 3];
    let mut in_quotes = false;
    let mut crlf = false;
    for (i, byte) in head.iter().enumerate() {
        match byte {
            b'"' => in_quotes = !in_quotes,
            b'\n' if !in_quotes => {
                crlf = i > 0 && head[i - 1] == b'\r';
                break;
            }
            _ if !in_quotes => {
                if let Some(slot) = Delimiter::ALL.iter().position(|d| d.byte() == *byte) {
                    counts[slot] += 1;
                }
            }
            _ => {}
        }
    }
    let most = Delimiter::ALL.iter().zip(counts).fold((Delimiter::Comma, 0), |best, (delimiter, count)| {
        if count > best.1 { (*delimiter, count) } else { best }
    });
    CsvLayout { delimiter: most.0, byte_order_mark, crlf }
}

// ---- reading ----

/// A CSV file open for reading, past its header. Rows are numbered as a spreadsheet numbers
/// them: the header is row 1, and a line break inside quotes does not start a row. (Empty lines
/// are skipped without a number; spreadsheets write an empty row as delimiters, which counts.)
pub struct CsvFile {
    reader: csv::Reader<File>,
    layout: CsvLayout,
    /// The header as written, for the skipped-rows file.
    header: csv::ByteRecord,
    columns: Vec<String>,
    record: csv::ByteRecord,
    row: usize,
    /// The file's length when opened: only a record that reaches it can end inside quotes.
    len: u64,
    /// The line on which the record just read opened a quote it never closed.
    open_quote_line: Option<u64>,
}

impl CsvFile {
    pub fn open(path: &Path) -> Result<CsvFile, CsvImportError> {
        let mut file = File::open(path)?;
        let len = file.metadata()?.len();
        let mut head = Vec::new();
        (&mut file).take(SNIFF_BYTES).read_to_end(&mut head)?;
        let layout = sniff(&head);
        file.rewind()?;
        // The csv crate drops a byte-order mark itself.
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(layout.delimiter.byte())
            .buffer_capacity(256 * 1024)
            .from_reader(file);
        let mut header = csv::ByteRecord::new();
        if !reader.read_byte_record(&mut header)? {
            return Err(CsvImportError::Empty);
        }
        if open_quote_line(&mut reader, &header, len, layout.delimiter.byte())?.is_some() {
            return Err(CsvImportError::HeaderQuoteNotClosed);
        }
        let columns = header
            .iter()
            .map(|cell| std::str::from_utf8(cell).map(|c| c.trim().to_string()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| CsvImportError::HeaderNotUtf8)?;
        if columns.iter().all(String::is_empty) {
            return Err(CsvImportError::Empty);
        }
        Ok(CsvFile {
            reader,
            layout,
            header,
            columns,
            record: csv::ByteRecord::new(),
            row: 1,
            len,
            open_quote_line: None,
        })
    }

    pub fn layout(&self) -> CsvLayout {
        self.layout
    }

    /// The header's column names, trimmed.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// Bytes read so far.
    pub fn position(&self) -> u64 {
        self.reader.position().byte()
    }

    /// The next `count` rows' cells as text (bytes that are not UTF-8 replaced), for a preview;
    /// fewer at the end of the file. Blank rows are passed over.
    pub fn sample(&mut self, count: usize) -> Result<Vec<Vec<String>>, CsvImportError> {
        let mut rows = Vec::with_capacity(count);
        while rows.len() < count && self.next_record()? {
            if self.record.iter().all(|cell| cell.trim_ascii().is_empty()) {
                continue;
            }
            rows.push(
                self.record.iter().map(|c| from_spreadsheet_safe(&String::from_utf8_lossy(c)).to_string()).collect(),
            );
        }
        Ok(rows)
    }

    /// Reads the next record into `self.record`; false at the end.
    fn next_record(&mut self) -> Result<bool, CsvImportError> {
        let more = self.reader.read_byte_record(&mut self.record)?;
        if more {
            self.row += 1;
            self.open_quote_line =
                open_quote_line(&mut self.reader, &self.record, self.len, self.layout.delimiter.byte())?;
        }
        Ok(more)
    }
}

/// The line on which `record`, just read, opened a quote it never closed, if it did. The csv
/// crate ends such a cell at the end of the file without a word, so every line after the quote
/// would be that cell's text. Only the record that reached the end of the file can do it: its
/// bytes are read again and scanned as the csv crate reads them (a quote opens a cell only at
/// the cell's start; inside quotes, `""` is a quote).
fn open_quote_line(
    reader: &mut csv::Reader<File>,
    record: &csv::ByteRecord,
    len: u64,
    delimiter: u8,
) -> io::Result<Option<u64>> {
    let Some(start) = record.position().cloned() else { return Ok(None) };
    if reader.position().byte() < len {
        return Ok(None);
    }
    // Everything is read: the reader has nothing buffered, so moving its file moves nothing it
    // has yet to read.
    let file = reader.get_mut();
    file.seek(io::SeekFrom::Start(start.byte()))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    let bytes = if start.byte() == 0 { bytes.strip_prefix(BYTE_ORDER_MARK).unwrap_or(&bytes) } else { &bytes };
    // Line breaks before the record are the previous record's end (or blank lines).
    let skipped = bytes.iter().take_while(|b| matches!(b, b'\r' | b'\n')).filter(|b| **b == b'\n').count();
    let record_bytes = &bytes[bytes.iter().take_while(|b| matches!(b, b'\r' | b'\n')).count()..];
    Ok(ends_inside_quotes(record_bytes, delimiter).then(|| start.line() + skipped as u64))
}

/// Whether one record's bytes, up to the end of the file, leave a quoted cell open.
fn ends_inside_quotes(bytes: &[u8], delimiter: u8) -> bool {
    #[derive(PartialEq)]
    enum State {
        CellStart,
        Unquoted,
        Quoted,
        /// A quote inside quotes: the cell's end, or the first of `""`.
        QuoteInQuoted,
    }
    let mut state = State::CellStart;
    for &byte in bytes {
        state = match (state, byte) {
            (State::CellStart, b'"') => State::Quoted,
            (State::Quoted, b'"') => State::QuoteInQuoted,
            (State::Quoted, _) => State::Quoted,
            (State::QuoteInQuoted, b'"') => State::Quoted,
            (_, b'\r' | b'\n') => return false,
            (_, b) if b == delimiter => State::CellStart,
            _ => State::Unquoted,
        };
    }
    state == State::Quoted
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RowCounts {
    /// Rows after the header.
    pub rows: usize,
    /// Rows with no value in any cell: no lead, and no error either.
    pub blank: usize,
}

/// Reads every row of `file` into `import`, as `plan` matched the columns. A row that can't be
/// read (a cell too many or too few, a used cell that is not UTF-8) is recorded as bad with its
/// number; a blank cell leaves its field as it is. `progress` hears the bytes read now and then.
pub fn read_rows(
    file: &mut CsvFile,
    plan: &ColumnPlan,
    import: &mut LeadImport<'_>,
    progress: &mut dyn FnMut(u64),
) -> Result<RowCounts, CsvImportError> {
    assert_eq!(plan.columns.len(), file.columns.len(), "the plan was made for another file");
    let width = file.columns.len();
    let used: Vec<(usize, &str)> = plan.values().collect();
    let mut counts = RowCounts::default();
    while file.next_record()? {
        let (row, record) = (file.row, &file.record);
        counts.rows += 1;
        if counts.rows % PROGRESS_EVERY == 0 {
            progress(file.reader.position().byte());
        }
        if let Some(line) = file.open_quote_line {
            import.reject(
                row,
                format!(
                    "opens a quote (\") on line {line} that is never closed, so every line after it would be read into one cell; close the quote, or write a quote inside a value as two (\"\")"
                ),
            );
            continue;
        }
        if record.iter().all(|cell| cell.trim_ascii().is_empty()) {
            counts.blank += 1;
            continue;
        }
        if record.len() != width {
            import.reject(row, format!("has {} cells; the header has {width}", record.len()));
            continue;
        }
        let text = |column: usize| {
            std::str::from_utf8(&record[column]).map(from_spreadsheet_safe).map_err(|_| {
                format!("is not UTF-8 text (the column {}): save the file as UTF-8", name(&file.columns[column]))
            })
        };
        let row_values = text(plan.email).and_then(|email| {
            let mut values = Vec::with_capacity(used.len());
            for (column, field) in &used {
                if !record[*column].trim_ascii().is_empty() {
                    values.push((*field, text(*column)?));
                }
            }
            Ok((email, values))
        });
        match row_values {
            Ok((email, values)) => import.add(row, email, &values)?,
            Err(message) => import.reject(row, message),
        }
    }
    progress(file.reader.position().byte());
    Ok(counts)
}

// ---- columns ----

/// How a column found its field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum MatchedBy {
    /// The column is named like the field's key (`first_name`).
    Key,
    /// … like the field's label (`First name`).
    Label,
    /// … like the HubSpot property the field is mapped to (`firstname`).
    Property,
    /// … by a name admins' files often use for a built-in field (`E-mail address`, `Surname`).
    Alias,
    /// The admin said which field (or none).
    Override,
    /// No field matched: the column is ignored.
    Unmatched,
}

impl MatchedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchedBy::Key => "key",
            MatchedBy::Label => "label",
            MatchedBy::Property => "property",
            MatchedBy::Alias => "alias",
            MatchedBy::Override => "override",
            MatchedBy::Unmatched => "unmatched",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ColumnMatch {
    pub column: String,
    /// `None`: the column is ignored.
    pub field: Option<String>,
    pub matched_by: MatchedBy,
}

/// The admin's choice for a column (matched without regard to case): a field key, or `None` to
/// ignore the column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnOverride {
    pub column: String,
    pub field: Option<String>,
}

/// Each column of a file and the field it goes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnPlan {
    pub columns: Vec<ColumnMatch>,
    /// The email column's position.
    email: usize,
}

impl ColumnPlan {
    /// The columns that go to a field other than email, by position.
    fn values(&self) -> impl Iterator<Item = (usize, &str)> {
        self.columns
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != self.email)
            .filter_map(|(i, c)| c.field.as_deref().map(|f| (i, f)))
    }

    /// The columns no field takes.
    pub fn ignored(&self) -> impl Iterator<Item = &ColumnMatch> {
        self.columns.iter().filter(|c| c.field.is_none())
    }
}

/// Names files often give built-in fields, normalised (lowercase letters and digits only).
/// Keys and labels match without being listed ("First Name", "E-mail", "Lifecycle Stage").
const ALIASES: &[(&str, &[&str])] = &[
    ("email", &["emailaddress", "mail", "mailaddress"]),
    ("first_name", &["givenname", "forename", "first"]),
    ("last_name", &["surname", "familyname", "last"]),
    ("company", &["companyname", "organization", "organisation"]),
    ("job_title", &["title", "position"]),
    ("phone", &["phonenumber", "telephone", "telephonenumber", "tel"]),
    ("website", &["websiteurl", "url", "web"]),
    ("city", &["town"]),
    ("country", &["countryregion"]),
];

/// Lowercase letters and digits only: "E-mail Address" and "email_address" are one name.
fn normalise(name: &str) -> String {
    name.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// Matches each column to a field: an override first, else the first of key, label, mapped
/// property and alias that names exactly one field. Unmatched columns are ignored, and listed.
/// Refused: an override naming no column or no field, two columns for one field, and no email
/// column.
pub fn match_columns(
    columns: &[String],
    fields: &[Field],
    mappings: &[Mapping],
    overrides: &[ColumnOverride],
) -> Result<ColumnPlan, CsvImportError> {
    let chosen = apply_overrides(columns, fields, overrides)?;
    let tiers = match_tiers(fields, mappings);
    let mut matches = Vec::with_capacity(columns.len());
    for (column, chosen) in columns.iter().zip(chosen) {
        let (field, matched_by) = match chosen {
            Some(field) => (field, MatchedBy::Override),
            None => auto_match(column, &tiers)?.map_or((None, MatchedBy::Unmatched), |(f, how)| (Some(f), how)),
        };
        matches.push(ColumnMatch { column: column.clone(), field, matched_by });
    }
    // Columns matched by name come before those the admin chose, so the first is the one to
    // ignore in a suggestion.
    let mut by_field: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let (chosen, named): (Vec<&ColumnMatch>, Vec<&ColumnMatch>) =
        matches.iter().partition(|m| m.matched_by == MatchedBy::Override);
    for m in named.into_iter().chain(chosen) {
        if let Some(field) = &m.field {
            by_field.entry(field).or_default().push(m.column.clone());
        }
    }
    if let Some((field, columns)) = by_field.into_iter().find(|(_, columns)| columns.len() > 1) {
        return Err(CsvImportError::SameField { field: field.to_string(), columns });
    }
    let email = matches
        .iter()
        .position(|m| m.field.as_deref() == Some("email"))
        .ok_or_else(|| CsvImportError::NoEmailColumn { columns: columns.to_vec() })?;
    Ok(ColumnPlan { columns: matches, email })
}

/// How each column would be matched without overrides, for the admin to review before an import:
/// like `match_columns`, but a column two fields could take is left unmatched (for the admin to
/// choose) and nothing is refused.
pub fn suggest_columns(columns: &[String], fields: &[Field], mappings: &[Mapping]) -> Vec<ColumnMatch> {
    let tiers = match_tiers(fields, mappings);
    let mut taken: Vec<String> = Vec::new();
    columns
        .iter()
        .map(|column| {
            let found = auto_match(column, &tiers).ok().flatten().filter(|(field, _)| !taken.contains(field));
            match found {
                Some((field, matched_by)) => {
                    taken.push(field.clone());
                    ColumnMatch { column: column.clone(), field: Some(field), matched_by }
                }
                None => ColumnMatch { column: column.clone(), field: None, matched_by: MatchedBy::Unmatched },
            }
        })
        .collect()
}

/// Per column: `None` when no override names it, else the field it chose (`Some(None)`: ignore).
fn apply_overrides(
    columns: &[String],
    fields: &[Field],
    overrides: &[ColumnOverride],
) -> Result<Vec<Option<Option<String>>>, CsvImportError> {
    let mut chosen = vec![None; columns.len()];
    for o in overrides {
        let wanted = o.column.trim().to_lowercase();
        let positions: Vec<usize> = (0..columns.len()).filter(|i| columns[*i].to_lowercase() == wanted).collect();
        let column = match positions[..] {
            [column] => column,
            [] => return Err(CsvImportError::UnknownColumn { column: o.column.clone(), columns: columns.to_vec() }),
            _ => {
                let column = columns[positions[0]].clone();
                return Err(CsvImportError::DuplicateColumn { column, count: positions.len() });
            }
        };
        let field = match o.field.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
            None => None,
            Some(wanted) => match fields.iter().find(|f| f.key.eq_ignore_ascii_case(wanted)) {
                Some(field) => Some(field.key.clone()),
                None => {
                    let (column, field) = (columns[column].clone(), wanted.to_string());
                    return Err(CsvImportError::UnknownField { column, field });
                }
            },
        };
        if chosen[column].replace(field).is_some() {
            return Err(CsvImportError::OverriddenTwice { column: columns[column].clone() });
        }
    }
    Ok(chosen)
}

/// `(normalised name, field key)` pairs per way of matching, in the order they are tried.
fn match_tiers(fields: &[Field], mappings: &[Mapping]) -> [(MatchedBy, Vec<(String, String)>); 4] {
    let keys = fields.iter().map(|f| (normalise(&f.key), f.key.clone())).collect();
    let labels = fields.iter().map(|f| (normalise(&f.label), f.key.clone())).collect();
    let properties = mappings.iter().map(|m| (normalise(&m.property), m.field_key.clone())).collect();
    let aliases = ALIASES
        .iter()
        .filter(|(key, _)| fields.iter().any(|f| f.builtin && f.key == *key))
        .flat_map(|(key, names)| names.iter().map(|n| (n.to_string(), key.to_string())))
        .collect();
    [(MatchedBy::Key, keys), (MatchedBy::Label, labels), (MatchedBy::Property, properties), (MatchedBy::Alias, aliases)]
}

fn auto_match(
    column: &str,
    tiers: &[(MatchedBy, Vec<(String, String)>)],
) -> Result<Option<(String, MatchedBy)>, CsvImportError> {
    let wanted = normalise(column);
    if wanted.is_empty() {
        return Ok(None);
    }
    for (how, names) in tiers {
        let mut found: Vec<&str> = names.iter().filter(|(n, _)| *n == wanted).map(|(_, key)| key.as_str()).collect();
        found.dedup();
        match found[..] {
            [] => continue,
            [field] => return Ok(Some((field.to_string(), *how))),
            _ => {
                let fields = found.iter().map(|f| f.to_string()).collect();
                return Err(CsvImportError::AmbiguousMatch { column: column.to_string(), fields });
            }
        }
    }
    Ok(None)
}

// ---- skipped rows ----

/// Where the skipped rows of `input` go by default: `leads.csv` → `leads.errors.csv`, beside it.
pub fn errors_path(input: &Path) -> PathBuf {
    let mut name = input.file_stem().unwrap_or_default().to_os_string();
    name.push(".errors.");
    name.push(input.extension().unwrap_or("csv".as_ref()));
    input.with_file_name(name)
}

/// True when `path` is a file `write_skipped_rows` wrote (its header starts `row`, `error`):
/// only such a file is removed when a later import skips nothing.
pub fn is_skipped_rows_file(path: &Path) -> bool {
    CsvFile::open(path).is_ok_and(|file| file.columns().starts_with(&["row".to_string(), "error".to_string()]))
}

/// Writes the rows `skipped` names, read again from `input`, to `out` in the input's layout:
/// `row` and `error`, then the header and cells as the file has them, each made formula-safe.
/// Returns how many rows were written.
pub fn write_skipped_rows(input: &Path, skipped: &[RowError], mut out: impl Write) -> Result<usize, CsvImportError> {
    let mut wanted: BTreeMap<usize, String> = BTreeMap::new();
    for error in skipped {
        let message = wanted.entry(error.row).or_default();
        if !message.is_empty() {
            message.push_str("; ");
        }
        message.push_str(&error.message);
    }
    let mut file = CsvFile::open(input)?;
    let layout = file.layout;
    if layout.byte_order_mark {
        out.write_all(BYTE_ORDER_MARK)?;
    }
    let terminator = if layout.crlf { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') };
    let mut writer = csv::WriterBuilder::new()
        .delimiter(layout.delimiter.byte())
        .terminator(terminator)
        .flexible(true)
        .from_writer(out);
    let mut header: Vec<Cow<'_, [u8]>> = vec![b"row".as_slice().into(), b"error".as_slice().into()];
    header.extend(file.header.iter().map(spreadsheet_safe_bytes));
    writer.write_record(&header)?;
    let mut written = 0;
    while !wanted.is_empty() && file.next_record()? {
        let Some(message) = wanted.remove(&file.row) else { continue };
        let mut cells: Vec<Cow<'_, [u8]>> =
            vec![file.row.to_string().into_bytes().into(), spreadsheet_safe(&message).as_bytes().to_vec().into()];
        cells.extend(file.record.iter().map(spreadsheet_safe_bytes));
        writer.write_record(&cells)?;
        written += 1;
    }
    if let Some(row) = wanted.keys().next() {
        return Err(CsvImportError::FileChanged { row: *row });
    }
    writer.flush()?;
    Ok(written)
}

/// `spreadsheet_safe` for a cell as the file has it, which may not be UTF-8: its bytes are kept,
/// with a `'` in front where the text would get one.
fn spreadsheet_safe_bytes(cell: &[u8]) -> Cow<'_, [u8]> {
    let risky = match std::str::from_utf8(cell) {
        Ok(text) => matches!(spreadsheet_safe(text), Cow::Owned(_)),
        Err(_) => matches!(spreadsheet_safe(&String::from_utf8_lossy(cell)), Cow::Owned(_)),
    };
    if risky { [b"'".as_slice(), cell].concat().into() } else { cell.into() }
}
