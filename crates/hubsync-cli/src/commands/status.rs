//! `hubsync status`: the connection, the store's counts, the push rules, and (when connected)
//! the rate limit HubSpot reports on one cheap call; then the facts of the app's overview: how
//! the portal was last found, the leads as they stand with it, the newest runs and the setup
//! checklist.

use std::path::PathBuf;

use hubsync_api::overview::{self, ChecklistItem, Overview, PortalHealth, RecentRun, RunOutcome, SetupStep};
use hubsync_api::schedules::SchedulesSummary;
use hubsync_api::status::{self, DailyUse, StoreCounts, WorkspaceStatus};
use hubsync_auth::connection::{ScopeCheck, thousands};
use hubsync_hubspot::RateLimitSeen;
use hubsync_store::{LeadSyncCounts, Portal, PushRules, RunCounts, RunKind, RunMode};
use serde::Serialize;

use crate::commands::connect::{describe_rate_limit, describe_scope_state};
use crate::commands::portals::{describe_environment, describe_kind, describe_status};
use crate::context::{Context, TOKEN_ENV, env_token_applies};
use crate::error::CliError;
use crate::output::{count, emit, on_off, pairs};

#[derive(Debug, Serialize)]
pub struct Status {
    pub db_path: PathBuf,
    pub connection: Option<ConnectionStatus>,
    pub counts: StoreCounts,
    pub push_rules: PushRules,
    /// The live check; `None` when not connected.
    pub portal: Option<PortalCheck>,
    /// The active portal's daily API use, as HubSpot last stated it to any process.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub daily_use: Option<DailyUse>,
    /// That figure is over a day old: HubSpot's count has started again since.
    pub daily_use_outdated: bool,
    /// How the active portal was last found (after this command's check).
    pub health: Option<PortalHealth>,
    /// The leads as they stand with the active portal.
    pub leads: LeadSyncCounts,
    /// The active portal's newest runs, newest first.
    pub recent_runs: Vec<RecentRun>,
    /// The active portal's schedules: "pause all", the next run, the last outcome.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedules: Option<SchedulesSummary>,
    /// The active portal's runs a guardrail held, waiting for an approval.
    pub held_runs: Vec<i64>,
    pub checklist: Vec<ChecklistItem>,
}

#[derive(Debug, Serialize)]
pub struct ConnectionStatus {
    #[serde(flatten)]
    pub portal: Portal,
    /// Where its token comes from, in words: the keychain, the opted-into file, or
    /// `HUBSYNC_TOKEN`.
    pub token_kept_in: String,
    /// Other portals this store knows (`hubsync portals list`).
    pub other_portals: usize,
}

#[derive(Debug, Serialize)]
pub struct PortalCheck {
    pub reachable: bool,
    /// The portal the token answered for (it should be the saved one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub portal_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<RateLimitSeen>,
    /// The companies read and write and deals read scopes, as Test Connection finds them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<ScopeCheck>,
    /// Why the portal could not be reached, with this command line's hint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<CliError>,
}

pub async fn run(ctx: &Context) -> anyhow::Result<()> {
    let WorkspaceStatus { db_path, active, other_portals, counts, push_rules, check, daily_use } =
        status::status(&ctx.ws).await?;
    // After the check, which it records.
    let now = hubsync_store::Clock::now(&hubsync_store::SystemClock);
    let Overview { health, daily_use_outdated, recent_runs, leads, checklist, portal, .. } =
        overview::overview(&ctx.ws, now).await?;
    let (schedules, held_runs) = match &portal {
        Some(portal) => {
            let store = ctx.store();
            let held = store.held_runs(portal.portal_id)?.into_iter().map(|h| h.run_id).collect();
            (Some(hubsync_api::schedules::summary(&store, portal.portal_id, now)?), held)
        }
        None => (None, Vec::new()),
    };
    let status = Status {
        db_path,
        connection: active.map(|portal| {
            let token_kept_in = if env_token_applies(&portal) {
                format!("environment variable {TOKEN_ENV} (overrides the kept token)")
            } else {
                ctx.ws.credentials.store(portal.secret_store).describe()
            };
            ConnectionStatus { portal, token_kept_in, other_portals }
        }),
        counts,
        push_rules,
        portal: check.map(|c| PortalCheck {
            reachable: c.reachable,
            portal_id: c.portal_id,
            rate_limit: c.rate_limit,
            scopes: c.scopes,
            error: c.error.map(CliError::from),
        }),
        daily_use,
        daily_use_outdated,
        health,
        leads,
        recent_runs,
        schedules,
        held_runs,
        checklist,
    };
    emit(ctx.json, &status, render)
}

fn render(s: &Status) -> String {
    let mut rows = vec![("lead store", s.db_path.display().to_string())];
    match &s.connection {
        None => rows.push(("connection", "not connected (`hubsync connect --oauth`, or `--token -`)".into())),
        Some(c) => {
            let info = &c.portal;
            rows.push(("connection", format!("{} ({})", info.label(), describe_kind(info))));
            rows.push(("environment", describe_environment(info)));
            rows.push((
                "status",
                match &info.status_detail {
                    Some(detail) => format!("{}: {detail}", describe_status(info)),
                    None => describe_status(info),
                },
            ));
            let user =
                if info.user_email.is_empty() { "(none: the token belongs to an app)" } else { &info.user_email };
            rows.push(("user", user.to_string()));
            rows.push(("scopes", info.scopes.join(", ")));
            rows.push(("token kept in", c.token_kept_in.clone()));
            rows.push(("base URL", info.base_url.clone()));
            rows.push(("connected at", info.connected_at.to_rfc3339()));
            if let Some(health) = &s.health {
                rows.push(("last check", describe_check(health)));
            }
            if c.other_portals > 0 {
                rows.push(("other portals", format!("{} (`hubsync portals list`)", c.other_portals)));
            }
        }
    }
    if let Some(portal) = &s.portal {
        let live = match &portal.error {
            Some(error) => format!("could not be reached: {error}"),
            None => {
                let saved = s.connection.as_ref().map(|c| c.portal.portal_id);
                match portal.portal_id.filter(|id| Some(*id) != saved) {
                    Some(other) => format!("reachable, but the token answers for portal {other}: connect again"),
                    None => "reachable".to_string(),
                }
            }
        };
        rows.push(("portal", live));
        if let Some(seen) = &portal.rate_limit {
            rows.push(("rate limit", describe_rate_limit(seen)));
        }
        if !portal.scopes.is_empty() {
            let scopes: Vec<String> = portal
                .scopes
                .iter()
                .map(|s| format!("{} {}", s.scope, describe_scope_state(s.state).to_lowercase()))
                .collect();
            rows.push(("companies, deals", scopes.join(", ")));
        }
    }
    if let Some(daily) = &s.daily_use {
        let mut used = describe_daily_use(daily);
        if s.daily_use_outdated {
            used.push_str(" (over a day ago: HubSpot's count has started again since)");
        }
        rows.push(("today's API use", used));
    }
    let c = &s.counts;
    rows.push(("leads", describe_leads(&s.leads)));
    rows.push(("custom fields", c.custom_fields.to_string()));
    rows.push(("mapping rows", c.mappings.to_string()));
    rows.push((
        "push rules",
        format!("update {}, create {}", on_off(s.push_rules.update), on_off(s.push_rules.create)),
    ));
    if let Some(schedules) = s.schedules.as_ref().filter(|s| !s.schedules.is_empty()) {
        rows.push(("schedules", crate::commands::schedule::describe_summary(schedules)));
    }
    if !s.held_runs.is_empty() {
        let runs: Vec<String> = s.held_runs.iter().map(|id| format!("run {id}")).collect();
        rows.push(("held runs", format!("{} (`hubsync runs approve RUN` or `refuse RUN`)", runs.join(", "))));
    }
    let mut out = pairs(&rows);
    if s.connection.is_some() {
        out.push_str(&describe_runs(&s.recent_runs));
    }
    out.push_str(&describe_checklist(&s.checklist));
    out
}

/// "2026-05-01 12:00 UTC, passed", or why the portal can't be synced with.
fn describe_check(health: &PortalHealth) -> String {
    let when = match health.checked_at {
        Some(at) => at.format("%Y-%m-%d %H:%M UTC").to_string(),
        None => "never".into(),
    };
    match health.check_passed {
        Some(true) => format!("{when}, passed"),
        Some(false) => format!("{when}, failed (`hubsync test-connection` says why)"),
        None => when,
    }
}

/// "1,200 leads: 800 linked to a contact of this portal, 400 not; 37 changed here since their
/// last sync (a push would send them)".
fn describe_leads(leads: &LeadSyncCounts) -> String {
    let changed = match leads.changed_since_sync {
        0 => "none changed here since their last sync".to_string(),
        1 => "1 changed here since its last sync, or never synced (a push would send it)".to_string(),
        n => format!("{} changed here since their last sync, or never synced (a push would send them)", thousands(n)),
    };
    format!(
        "{}: {} linked to a contact of this portal, {} not; {changed}",
        count(leads.total, "lead", "leads"),
        thousands(leads.linked),
        thousands(leads.not_linked),
    )
}

/// The newest runs, a line each: `  12  push  live     completed  2026-05-01 12:00 UTC  3 updated, 1 created`.
fn describe_runs(runs: &[RecentRun]) -> String {
    if runs.is_empty() {
        return "recent runs:  none yet (`hubsync push --preview` plans a first push)\n".into();
    }
    let mut out = String::from("recent runs:\n");
    for run in runs {
        let kind = match run.kind {
            RunKind::Push => "push",
            RunKind::Pull => "pull",
            RunKind::Undo => "undo",
        };
        let mode = match run.mode {
            RunMode::Preview => "preview",
            RunMode::Live => "live",
        };
        let mut line = format!(
            "  run {:<5} {kind} {mode:<7}  {:<26}  {}",
            run.id,
            describe_outcome(run),
            run.started_at.format("%Y-%m-%d %H:%M UTC"),
        );
        let counts = describe_run_counts(run.mode, &run.counts);
        if !counts.is_empty() {
            line.push_str(&format!("  {counts}"));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn describe_outcome(run: &RecentRun) -> String {
    match run.outcome {
        RunOutcome::Planning => "being planned".into(),
        RunOutcome::Previewed => "previewed".into(),
        RunOutcome::Running => "running".into(),
        RunOutcome::Stopped => match &run.stop_reason {
            Some(why) => format!("stopped: {why}"),
            None => "stopped (resumable)".into(),
        },
        RunOutcome::Completed => "completed".into(),
        RunOutcome::CompletedWithFailures => {
            format!("completed, {}", count(run.counts.failed, "row failed", "rows failed"))
        }
    }
}

/// A preview's planned rows, a live run's written ones.
fn describe_run_counts(mode: RunMode, c: &RunCounts) -> String {
    let parts: Vec<String> = match mode {
        RunMode::Preview => [
            ("to update", c.update),
            ("to create", c.create),
            ("to archive", c.archive),
            ("skipped", c.skip),
            ("invalid", c.invalid),
        ]
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(what, n)| format!("{} {what}", thousands(n)))
        .collect(),
        RunMode::Live => [
            ("updated", c.updated),
            ("created", c.created),
            ("archived", c.archived),
            ("failed", c.failed),
            ("pending", c.pending),
        ]
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(what, n)| format!("{} {what}", thousands(n)))
        .collect(),
    };
    parts.join(", ")
}

/// The setup checklist, a line a step: `  [x] a portal connected and answering`.
fn describe_checklist(checklist: &[ChecklistItem]) -> String {
    let mut out = String::from("setup:\n");
    for item in checklist {
        let what = match item.step {
            SetupStep::PortalConnected => "a portal connected, its last check passed (`hubsync connect`)",
            SetupStep::MappingBeyondEmail => "lead fields mapped beyond the email (`hubsync mapping set`)",
            SetupStep::PushRulesDecided => {
                "push rules decided: creating contacts on or off (`hubsync rules push --create on|off`)"
            }
            SetupStep::LeadsPresent => "leads in the store (`hubsync leads import`)",
            SetupStep::FirstPreview => "a first preview (`hubsync push --preview`)",
            SetupStep::FirstLiveRun => "a first live run (`hubsync push`)",
        };
        out.push_str(&format!("  [{}] {what}\n", if item.done { "x" } else { " " }));
    }
    out
}

/// "1,234 of 250,000 calls (0.5 %), 10 % kept free for the portal's other apps; as of 14:02 UTC".
fn describe_daily_use(daily: &DailyUse) -> String {
    let share = daily.used as f64 * 100.0 / daily.limit.max(1) as f64;
    format!(
        "{} of {} calls ({share:.1} %), {} % kept free for the portal's other apps; as HubSpot said at {}",
        thousands(daily.used),
        thousands(daily.limit),
        daily.reserve_percent,
        daily.seen_at.format("%Y-%m-%d %H:%M UTC")
    )
}
