//! What goes into files people open in spreadsheets.

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
