//! `hubsync schedule list | add | remove | pause | resume | run-due | systemd`: the active
//! portal's scheduled pushes and pulls, and firing what is due from cron or a systemd timer.

use chrono::{DateTime, Local, Utc};
use hubsync_api::schedules::{self, CadenceSpec, Firing, NewSchedule, ScheduleView, SchedulesSummary};
use hubsync_store::{ScheduleOutcome, ScheduleScope};
use serde::Serialize;

use crate::cli::{ScheduleAddArgs, ScheduleCommand, SystemdArgs};
use crate::context::Context;
use crate::error::{CliError, ExitWith, codes};
use crate::output::{Table, emit, print_line};

pub async fn run(ctx: &mut Context, command: ScheduleCommand) -> anyhow::Result<()> {
    // The schedule's arithmetic takes the instant it reasons about: read here, at the edge.
    let now = Utc::now();
    match command {
        ScheduleCommand::List => {
            let summary = schedules::active_summary(&ctx.store(), now)?;
            emit(ctx.json, &summary, |s| list_text(s, now))
        }
        ScheduleCommand::Add(args) => {
            let new = new_schedule(&args)?;
            let added = schedules::add(&mut ctx.store(), &new, now)?;
            emit(ctx.json, &added, |s| {
                format!("Schedule {} added: {}, {}; next run {}.", s.id, what(s.scope), when(s), next(s, now))
            })
        }
        ScheduleCommand::Remove(args) => {
            schedules::remove(&mut ctx.store(), args.id)?;
            emit(ctx.json, &serde_json::json!({ "removed": args.id }), |_| {
                format!("Schedule {} removed; the runs it started stay in the history.", args.id)
            })
        }
        ScheduleCommand::Pause(args) if args.all => pause_all(ctx, true, now),
        ScheduleCommand::Resume(args) if args.all => pause_all(ctx, false, now),
        ScheduleCommand::Pause(args) => pause(ctx, args.id, true, now),
        ScheduleCommand::Resume(args) => pause(ctx, args.id, false, now),
        ScheduleCommand::RunDue => run_due(ctx, now).await,
        ScheduleCommand::Systemd(args) => systemd(ctx, &args),
    }
}

fn pause_all(ctx: &mut Context, paused: bool, now: DateTime<Utc>) -> anyhow::Result<()> {
    let summary = schedules::set_all_paused(&mut ctx.store(), paused, now)?;
    emit(ctx.json, &summary, |s| {
        if s.paused_all {
            "Every schedule of the portal is paused.".into()
        } else {
            format!("Schedules fire again; next run {}.", s.next_run.map_or("none".into(), local))
        }
    })
}

fn pause(ctx: &mut Context, id: Option<i64>, paused: bool, now: DateTime<Utc>) -> anyhow::Result<()> {
    let id = id.ok_or_else(|| CliError::usage("name a schedule, or pass --all"))?;
    let view = schedules::set_paused(&mut ctx.store(), id, paused, now)?;
    emit(ctx.json, &view, |s| {
        if s.paused {
            format!("Schedule {} paused.", s.id)
        } else {
            format!("Schedule {} fires again; next run {}.", s.id, next(s, now))
        }
    })
}

/// The schedule `add`'s flags describe.
fn new_schedule(args: &ScheduleAddArgs) -> Result<NewSchedule, CliError> {
    let scope = if args.push_all {
        ScheduleScope::AllLeads
    } else if args.push_changed {
        ScheduleScope::ChangedLeads
    } else {
        ScheduleScope::PullRules
    };
    let cadence = match (&args.every, &args.daily, &args.weekdays) {
        (Some(every), _, _) => CadenceSpec::Every { minutes: interval_minutes(every)? },
        (_, Some(at), _) => CadenceSpec::Daily { at: at.clone() },
        (_, _, Some(at)) => CadenceSpec::Weekdays { at: at.clone() },
        _ => return Err(CliError::usage("say when: --every, --daily or --weekdays")),
    };
    let zone = args.zone.clone().unwrap_or_else(|| iana_time_zone::get_timezone().unwrap_or_else(|_| "UTC".into()));
    Ok(NewSchedule { scope, cadence, zone, notify_success: args.notify_success })
}

/// `15m`, `2h`, `1h30m` or `90` (minutes) as minutes.
pub fn interval_minutes(raw: &str) -> Result<u32, CliError> {
    let bad = || CliError::usage(format!("{raw:?} is not an interval: write 15m, 2h, 1h30m or a number of minutes"));
    let text = raw.trim().to_ascii_lowercase();
    if let Ok(minutes) = text.parse::<u32>() {
        return Ok(minutes);
    }
    let mut minutes: u64 = 0;
    let mut digits = String::new();
    let mut seen_unit = false;
    for c in text.chars() {
        match c {
            '0'..='9' => digits.push(c),
            'h' | 'm' if !digits.is_empty() => {
                let n: u64 = digits.parse().map_err(|_| bad())?;
                minutes = minutes.saturating_add(if c == 'h' { n.saturating_mul(60) } else { n });
                digits.clear();
                seen_unit = true;
            }
            _ => return Err(bad()),
        }
    }
    if !digits.is_empty() || !seen_unit {
        return Err(bad());
    }
    Ok(u32::try_from(minutes).unwrap_or(u32::MAX))
}

fn what(scope: ScheduleScope) -> &'static str {
    match scope {
        ScheduleScope::AllLeads => "push every lead",
        ScheduleScope::ChangedLeads => "push the leads changed since their last push",
        ScheduleScope::PullRules => "pull by the pull rules",
    }
}

fn when(schedule: &ScheduleView) -> String {
    match &schedule.cadence {
        CadenceSpec::Every { minutes } if minutes % 60 == 0 => format!("every {} h", minutes / 60),
        CadenceSpec::Every { minutes } => format!("every {minutes} min"),
        CadenceSpec::Daily { at } => format!("daily at {at} ({})", schedule.zone),
        CadenceSpec::Weekdays { at } => format!("weekdays at {at} ({})", schedule.zone),
    }
}

fn local(at: DateTime<Utc>) -> String {
    at.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string()
}

fn next(schedule: &ScheduleView, now: DateTime<Utc>) -> String {
    match schedule.next_run {
        None => "none (paused)".into(),
        Some(at) if at <= now => "now (due)".into(),
        Some(at) => local(at),
    }
}

/// What a firing came to, in words: its outcome and what it says of it.
fn outcome_words(outcome: ScheduleOutcome, run_id: Option<i64>, detail: Option<&str>) -> String {
    let run = run_id.map(|id| format!(" (run {id})")).unwrap_or_default();
    match outcome {
        ScheduleOutcome::Completed if detail == Some("nothing-to-write") => "completed: nothing to write".into(),
        ScheduleOutcome::Completed => format!("completed{run}"),
        ScheduleOutcome::Held => format!("held for approval{run}"),
        ScheduleOutcome::Stopped => format!("stopped with rows to write{run}"),
        ScheduleOutcome::Failed => format!("failed: {}", detail.unwrap_or("error")),
        ScheduleOutcome::Waited => format!("waited: {}", waited_words(detail)),
    }
}

fn waited_words(detail: Option<&str>) -> String {
    match detail {
        Some("job") => "another sync was running in the same process".into(),
        Some("portal-not-active") => "its portal was not the active one".into(),
        Some(other) => match other.split_once('-') {
            Some(("run", id)) => format!("run {id} was under way"),
            Some(("schedule", id)) => format!("schedule {id} was running"),
            _ => other.to_string(),
        },
        None => "another run was under way".into(),
    }
}

fn list_text(summary: &SchedulesSummary, now: DateTime<Utc>) -> String {
    if summary.schedules.is_empty() {
        return "No schedules: `hubsync schedule add --push-changed --every 15m` adds one.".into();
    }
    let mut table = Table::new(&["ID", "WHAT", "WHEN", "STATE", "NEXT RUN", "LAST OUTCOME"]);
    for s in &summary.schedules {
        let state = if s.paused || summary.paused_all { "paused" } else { "active" };
        let last = s.last.as_ref().map_or_else(
            || "-".to_string(),
            |l| format!("{}, {}", outcome_words(l.outcome, l.run_id, l.detail.as_deref()), local(l.ended_at)),
        );
        table.row(vec![s.id.to_string(), what(s.scope).into(), when(s), state.into(), next(s, now), last]);
    }
    let mut out = table.render();
    if summary.paused_all {
        out.push_str("\nEvery schedule is paused (`hubsync schedule resume --all`).");
    }
    out
}

/// A portal's schedules in a line, as `status` shows them: how many, paused or the next run, and
/// the last outcome.
pub fn describe_summary(summary: &SchedulesSummary) -> String {
    let count = summary.schedules.len();
    let mut text = format!("{count} schedule{}", if count == 1 { "" } else { "s" });
    if summary.paused_all {
        text.push_str(", all paused");
    } else if let Some(next) = summary.next_run {
        let schedule = summary.schedules.iter().find(|s| Some(s.id) == summary.next_schedule_id);
        let what = schedule.map_or("", |s| what(s.scope));
        text.push_str(&format!(", next: {what} at {}", local(next)));
    }
    if let Some(last) = &summary.last {
        text.push_str(&format!("; last: {}", outcome_words(last.outcome, last.run_id, last.detail.as_deref())));
    }
    text
}

/// `run-due --json`.
#[derive(Debug, Serialize)]
struct RunDueReport {
    firings: Vec<Firing>,
}

/// Fires what is due and prints each firing; exits 1 when one failed, 3 when one was held.
async fn run_due(ctx: &mut Context, now: DateTime<Utc>) -> anyhow::Result<()> {
    let firings = schedules::run_due(&ctx.ws, now).await?;
    let report = RunDueReport { firings };
    emit(ctx.json, &report, |r| {
        if r.firings.is_empty() {
            return "Nothing was due.".into();
        }
        r.firings
            .iter()
            .map(|f| {
                let missed = if f.missed > 0 { format!(" (covering {} missed)", f.missed) } else { String::new() };
                format!(
                    "Schedule {}, slot {}{missed}: {} {}",
                    f.schedule_id,
                    local(f.slot),
                    outcome_words(f.outcome, f.run_id, f.detail.as_deref()),
                    f.message
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    })?;
    // Every firing is printed above; the exit status sums them up for cron and systemd.
    if report.firings.iter().any(|f| f.outcome == ScheduleOutcome::Failed) {
        return Err(ExitWith(1).into());
    }
    if report.firings.iter().any(|f| f.outcome == ScheduleOutcome::Held) {
        return Err(ExitWith(codes_exit_held()).into());
    }
    Ok(())
}

/// A held run's exit status, as a live run's command has it.
fn codes_exit_held() -> u8 {
    CliError::new(codes::HELD_BY_GUARDRAIL, String::new()).exit_status()
}

/// The user units that run `run-due` every minute with this store and this binary.
fn units(ctx: &Context) -> anyhow::Result<(String, String)> {
    let binary = std::env::current_exe()?;
    let db = std::path::absolute(ctx.db_path())?;
    let quote = |path: &std::path::Path| {
        let text = path.display().to_string();
        // systemd splits ExecStart on spaces unless quoted; a quote or backslash in a path is escaped.
        format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
    };
    let service = format!(
        "[Unit]\nDescription=Hubsync: fire the scheduled syncs that are due\n\n[Service]\nType=oneshot\nExecStart={} --db {} schedule run-due\n# A held or failed firing exits non-zero; its outcome is in the schedule and the history.\nSuccessExitStatus=3\n",
        quote(&binary),
        quote(&db)
    );
    let timer = "[Unit]\nDescription=Hubsync: look for due scheduled syncs every minute\n\n[Timer]\nOnCalendar=*-*-* *:*:00\n# A minute missed while the computer slept fires once when it wakes.\nPersistent=true\nAccuracySec=5s\n\n[Install]\nWantedBy=timers.target\n".to_string();
    Ok((service, timer))
}

fn systemd(ctx: &Context, args: &SystemdArgs) -> anyhow::Result<()> {
    let (service, timer) = units(ctx)?;
    let Some(dir) = &args.dir else {
        let report = serde_json::json!({ "service": service, "timer": timer });
        return emit(ctx.json, &report, |_| {
            format!("# hubsync-schedule.service\n{service}\n# hubsync-schedule.timer\n{timer}")
        });
    };
    std::fs::create_dir_all(dir).map_err(|e| CliError::new(codes::IO, format!("can't make {}: {e}", dir.display())))?;
    let mut written = Vec::new();
    for (name, text) in [("hubsync-schedule.service", &service), ("hubsync-schedule.timer", &timer)] {
        let path = dir.join(name);
        std::fs::write(&path, text)
            .map_err(|e| CliError::new(codes::IO, format!("can't write {}: {e}", path.display())))?;
        written.push(path.display().to_string());
    }
    if ctx.json {
        return print_line(&serde_json::to_string_pretty(&serde_json::json!({ "written": written }))?);
    }
    print_line(&format!(
        "Wrote {}.\nThen: systemctl --user daemon-reload && systemctl --user enable --now hubsync-schedule.timer",
        written.join(" and ")
    ))
}
