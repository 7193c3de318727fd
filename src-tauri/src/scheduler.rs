//! The app's scheduler: once the workspace is open, it fires the active portal's due schedules at
//! once (a schedule missed while the app was closed fires once, at its next start) and then every
//! `TICK`, whether the window is shown, minimised or hidden in the tray. Firing is the application
//! layer's (`hubsync_api::schedules::run_due`: each slot fires once across processes, as this
//! process's job, and waits while another run of its portal is under way); this loop reads the
//! clock, and tells the admin (`firing_notice`), the page (`schedule-fired`) and the tray.

use std::time::{Duration, Instant};

use chrono::Utc;
use hubsync_api::Workspace;
use hubsync_api::schedules::{self, Firing};
use hubsync_api::words::capitalized;
use hubsync_store::{Crossing, ScheduleOutcome, ScheduleScope};
use tauri::{AppHandle, Emitter, Runtime};

use crate::notices::{self, Notice};
use crate::tray;

/// The event that tells the page a schedule fired (payload: the `Firing`), so an open screen
/// can read again.
pub const SCHEDULE_FIRED_EVENT: &str = "schedule-fired";

/// How often the scheduler looks for due schedules: a slot fires at most this late.
pub const TICK: Duration = Duration::from_secs(15);

/// What a scheduled push or pull is, in a notification's title: "push of changed leads".
fn scope_noun(scope: ScheduleScope) -> &'static str {
    match scope {
        ScheduleScope::AllLeads => "push of all leads",
        ScheduleScope::ChangedLeads => "push of changed leads",
        ScheduleScope::PullRules => "pull",
    }
}

/// What to tell the admin of a firing: nothing unless the firing says they are told (failed,
/// held and stopped runs always; a completed one when its schedule asks), else what schedule and
/// what came of it. `crossed` is what a held run crossed, when it could be read: the notice then
/// names the limits rather than repeating the firing's sentence.
pub fn firing_notice(firing: &Firing, crossed: Option<&[Crossing]>) -> Option<Notice> {
    if !firing.notify {
        return None;
    }
    let outcome = match firing.outcome {
        ScheduleOutcome::Completed => "completed",
        ScheduleOutcome::Held => "held",
        ScheduleOutcome::Stopped => "stopped",
        ScheduleOutcome::Failed => "failed",
        ScheduleOutcome::Waited => "waited",
    };
    let title = format!("Scheduled {} {outcome}", scope_noun(firing.scope));
    let mut body = match (firing.outcome, crossed) {
        (ScheduleOutcome::Held, Some(crossed)) if !crossed.is_empty() => format!(
            "{}. Nothing was written: approve or refuse it in History.",
            capitalized(&hubsync_api::guardrails::words(crossed))
        ),
        _ => firing.message.trim().to_owned(),
    };
    if firing.missed > 0 {
        body.push_str(&format!(" It was due {} times since it last ran, and ran once.", firing.missed + 1));
    }
    Some(Notice { title, body, run_id: firing.run_id })
}

/// Fires due schedules now and every `TICK` after, for as long as the app runs. Ticks missed
/// while a firing ran (a sync can take minutes) are not made up: the next look comes a `TICK`
/// after the last one ended, and `run_due` fires whatever fell due meanwhile once.
pub async fn run<R: Runtime>(app: AppHandle<R>, workspace: &Workspace) {
    let mut ticks = tokio::time::interval(TICK);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tracing::info!(every_s = TICK.as_secs(), "the scheduler started");
    loop {
        ticks.tick().await;
        // The system clock is read at this edge: `run_due` takes `now` as given.
        match schedules::run_due(workspace, Utc::now()).await {
            Ok(firings) => {
                for firing in &firings {
                    tell(&app, workspace, firing).await;
                }
            }
            Err(error) => tracing::warn!(%error, "could not look for due schedules"),
        }
        tray::show_schedules(&app, workspace).await;
    }
}

/// Tells the page, the log and (when the firing says so) the admin what a firing came to.
async fn tell<R: Runtime>(app: &AppHandle<R>, workspace: &Workspace, firing: &Firing) {
    let crossed = match (firing.outcome, firing.run_id) {
        (ScheduleOutcome::Held, Some(run_id)) => match workspace.store.lock().await.run_hold(run_id) {
            Ok(hold) => hold.map(|hold| hold.crossed),
            Err(error) => {
                tracing::warn!(%error, run_id, "could not read what the held run crossed");
                None
            }
        },
        _ => None,
    };
    let notice = firing_notice(firing, crossed.as_deref());
    tracing::info!(
        schedule_id = firing.schedule_id,
        scope = firing.scope.as_str(),
        outcome = firing.outcome.as_str(),
        run_id = firing.run_id,
        detail = firing.detail.as_deref(),
        notified = notice.is_some(),
        message = %firing.message,
        "scheduled firing"
    );
    if let Some(notice) = notice {
        tracing::debug!(title = %notice.title, body = %notice.body, "notifying a schedule's firing");
        notices::tell(app, &notice, Instant::now());
    }
    if let Err(error) = app.emit(SCHEDULE_FIRED_EVENT, firing) {
        tracing::debug!(%error, "the page could not be told of a schedule's firing");
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};
    use hubsync_store::Guardrail;

    use super::*;

    fn firing(scope: ScheduleScope, outcome: ScheduleOutcome, message: &str, notify: bool) -> Firing {
        Firing {
            schedule_id: 3,
            scope,
            slot: DateTime::<Utc>::from_timestamp(1_750_000_000, 0).unwrap(),
            missed: 0,
            outcome,
            run_id: Some(12),
            detail: None,
            message: message.into(),
            notify,
        }
    }

    /// Checks that the admin is told `title` and `body` of `firing`, the notice opening its run.
    fn assert_told(firing: &Firing, crossed: Option<&[Crossing]>, title: &str, body: &str) {
        let notice = firing_notice(firing, crossed).expect("the firing says the admin is told");
        assert_eq!((notice.title.as_str(), notice.body.as_str()), (title, body));
        assert_eq!(notice.run_id, firing.run_id, "the notice opens the firing's run");
    }

    #[test]
    fn a_held_run_names_the_limits_it_crossed_and_sends_the_admin_to_history() {
        let held = firing(
            ScheduleScope::ChangedLeads,
            ScheduleOutcome::Held,
            "Held, nothing written: 1,204 creates, your limit is 500. Approve or refuse run 12 in History.",
            true,
        );
        let crossed = [
            Crossing { guardrail: Guardrail::Creates, planned: 1_204.0, limit: 500.0 },
            Crossing { guardrail: Guardrail::Archives, planned: 30.0, limit: 10.0 },
        ];
        let title = "Scheduled push of changed leads held";
        assert_told(
            &held,
            Some(&crossed),
            title,
            "1,204 creates, your limit is 500; 30 archives, your limit is 10. Nothing was written: approve or refuse \
             it in History.",
        );
        // The hold could not be read, or crossed nothing: the firing's own sentence says it.
        assert_told(&held, None, title, &held.message);
        assert_told(&held, Some(&[]), title, &held.message);
    }

    #[test]
    fn a_failed_or_stopped_run_says_why_with_the_schedule_it_belongs_to() {
        let failed = Firing {
            run_id: None,
            ..firing(ScheduleScope::PullRules, ScheduleOutcome::Failed, "HubSpot could not be reached.", true)
        };
        // A failure before any run: the notice opens History's list.
        assert_told(&failed, None, "Scheduled pull failed", "HubSpot could not be reached.");
        let stopped = firing(
            ScheduleScope::AllLeads,
            ScheduleOutcome::Stopped,
            "Run 12 stopped with rows still to write: 12 % of the rows written failed. Resume it from History.",
            true,
        );
        assert_told(&stopped, None, "Scheduled push of all leads stopped", &stopped.message);
    }

    #[test]
    fn a_completed_run_is_told_only_when_its_schedule_asks() {
        let message = "Run 12 completed: 3 updated, 1 created, 0 failed.";
        let asked = firing(ScheduleScope::ChangedLeads, ScheduleOutcome::Completed, message, true);
        assert_told(&asked, None, "Scheduled push of changed leads completed", message);
        let quiet = firing(ScheduleScope::ChangedLeads, ScheduleOutcome::Completed, message, false);
        assert_eq!(firing_notice(&quiet, None), None);
        let waited = firing(ScheduleScope::PullRules, ScheduleOutcome::Waited, "Waited for its next slot.", false);
        assert_eq!(firing_notice(&waited, None), None, "a slot let pass is not told");
    }

    #[test]
    fn a_firing_that_stands_for_missed_slots_says_so() {
        let caught_up = Firing {
            missed: 3,
            ..firing(ScheduleScope::PullRules, ScheduleOutcome::Failed, "The token was refused.", true)
        };
        assert_told(
            &caught_up,
            None,
            "Scheduled pull failed",
            "The token was refused. It was due 4 times since it last ran, and ran once.",
        );
    }
}
