//! Files the tool writes (whole or not at all), what goes into the ones people open in
//! spreadsheets, and what comes back from them.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// Writes through `write` to a temporary file beside `path`, then renames it over `path`: the
/// file is the old one or the new one, never half written. The temporary file is removed when
/// writing fails. A folder `path` names that isn't there yet is made, as a run's export makes
/// its folder.
pub fn replace_file<E: From<std::io::Error>>(path: &Path, write: impl FnOnce(&Path) -> Result<(), E>) -> Result<(), E> {
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)?;
    }
    let mut temp = path.as_os_str().to_owned();
    temp.push(format!(".tmp-{}", std::process::id()));
    let temp = PathBuf::from(temp);
    let written = write(&temp).and_then(|()| Ok(std::fs::rename(&temp, path)?));
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

/// What a spreadsheet runs as a formula when a cell starts with it.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell safe to open in a spreadsheet: text that Excel, LibreOffice or Google Sheets would
/// run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a
/// leading `'`, which they show as text. Numbers are left alone (`-5` is a number, not a
/// formula), so only values that are not plain numbers are touched. Text that already starts
/// with `'`s before such a character gets one more, so `from_spreadsheet_safe` gives back
/// exactly what was written.
pub fn spreadsheet_safe(value: &str) -> Cow<'_, str> {
    let after_quotes = value.trim_start_matches('\'');
    let quoted = after_quotes.len() < value.len();
    let risky = after_quotes.starts_with(FORMULA_STARTS) && (quoted || value.parse::<f64>().is_err());
    if risky { format!("'{value}").into() } else { value.into() }
}

/// The value behind a cell that was made formula-safe, by `spreadsheet_safe` or by another tool
/// that puts a `'` before formula-looking text: one leading `'` goes when `'`s are followed by
/// one of `=`, `+`, `-`, `@`, a tab or a carriage return. Anything else is kept as it is.
pub fn from_spreadsheet_safe(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.trim_start_matches('\'').starts_with(FORMULA_STARTS) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_everything_else_kept() {
        let cases = [
            ("=HYPERLINK(\"http://evil\")", "'=HYPERLINK(\"http://evil\")"),
            ("+1+1", "'+1+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("-5", "-5"),
            ("+33 1 23 45", "'+33 1 23 45"),
            ("ann@example.com", "ann@example.com"),
            ("Plain text", "Plain text"),
            ("", ""),
            ("'=1", "''=1"),
            ("'-5", "''-5"),
            ("''@x", "'''@x"),
            ("'quoted'", "'quoted'"),
            ("'", "'"),
        ];
        for (raw, want) in cases {
            assert_eq!(spreadsheet_safe(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn a_safe_cell_reads_back_as_the_value_it_was_made_from() {
        let values = [
            "=HYPERLINK(\"http://evil\")",
            "-5",
            "+33 1 23 45",
            "'=1",
            "''=1",
            "'-5",
            "'quoted'",
            "''",
            "'",
            "@",
            "\r\n",
            "Plain",
            "",
        ];
        for value in values {
            assert_eq!(from_spreadsheet_safe(&spreadsheet_safe(value)), value, "{value:?}");
        }
    }

    #[test]
    fn other_tools_escaped_cells_lose_their_quote() {
        for (cell, want) in [("'-5", "-5"), ("'+33123456", "+33123456"), ("'=x", "=x"), ("'x", "'x"), ("x'", "x'")] {
            assert_eq!(from_spreadsheet_safe(cell), want, "{cell:?}");
        }
    }
}
