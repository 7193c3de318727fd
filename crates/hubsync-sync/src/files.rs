//! Files the tool writes: whole or not at all, and safe to open in a spreadsheet.

use std::path::{Path, PathBuf};

/// Writes through `write` to a temporary file beside `path`, then renames it over `path`: the
/// file is the old one or the new one, never half written. The temporary file is removed when
/// writing fails.
pub fn replace_file<E: From<std::io::Error>>(path: &Path, write: impl FnOnce(&Path) -> Result<(), E>) -> Result<(), E> {
    let mut temp = path.as_os_str().to_owned();
    temp.push(format!(".tmp-{}", std::process::id()));
    let temp = PathBuf::from(temp);
    let written = write(&temp).and_then(|()| Ok(std::fs::rename(&temp, path)?));
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

/// A cell safe to open in a spreadsheet: text that Excel, LibreOffice or Google Sheets would
/// run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a
/// leading `'`, which they show as text. Numbers are left alone (`-5` is a number, not a
/// formula), so only values that are not plain numbers are touched.
pub fn spreadsheet_safe(value: &str) -> std::borrow::Cow<'_, str> {
    let risky = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && value.parse::<f64>().is_err() { format!("'{value}").into() } else { value.into() }
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
        ];
        for (raw, want) in cases {
            assert_eq!(spreadsheet_safe(raw), want, "{raw:?}");
        }
    }
}
