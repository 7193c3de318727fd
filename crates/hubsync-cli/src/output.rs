//! What commands print: JSON on stdout with `--json`, else plain aligned tables and lines for
//! people; errors (to stderr, or as JSON on stdout); progress bars on a terminal only.
//!
//! A reader that goes away (`hubsync runs show 2 | head -1`) ends the output: writing to stdout
//! then fails with `OutputClosed`, which `main` turns into a quiet exit with status 141, as a
//! shell shows a program SIGPIPE killed. SIGPIPE itself stays ignored (Rust's default), so no
//! write can kill a live run mid-batch: a run writes nothing to stdout until it has finished, and
//! lines for people on stderr are dropped when stderr is closed.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use hubsync_api::workspace::StoreUpgrade;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::error::CliError;

/// Status of a command whose reader closed its output: 128 + SIGPIPE.
pub const OUTPUT_CLOSED_STATUS: u8 = 141;

/// Stdout's reader went away before everything was written: nothing more can be shown.
#[derive(Debug)]
pub struct OutputClosed;

impl std::fmt::Display for OutputClosed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the output was closed before everything was written")
    }
}

impl std::error::Error for OutputClosed {}

/// Whether `error` is the reader of stdout gone away.
pub fn output_closed(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| cause.is::<OutputClosed>())
}

/// `OutputClosed` for a write that failed because the pipe's reader is gone.
fn closed_pipe(error: std::io::Error) -> anyhow::Error {
    if error.kind() == std::io::ErrorKind::BrokenPipe { OutputClosed.into() } else { error.into() }
}

/// Writes `text` and a line break to stdout.
pub fn print_line(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}").and_then(|()| out.flush()).map_err(closed_pipe)
}

/// A line for people on stderr. A closed stderr is ignored: what is said there never stops a
/// command, least of all a live run.
pub fn note(line: impl std::fmt::Display) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Prints `value` as JSON with `--json`, else what `human` renders.
pub fn emit<T: Serialize>(json: bool, value: &T, human: impl FnOnce(&T) -> String) -> anyhow::Result<()> {
    try_emit(json, value, |v| Ok(human(v)))
}

/// `emit`, for a rendering that can fail (it reads the store as it goes).
pub fn try_emit<T: Serialize>(
    json: bool,
    value: &T,
    human: impl FnOnce(&T) -> anyhow::Result<String>,
) -> anyhow::Result<()> {
    if json {
        // Written as it is serialized: a report may stream a run of any size from the store.
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        serde_json::to_writer_pretty(&mut out, value).map_err(|e| match e.io_error_kind() {
            Some(kind) => closed_pipe(kind.into()),
            None => e.into(),
        })?;
        out.write_all(b"\n").and_then(|()| out.flush()).map_err(closed_pipe)?;
    } else {
        let text = human(value)?;
        if !text.is_empty() {
            print_line(text.trim_end_matches('\n'))?;
        }
    }
    Ok(())
}

/// A warning for people, on stderr (JSON output carries its warnings in the document).
pub fn warn(json: bool, message: &str) {
    if !json {
        note(format_args!("warning: {message}"));
    }
}

/// Human mode: `error: …` and `hint: …` on stderr (and the bad rows are in the message).
/// JSON mode: `{"error":{"code","message",…}}` on stdout. Output closed is the same as shown:
/// the exit status still says the command failed.
pub fn print_error(error: &CliError, json: bool) {
    if json {
        let _ = print_line(&serde_json::to_string_pretty(&error.to_json()).unwrap_or_default());
    } else {
        note(format_args!("error: {}", error.message));
        if let Some(hint) = &error.hint {
            note(format_args!("hint: {hint}"));
        }
    }
}

/// Asks `question` on a terminal before `hubsync COMMAND` writes; elsewhere `--yes` is
/// required, so a script never writes by accident.
pub fn confirm_write(command: &str, question: &str) -> Result<(), CliError> {
    use std::io::BufRead;
    if !std::io::stdin().is_terminal() {
        return Err(CliError::usage(format!("a live {command} asks for confirmation, and stdin is not a terminal"))
            .with_hint(format!(
                "check the plan with `hubsync {command} --preview`, then run `hubsync {command} --yes`"
            )));
    }
    let _ = write!(std::io::stderr(), "{question} [y/N] ").and_then(|()| std::io::stderr().flush());
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| CliError::new(crate::error::codes::IO, e.to_string()))?;
    if matches!(answer.trim(), "y" | "Y" | "yes" | "Yes") {
        Ok(())
    } else {
        Err(CliError::new(
            crate::error::codes::CANCELLED,
            format!("nothing was written: the {command} was not confirmed"),
        ))
    }
}

/// A progress bar on stderr, or `None` when stderr is not a terminal or `--json` is on, so
/// scripts and logs never see one.
pub fn progress(json: bool, total: u64, label: &str) -> Option<ProgressBar> {
    if json || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(total);
    let style = ProgressStyle::with_template("{msg} [{wide_bar}] {percent:>3}% ({eta})")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    bar.set_message(label.to_string());
    bar.enable_steady_tick(Duration::from_millis(200));
    Some(bar)
}

/// Says on stderr how the upgrade of a store from an older Hubsync goes (stdout stays the
/// command's): a line as each step starts, then how long it took. On a terminal, without
/// `--json`, the step's line shows the time passing and gives way to the next.
pub struct UpgradeNotes {
    live: bool,
    line: Option<ProgressBar>,
}

impl UpgradeNotes {
    pub fn new(json: bool) -> UpgradeNotes {
        UpgradeNotes { live: !json && std::io::stderr().is_terminal(), line: None }
    }

    pub fn report(&mut self, upgrade: StoreUpgrade) {
        match upgrade {
            StoreUpgrade::Step { step, steps, migration, .. } => {
                let words = format!("Upgrading the lead store (step {step} of {steps}: {migration})…");
                if !self.live {
                    return note(words);
                }
                let line = self.line.get_or_insert_with(|| {
                    let line = ProgressBar::new_spinner();
                    if let Ok(style) = ProgressStyle::with_template("{msg} {elapsed}") {
                        line.set_style(style);
                    }
                    line.enable_steady_tick(Duration::from_millis(200));
                    line
                });
                line.set_message(words);
            }
            StoreUpgrade::Done { elapsed_ms, .. } => {
                if let Some(line) = self.line.take() {
                    line.finish_and_clear();
                }
                note(format!("Lead store upgraded in {:.1} s.", elapsed_ms as f64 / 1000.0));
            }
        }
    }
}

impl Drop for UpgradeNotes {
    /// An upgrade that failed leaves its last step's line standing, above the error.
    fn drop(&mut self) {
        if let Some(line) = self.line.take() {
            line.abandon();
        }
    }
}

/// A plain table: columns padded to their widest cell, two spaces apart, no colours.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

/// Longest a cell is shown in a table; JSON output has the whole value.
const CELL_MAX_CHARS: usize = 40;

impl Table {
    pub fn new(header: &[&str]) -> Table {
        Table { header: header.iter().map(|h| h.to_string()).collect(), rows: Vec::new() }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells.into_iter().map(|c| cell(&c)).collect());
    }

    /// A row whose last cell is shown whole, on one line: what it holds is a reason, which a
    /// cut would leave unreadable.
    pub fn row_ending_in_reason(&mut self, cells: Vec<String>) {
        let last = cells.len().saturating_sub(1);
        self.rows.push(
            cells.into_iter().enumerate().map(|(i, c)| if i == last { one_line(&c) } else { cell(&c) }).collect(),
        );
    }

    pub fn render(&self) -> String {
        let columns = self.header.len();
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (width, value) in widths.iter_mut().zip(row) {
                *width = (*width).max(value.chars().count());
            }
        }
        let line = |cells: &[String]| {
            let mut out = String::new();
            for (i, value) in cells.iter().enumerate().take(columns) {
                out.push_str(value);
                if i + 1 < columns {
                    let pad = widths[i] - value.chars().count() + 2;
                    out.extend(std::iter::repeat_n(' ', pad));
                }
            }
            out.trim_end().to_string() + "\n"
        };
        let mut out = line(&self.header);
        for row in &self.rows {
            out.push_str(&line(row));
        }
        out
    }
}

/// A value as a table shows it: one line, at most `CELL_MAX_CHARS` characters.
fn cell(value: &str) -> String {
    let one_line = one_line(value);
    if one_line.chars().count() > CELL_MAX_CHARS {
        one_line.chars().take(CELL_MAX_CHARS - 1).collect::<String>() + "…"
    } else {
        one_line
    }
}

/// `value` on one line: control characters (line breaks, tabs) become spaces.
fn one_line(value: &str) -> String {
    value.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// `key: value` lines with the values aligned.
pub fn pairs(rows: &[(&str, String)]) -> String {
    let width = rows.iter().map(|(k, _)| k.chars().count()).max().unwrap_or(0);
    rows.iter().map(|(k, v)| format!("{k:<width$}  {v}\n", width = width + 1, k = format!("{k}:"))).collect()
}

/// `1 lead`, `2 leads`, `1,200 leads`.
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", hubsync_auth::connection::thousands(n), if n == 1 { one } else { many })
}

pub fn on_off(value: bool) -> &'static str {
    if value { "on" } else { "off" }
}

/// A run's rows, read from the store a page at a time as they are printed: a plan of any size is
/// never in memory whole. Each row is shown as `convert` makes it.
pub struct JournalItems<'a, T> {
    store: &'a hubsync_store::Store,
    run_id: i64,
    convert: fn(hubsync_store::RunItem) -> T,
}

impl<'a, T> JournalItems<'a, T> {
    pub fn new(store: &'a hubsync_store::Store, run_id: i64, convert: fn(hubsync_store::RunItem) -> T) -> Self {
        JournalItems { store, run_id, convert }
    }

    pub fn each(&self) -> impl Iterator<Item = Result<T, hubsync_store::StoreError>> + '_ {
        self.store.iter_run_items(self.run_id).map(|item| item.map(self.convert))
    }
}

impl<T: Serialize> Serialize for JournalItems<'_, T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeSeq};
        let mut seq = serializer.serialize_seq(None)?;
        for item in self.each() {
            seq.serialize_element(&item.map_err(S::Error::custom)?)?;
        }
        seq.end()
    }
}

impl<T> std::fmt::Debug for JournalItems<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JournalItems").field("run_id", &self.run_id).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_and_cells_stay_on_one_line() {
        let mut table = Table::new(&["ID", "EMAIL"]);
        table.row(vec!["1".into(), "ann@example.com".into()]);
        table.row(vec!["10".into(), "two\nlines".into()]);
        assert_eq!(table.render(), "ID  EMAIL\n1   ann@example.com\n10  two lines\n");
        assert_eq!(cell(&"x".repeat(50)).chars().count(), CELL_MAX_CHARS);
        let reason = format!("{} end", "x".repeat(50));
        table.row_ending_in_reason(vec!["2".into(), format!("{reason}\nsecond line")]);
        assert!(table.render().ends_with(&format!("2   {reason} second line\n")), "{}", table.render());
    }

    #[test]
    fn pairs_align_their_values() {
        assert_eq!(pairs(&[("a", "1".into()), ("long", "2".into())]), "a:     1\nlong:  2\n");
    }
}
