//! OS notifications when a live run (push, pull, undo, or a resume of one) ends, or a guardrail
//! holds it, while the window is not focused, or when a schedule fired (`scheduler`), and the way
//! back from one to its run. What to say is a pure function of how the run ended and whether the
//! window had the focus (`notice`); `announce` sends it through a `Notifier` and remembers it for
//! `OpenOnReturn`. The shell's `Notifier` is Tauri's notification plugin, called from Rust: the
//! page has no notification permission at all.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use hubsync_api::guardrails::{self, LiveOutcome};
use hubsync_api::words::capitalized;
use hubsync_store::{Run, RunCounts, RunKind, RunStatus};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tauri_plugin_notification::{ActionPerformed, NotificationExt};
use ts_rs::TS;

use crate::MAIN_WINDOW;
use crate::error::CommandError;

/// The event that asks the page to open a run in History (the run of the notification the admin
/// came back from).
pub const OPEN_RUN_EVENT: &str = "open-run";

/// The notification's extra field that carries its run, for a click to find it.
const RUN_ID_KEY: &str = "runId";

/// How long after a notification the window's next focus counts as coming back to it.
pub const OPEN_ON_FOCUS_WITHIN: Duration = Duration::from_secs(120);

/// The `open-run` event's payload: the run to open, or none (null) when the run that failed has no id
/// (a run refused before it was recorded), so History opens on its list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct OpenRun {
    #[ts(type = "number | null")]
    pub run_id: Option<i64>,
}

/// How a live run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunOutcome {
    /// Every row written (some may have failed).
    Finished,
    /// Stopped with rows left to write, which Resume sends: a cancel, a lost network, a refused
    /// token, the portal's daily reserve reached, or its failures past the failed share (the
    /// guardrail a run checks as it writes). `reason` is the run history's.
    Stopped { reason: Option<String> },
    /// Not run: its plan crossed the portal's guardrails, so it waits, nothing written, for the
    /// admin to approve or refuse it. `crossed` says what it crossed, in words.
    Held { crossed: String },
    /// The run could not go on or not start, with the error's message.
    Failed { message: String },
}

/// A live run's end, as the shell learns it when the command that ran it answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunEnd {
    pub kind: RunKind,
    /// `None` for a run that failed before it was recorded.
    pub run_id: Option<i64>,
    pub counts: RunCounts,
    pub outcome: RunOutcome,
}

impl RunEnd {
    /// The end of a run of `kind`, from what the command that ran it answers; `run_id` is the run
    /// a failure belongs to, when known (a resume's).
    pub fn from_answer(kind: RunKind, run_id: Option<i64>, answer: &Result<Run, CommandError>) -> RunEnd {
        match answer {
            Ok(run) => RunEnd::ran(run),
            Err(error) => RunEnd::failed(kind, run_id, error),
        }
    }

    /// The end of a live run of `kind` asked for, from what `sync_run` answers: it ran, or a
    /// guardrail held it.
    pub fn from_outcome(kind: RunKind, answer: &Result<LiveOutcome, CommandError>) -> RunEnd {
        match answer {
            Ok(LiveOutcome::Ran { run }) => RunEnd::ran(run),
            Ok(LiveOutcome::Held { hold }) => RunEnd {
                kind,
                run_id: Some(hold.run_id),
                counts: RunCounts::default(),
                outcome: RunOutcome::Held { crossed: guardrails::words(&hold.crossed) },
            },
            Err(error) => RunEnd::failed(kind, None, error),
        }
    }

    /// A run that went to its end, or stopped with rows left to write.
    fn ran(run: &Run) -> RunEnd {
        RunEnd {
            kind: run.kind,
            run_id: Some(run.id),
            counts: run.counts.clone(),
            outcome: match run.status {
                RunStatus::Completed => RunOutcome::Finished,
                RunStatus::Interrupted | RunStatus::Running => RunOutcome::Stopped { reason: run.stop_reason.clone() },
            },
        }
    }

    fn failed(kind: RunKind, run_id: Option<i64>, error: &CommandError) -> RunEnd {
        RunEnd {
            kind,
            run_id,
            counts: RunCounts::default(),
            outcome: RunOutcome::Failed { message: error.message.clone() },
        }
    }
}

/// A notification to show, and the run it opens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub title: String,
    pub body: String,
    pub run_id: Option<i64>,
}

/// What to tell the admin of a run's end: nothing while the window has the focus (the page
/// shows it), else a notification of how it ended.
pub fn notice(end: &RunEnd, window_focused: bool) -> Option<Notice> {
    if window_focused {
        return None;
    }
    let kind = capitalized(end.kind.as_str());
    let (title, body) = match &end.outcome {
        RunOutcome::Finished => (format!("{kind} finished"), format!("{}.", written_words(end.kind, &end.counts))),
        RunOutcome::Stopped { reason } => {
            let mut body = written_words(end.kind, &end.counts);
            if end.counts.pending > 0 {
                body.push_str(&format!(", {} left to write", grouped(end.counts.pending)));
            }
            match reason.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
                Some(reason) => body.push_str(&format!(": {}.", reason.trim_end_matches('.'))),
                None => body.push('.'),
            }
            body.push_str(" Resume it from History.");
            (format!("{kind} stopped"), body)
        }
        RunOutcome::Failed { message } => (format!("{kind} failed"), message.clone()),
        RunOutcome::Held { crossed } => (
            format!("{kind} held for approval"),
            format!("Nothing was written: {crossed}. Approve or refuse it in History."),
        ),
    };
    Some(Notice { title, body, run_id: end.run_id })
}

/// What a run wrote: "120 contacts updated, 3 failed", "1 lead created", "No contacts changed".
fn written_words(kind: RunKind, counts: &RunCounts) -> String {
    let (one, many) = match kind {
        RunKind::Push | RunKind::Undo => ("contact", "contacts"),
        RunKind::Pull => ("lead", "leads"),
    };
    let written: &[(u64, &str)] = match kind {
        RunKind::Push | RunKind::Pull => &[(counts.updated, "updated"), (counts.created, "created")],
        RunKind::Undo => &[(counts.updated, "restored"), (counts.archived, "archived")],
    };
    let parts: Vec<(u64, &str)> =
        written.iter().copied().chain([(counts.failed, "failed")]).filter(|(count, _)| *count > 0).collect();
    let Some(((first_count, first_verb), rest)) = parts.split_first() else {
        return format!("No {many} changed");
    };
    let noun = if *first_count == 1 { one } else { many };
    let mut words = format!("{} {noun} {first_verb}", grouped(*first_count));
    for (count, verb) in rest {
        words.push_str(&format!(", {} {verb}", grouped(*count)));
    }
    words
}

/// 1204 → "1,204".
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// Where a notice goes: the OS, or a test's record.
pub trait Notifier {
    /// Whether the app's main window has the focus now.
    fn window_focused(&self) -> bool;
    /// Shows the notice; a failure is the notifier's to log.
    fn show(&self, notice: &Notice);
}

/// The run of the last notification, until the admin comes back to it.
///
/// A click on a notification is reported where the platform and its notification server do
/// (Windows, macOS, and Linux servers that offer the "default" action, through the plugin's
/// `on_action`): it opens the run at once. Where no click comes back (a Linux server without
/// actions, or a notification dismissed and the app then brought forward by hand), the window's
/// next focus within `OPEN_ON_FOCUS_WITHIN` of the notification counts as coming back to it.
/// Either way the run opens once.
#[derive(Debug, Default)]
pub struct OpenOnReturn {
    last: Mutex<Option<(OpenRun, Instant)>>,
}

impl OpenOnReturn {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(OpenRun, Instant)>> {
        self.last.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Remembers the run of a notification shown at `at`, in place of an older one.
    pub fn remember(&self, run_id: Option<i64>, at: Instant) {
        *self.lock() = Some((OpenRun { run_id }, at));
    }

    /// The run to open when the window gains the focus at `now`: the last notification's, if it
    /// was shown within `OPEN_ON_FOCUS_WITHIN`. Once: a later focus opens nothing.
    pub fn on_focus(&self, now: Instant) -> Option<OpenRun> {
        let (open, at) = self.lock().take()?;
        (now.saturating_duration_since(at) <= OPEN_ON_FOCUS_WITHIN).then_some(open)
    }

    /// The run to open for a click on the notification of `run_id`, however long ago it was
    /// shown; the focus the click brings then opens nothing more.
    pub fn on_click(&self, run_id: Option<i64>) -> OpenRun {
        self.lock().take();
        OpenRun { run_id }
    }
}

/// Tells the admin of a run's end through `notifier` when the window is not focused, and
/// remembers its run for when they come back. Returns what was shown.
pub fn announce(notifier: &impl Notifier, opens: &OpenOnReturn, end: &RunEnd, now: Instant) -> Option<Notice> {
    let notice = notice(end, notifier.window_focused())?;
    notifier.show(&notice);
    opens.remember(notice.run_id, now);
    Some(notice)
}

/// Tells the admin of `notice` through `notifier` whatever the window's focus (a schedule fired:
/// nobody in the app started it), and remembers its run for their return when the window is not
/// focused (hidden in the tray, or behind another).
pub fn announce_always(notifier: &impl Notifier, opens: &OpenOnReturn, notice: &Notice, now: Instant) {
    notifier.show(notice);
    if !notifier.window_focused() {
        opens.remember(notice.run_id, now);
    }
}

/// The app's notifier: the OS's notifications through Tauri's notification plugin, and the
/// main window's focus.
struct OsNotifier<'a, R: Runtime>(&'a AppHandle<R>);

impl<R: Runtime> Notifier for OsNotifier<'_, R> {
    fn window_focused(&self) -> bool {
        // No window, or one whose focus can't be read, is not being looked at.
        self.0.get_webview_window(MAIN_WINDOW).and_then(|w| w.is_focused().ok()).unwrap_or(false)
    }

    fn show(&self, notice: &Notice) {
        show_notification(self.0, &notice.title, &notice.body, Some(notice.run_id));
    }
}

/// Shows a notification; `run` is the run a click opens (`Some(None)`: History's list), `None`
/// for one that opens no run (a click only brings the window forward).
fn show_notification<R: Runtime>(app: &AppHandle<R>, title: &str, body: &str, run: Option<Option<i64>>) {
    let mut builder = app.notification().builder().title(title).body(body);
    if let Some(run_id) = run {
        builder = builder.extra(RUN_ID_KEY, run_id);
    }
    if let Err(error) = builder.show() {
        tracing::warn!(%error, title, "the notification could not be shown");
    }
}

/// Tells the admin something that opens no run ("Hubsync is still running in the tray").
pub fn inform<R: Runtime>(app: &AppHandle<R>, title: &str, body: &str) {
    show_notification(app, title, body, None);
}

/// Tells the admin what a schedule's firing came to, whatever the window's focus
/// (`announce_always`).
pub fn tell<R: Runtime>(app: &AppHandle<R>, notice: &Notice, now: Instant) {
    announce_always(&OsNotifier(app), &app.state::<OpenOnReturn>(), notice, now);
}

/// Tells the admin that a live run ended, when the window is not focused (see `notice`).
pub fn run_ended<R: Runtime>(app: &AppHandle<R>, end: &RunEnd) {
    if let Some(notice) = announce(&OsNotifier(app), &app.state::<OpenOnReturn>(), end, Instant::now()) {
        tracing::debug!(title = %notice.title, run_id = ?notice.run_id, "notified the end of a run");
    }
}

/// A click on one of the app's notifications: brings the window forward and opens its run, if
/// it has one.
pub fn on_notification_action<R: Runtime>(app: &AppHandle<R>, performed: &ActionPerformed) {
    if performed.action_id() != "tap" {
        return;
    }
    // A run's notification carries its id, null for a run that failed unrecorded; others none.
    let run = performed.notification().and_then(|n| n.extra().get(RUN_ID_KEY).map(|id| id.as_i64()));
    crate::show_main_window(app);
    if let Some(run_id) = run {
        let open = app.state::<OpenOnReturn>().on_click(run_id);
        emit_open_run(app, open);
    }
}

/// The main window gained the focus: opens the last notification's run if it is coming back to it.
pub fn on_main_window_focus<R: Runtime>(app: &AppHandle<R>) {
    if let Some(open) = app.state::<OpenOnReturn>().on_focus(Instant::now()) {
        emit_open_run(app, open);
    }
}

fn emit_open_run<R: Runtime>(app: &AppHandle<R>, open: OpenRun) {
    if let Err(error) = app.emit_to(MAIN_WINDOW, OPEN_RUN_EVENT, open) {
        tracing::debug!(%error, "the page could not be asked to open a run");
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use chrono::Utc;
    use hubsync_api::ErrorCode;
    use hubsync_store::{Crossing, Guardrail, HoldState, RunHold, RunMode};

    use super::*;

    fn counts(updated: u64, created: u64, archived: u64, failed: u64, pending: u64) -> RunCounts {
        RunCounts { updated, created, archived, failed, pending, ..RunCounts::default() }
    }

    fn end(kind: RunKind, counts: RunCounts, outcome: RunOutcome) -> RunEnd {
        RunEnd { kind, run_id: Some(42), counts, outcome }
    }

    fn shown(end: &RunEnd) -> (String, String) {
        let notice = notice(end, false).expect("an unfocused window gets a notice");
        assert_eq!(notice.run_id, end.run_id, "the notice opens its run");
        (notice.title, notice.body)
    }

    fn pair(title: &str, body: &str) -> (String, String) {
        (title.to_owned(), body.to_owned())
    }

    #[test]
    fn a_finished_run_says_what_it_wrote_in_plural_aware_words() {
        let push = end(RunKind::Push, counts(120, 0, 0, 3, 0), RunOutcome::Finished);
        assert_eq!(shown(&push), pair("Push finished", "120 contacts updated, 3 failed."));
        let push = end(RunKind::Push, counts(1_204, 1, 0, 0, 0), RunOutcome::Finished);
        assert_eq!(shown(&push), pair("Push finished", "1,204 contacts updated, 1 created."));
        let pull = end(RunKind::Pull, counts(0, 1, 0, 0, 0), RunOutcome::Finished);
        assert_eq!(shown(&pull), pair("Pull finished", "1 lead created."));
        let undo = end(RunKind::Undo, counts(5, 0, 2, 1, 0), RunOutcome::Finished);
        assert_eq!(shown(&undo), pair("Undo finished", "5 contacts restored, 2 archived, 1 failed."));
        let nothing = end(RunKind::Pull, RunCounts::default(), RunOutcome::Finished);
        assert_eq!(shown(&nothing), pair("Pull finished", "No leads changed."));
        let only_failed = end(RunKind::Push, counts(0, 0, 0, 1, 0), RunOutcome::Finished);
        assert_eq!(shown(&only_failed), pair("Push finished", "1 contact failed."));
    }

    #[test]
    fn a_failed_run_says_why() {
        let failed = RunEnd {
            kind: RunKind::Pull,
            run_id: None,
            counts: RunCounts::default(),
            outcome: RunOutcome::Failed { message: "HubSpot could not be reached.".into() },
        };
        let notice = notice(&failed, false).unwrap();
        assert_eq!((notice.title.as_str(), notice.body.as_str()), ("Pull failed", "HubSpot could not be reached."));
        assert_eq!(notice.run_id, None, "a run that failed unrecorded opens History's list");
    }

    #[test]
    fn a_stopped_run_says_what_is_left_and_why_and_how_to_go_on() {
        // What a run the daily reserve held is today: stopped, with the reserve's reason.
        let reason = "the portal has 90 of its 1000 API calls left today, the 10 % kept free for its other apps";
        let held = end(RunKind::Push, counts(40, 0, 0, 0, 60), RunOutcome::Stopped { reason: Some(reason.into()) });
        assert_eq!(
            shown(&held),
            pair("Push stopped", &format!("40 contacts updated, 60 left to write: {reason}. Resume it from History."))
        );
        let bare = end(RunKind::Undo, counts(0, 0, 0, 0, 1_000), RunOutcome::Stopped { reason: None });
        assert_eq!(
            shown(&bare),
            pair("Undo stopped", "No contacts changed, 1,000 left to write. Resume it from History.")
        );
    }

    #[test]
    fn a_held_run_says_nothing_was_written_what_it_crossed_and_where_to_decide() {
        let held = end(
            RunKind::Push,
            RunCounts::default(),
            RunOutcome::Held { crossed: "1,204 creates, your limit is 500".into() },
        );
        assert_eq!(
            shown(&held),
            pair(
                "Push held for approval",
                "Nothing was written: 1,204 creates, your limit is 500. Approve or refuse it in History."
            )
        );
    }

    #[test]
    fn a_focused_window_gets_no_notice_however_the_run_ended() {
        for outcome in [
            RunOutcome::Finished,
            RunOutcome::Stopped { reason: Some("cancelled in the app".into()) },
            RunOutcome::Failed { message: "no".into() },
            RunOutcome::Held { crossed: "2 archives, your limit is 0".into() },
        ] {
            let ended = end(RunKind::Push, counts(1, 0, 0, 0, 0), outcome.clone());
            assert_eq!(notice(&ended, true), None, "{outcome:?}");
            assert!(notice(&ended, false).is_some(), "{outcome:?}");
        }
    }

    fn run(status: RunStatus, stop_reason: Option<&str>) -> Run {
        Run {
            id: 7,
            kind: RunKind::Undo,
            mode: RunMode::Live,
            status,
            portal_id: Some(1),
            settings: serde_json::Value::Null,
            estimate: serde_json::Value::Null,
            api_calls: 3,
            started_at: Utc::now(),
            ended_at: Some(Utc::now()),
            stop_reason: stop_reason.map(str::to_owned),
            counts: counts(2, 0, 1, 0, 0),
            base_url: None,
            stopped_by: None,
            schedule_id: None,
            hold: None,
        }
    }

    #[test]
    fn the_commands_answer_says_how_the_run_ended() {
        let finished = RunEnd::from_answer(RunKind::Push, None, &Ok(run(RunStatus::Completed, None)));
        assert_eq!((finished.kind, finished.run_id), (RunKind::Undo, Some(7)), "the run's own kind and id");
        assert_eq!(finished.outcome, RunOutcome::Finished);
        assert_eq!(finished.counts, counts(2, 0, 1, 0, 0));
        let stopped = RunEnd::from_answer(RunKind::Undo, None, &Ok(run(RunStatus::Interrupted, Some("lost network"))));
        assert_eq!(stopped.outcome, RunOutcome::Stopped { reason: Some("lost network".into()) });
        let error = CommandError::new(ErrorCode::Internal, "The job stopped unexpectedly.");
        let failed = RunEnd::from_answer(RunKind::Pull, Some(9), &Err(error));
        assert_eq!((failed.kind, failed.run_id), (RunKind::Pull, Some(9)));
        assert_eq!(failed.outcome, RunOutcome::Failed { message: "The job stopped unexpectedly.".into() });
    }

    #[test]
    fn a_live_runs_answer_says_whether_it_ran_or_was_held_and_by_what() {
        let ran = RunEnd::from_outcome(RunKind::Push, &Ok(LiveOutcome::Ran { run: run(RunStatus::Completed, None) }));
        assert_eq!((ran.run_id, ran.outcome), (Some(7), RunOutcome::Finished));
        let hold = RunHold {
            run_id: 31,
            crossed: vec![
                Crossing { guardrail: Guardrail::Creates, planned: 1204.0, limit: 500.0 },
                Crossing { guardrail: Guardrail::OverwriteShare, planned: 27.5, limit: 20.0 },
            ],
            request: serde_json::Value::Null,
            state: HoldState::Held,
            held_at: Utc::now(),
            decided_at: None,
            approved_run_id: None,
        };
        let held = RunEnd::from_outcome(RunKind::Push, &Ok(LiveOutcome::Held { hold }));
        assert_eq!((held.kind, held.run_id, held.counts), (RunKind::Push, Some(31), RunCounts::default()));
        assert_eq!(
            held.outcome,
            RunOutcome::Held {
                crossed: "1,204 creates, your limit is 500; 27.5 % of the rows overwrite a non-empty value, your limit is 20 %"
                    .into()
            }
        );
        let refused = CommandError::new(ErrorCode::PreviewStale, "Preview again.");
        let failed = RunEnd::from_outcome(RunKind::Undo, &Err(refused));
        assert_eq!((failed.run_id, failed.outcome), (None, RunOutcome::Failed { message: "Preview again.".into() }));
    }

    /// A notifier that records what it was asked to show.
    struct Recorder {
        focused: bool,
        shown: RefCell<Vec<Notice>>,
    }

    impl Notifier for Recorder {
        fn window_focused(&self) -> bool {
            self.focused
        }
        fn show(&self, notice: &Notice) {
            self.shown.borrow_mut().push(notice.clone());
        }
    }

    #[test]
    fn a_run_ending_behind_the_admins_back_is_shown_and_opens_on_their_return() {
        let notifier = Recorder { focused: false, shown: RefCell::default() };
        let opens = OpenOnReturn::default();
        let t0 = Instant::now();
        let ended = end(RunKind::Push, counts(3, 0, 0, 0, 0), RunOutcome::Finished);
        let notice = announce(&notifier, &opens, &ended, t0).expect("shown");
        assert_eq!(*notifier.shown.borrow(), [notice]);
        assert_eq!(opens.on_focus(t0 + Duration::from_secs(30)), Some(OpenRun { run_id: Some(42) }));
        assert_eq!(opens.on_focus(t0 + Duration::from_secs(31)), None, "opened once");
    }

    #[test]
    fn a_focused_window_is_neither_notified_nor_sent_to_a_run() {
        let notifier = Recorder { focused: true, shown: RefCell::default() };
        let opens = OpenOnReturn::default();
        let t0 = Instant::now();
        let ended = end(RunKind::Pull, counts(3, 0, 0, 0, 0), RunOutcome::Failed { message: "no".into() });
        assert_eq!(announce(&notifier, &opens, &ended, t0), None);
        assert!(notifier.shown.borrow().is_empty());
        assert_eq!(opens.on_focus(t0), None);
    }

    #[test]
    fn a_schedules_notice_is_shown_even_to_a_focused_window_and_opens_its_run_only_on_a_return() {
        let notice = Notice { title: "Scheduled pull failed".into(), body: "no".into(), run_id: Some(5) };
        let t0 = Instant::now();
        let focused = Recorder { focused: true, shown: RefCell::default() };
        let opens = OpenOnReturn::default();
        announce_always(&focused, &opens, &notice, t0);
        assert_eq!(*focused.shown.borrow(), std::slice::from_ref(&notice), "nobody in the app started it: always told");
        assert_eq!(opens.on_focus(t0), None, "the admin is looking already: no run opens on a later focus");

        let hidden = Recorder { focused: false, shown: RefCell::default() };
        announce_always(&hidden, &opens, &notice, t0);
        assert_eq!(*hidden.shown.borrow(), [notice]);
        assert_eq!(opens.on_focus(t0 + Duration::from_secs(10)), Some(OpenRun { run_id: Some(5) }));
    }

    #[test]
    fn a_late_return_opens_nothing_and_a_click_opens_its_run_once() {
        let opens = OpenOnReturn::default();
        let t0 = Instant::now();
        opens.remember(Some(1), t0);
        assert_eq!(opens.on_focus(t0 + OPEN_ON_FOCUS_WITHIN + Duration::from_secs(1)), None);

        opens.remember(Some(1), t0);
        opens.remember(Some(2), t0 + Duration::from_secs(5));
        assert_eq!(opens.on_click(Some(1)), OpenRun { run_id: Some(1) }, "the clicked notification's run");
        assert_eq!(opens.on_focus(t0 + Duration::from_secs(6)), None, "the click's own focus opens nothing more");
    }
}
