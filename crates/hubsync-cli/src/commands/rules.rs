//! `hubsync rules push [--update on|off] [--create on|off]`.

use hubsync_store::PushRules;

use crate::cli::RulesCommand;
use crate::context::Context;
use crate::output::{emit, on_off, pairs};

pub fn run(ctx: &mut Context, command: RulesCommand) -> anyhow::Result<()> {
    let RulesCommand::Push(args) = command;
    let rules = if args.update.is_none() && args.create.is_none() {
        ctx.store.push_rules()?
    } else {
        ctx.store.set_push_rules(args.update.map(Into::into), args.create.map(Into::into))?
    };
    emit(ctx.json, &rules, render)
}

fn render(rules: &PushRules) -> String {
    pairs(&[
        ("update", format!("{} (change the contact a lead matches)", on_off(rules.update))),
        ("create", format!("{} (add a contact when none matches)", on_off(rules.create))),
    ])
}
