//! `hubsync guardrails [--max-creates N|none] [--max-overwrites N|P%|none]… [--max-archives N|none]
//! [--max-failed-share P|none]`: the active portal's limits, shown or changed; and what every live
//! run's command shares about them: its own limits over the saved ones, the hold, and the words.

use hubsync_api::{Plan, PlanRequest};
use hubsync_store::{Crossing, Guardrails, RunHold};

use crate::cli::GuardrailFlags;
use crate::context::Context;
use crate::error::{CliError, codes};
use crate::output::{emit, pairs, warn};

pub async fn run(ctx: &mut Context, flags: GuardrailFlags) -> anyhow::Result<()> {
    let limits = if flags.is_empty() {
        hubsync_api::guardrails::get(&ctx.store())?
    } else {
        let wanted = flags.over(&hubsync_api::guardrails::get(&ctx.store())?);
        hubsync_api::guardrails::set(&mut ctx.store(), &wanted)?
    };
    emit(ctx.json, &limits, render)
}

fn render(limits: &Guardrails) -> String {
    let count = |n: Option<u64>| n.map_or_else(|| "no limit".to_string(), |n| n.to_string());
    let share = |p: Option<f64>| p.map_or_else(|| "no limit".to_string(), |p| format!("{p} %"));
    let mut out = pairs(&[
        ("max creates", count(limits.max_creates)),
        ("max overwrites", count(limits.max_overwrites)),
        ("max overwrite share", share(limits.max_overwrite_percent)),
        ("max archives", count(limits.max_archives)),
        ("max failed share", share(limits.max_failed_percent)),
    ]);
    out.push_str(
        "\nA live run whose plan goes past a limit writes nothing and is held (`hubsync runs approve RUN` runs it once);\na run whose failed rows go past the failed share stops itself, resumable.",
    );
    out
}

/// The limits a run goes by: the saved ones with the run's flags over them.
pub fn limits_for(ctx: &Context, flags: &GuardrailFlags) -> anyhow::Result<Guardrails> {
    let limits = flags.over(&ctx.store().guardrails()?);
    let problems = limits.problems();
    if !problems.is_empty() {
        return Err(CliError::usage(problems.join("; ")).into());
    }
    Ok(limits)
}

/// Holds `plan` when it crosses `limits`: the `held_by_guardrail` error (exit status 3), naming
/// the held run. Nothing is written either way.
pub fn hold_if_crossed(ctx: &Context, plan: &Plan, request: &PlanRequest, limits: &Guardrails) -> anyhow::Result<()> {
    match hubsync_api::guardrails::hold_if_crossed(&mut ctx.store(), plan, request, limits)? {
        Some(hold) => Err(held(&hold).into()),
        None => Ok(()),
    }
}

/// The error a held run ends its command with.
pub fn held(hold: &RunHold) -> CliError {
    CliError::new(
        codes::HELD_BY_GUARDRAIL,
        format!(
            "run {} was held by a guardrail, and nothing was written: {}",
            hold.run_id,
            hubsync_api::guardrails::words(&hold.crossed)
        ),
    )
    .with_hint(format!(
        "`hubsync runs show {0}` shows its plan; `hubsync runs approve {0}` runs it once, `hubsync runs refuse {0}` drops it; or raise the limits (`hubsync guardrails`, or --max-creates and the like for one run)",
        hold.run_id
    ))
    .with_run(hold.run_id)
}

/// What a preview crosses, said on stderr: its live run would be held.
pub fn warn_crossed(json: bool, crossed: &[Crossing]) {
    if !crossed.is_empty() {
        warn(json, &format!("a live run of this plan would be held: {}", hubsync_api::guardrails::words(crossed)));
    }
}

/// What preview `run_id` crosses of `limits`.
pub fn crossed(ctx: &Context, run_id: i64, limits: &Guardrails) -> anyhow::Result<Vec<Crossing>> {
    Ok(limits.crossed_by(&ctx.store().plan_figures(run_id)?))
}
