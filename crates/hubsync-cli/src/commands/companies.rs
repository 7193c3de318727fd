//! `hubsync companies mapping list | set | remove`, `companies fields list | add | remove`,
//! `companies rules [--associate on|off] [--create on|off] [--domain-field FIELD |
//! --no-domain-field] [--keep]`, `companies free-mail list | add | remove | check`.

use hubsync_api::companies::{
    self, CompanyMappingRow, CompanyMappingSaved, CompanyRules, FreeMailCheck, FreeMailReason, FreeMailRemoved,
};
use hubsync_auth::connection::ScopeCheck;
use hubsync_store::{CompanyMapping, Field, FreeMailOverride};
use serde::Serialize;

use crate::cli::{
    CompaniesCommand, CompanyFieldsCommand, CompanyMappingCommand, CompanyMappingSetArgs, CompanyRulesArgs,
    FieldAddArgs, FreeMailCommand,
};
use crate::commands::fields::table as fields_table;
use crate::context::Context;
use crate::output::{Table, emit, on_off, pairs, warn};

pub async fn run(ctx: &mut Context, command: CompaniesCommand) -> anyhow::Result<()> {
    match command {
        CompaniesCommand::Mapping(command) => mapping(ctx, command).await,
        CompaniesCommand::Fields(command) => fields(ctx, command).await,
        CompaniesCommand::Rules(args) => rules(ctx, args).await,
        CompaniesCommand::FreeMail(command) => free_mail(ctx, command).await,
    }
}

// ---- the company mapping ----

/// `companies mapping list --json`: the rows, each with what the portal refuses about it.
#[derive(Debug, Serialize)]
pub struct CompanyMappingList {
    pub rows: Vec<CompanyMappingRow>,
    /// Whether the rows were checked against the connected portal's company properties.
    pub checked_in_hubspot: bool,
    /// Why they could not be (not connected, unreachable, the companies scope lacking).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct CompanyMappingRemoved {
    pub removed: String,
}

async fn mapping(ctx: &mut Context, command: CompanyMappingCommand) -> anyhow::Result<()> {
    match command {
        CompanyMappingCommand::List => {
            let view = companies::company_mapping(&ctx.ws).await?;
            let warning = view.unavailable.map(|why| format!("the rows were not checked in HubSpot: {why}"));
            if let Some(warning) = &warning {
                warn(ctx.json, warning);
            }
            let list = CompanyMappingList { rows: view.rows, checked_in_hubspot: warning.is_none(), warning };
            emit(ctx.json, &list, |l| mapping_table(&l.rows))
        }
        CompanyMappingCommand::Set(args) => set(ctx, args).await,
        CompanyMappingCommand::Remove(args) => {
            companies::remove_company_mapping(&ctx.ws, args.property.clone()).await?;
            emit(ctx.json, &CompanyMappingRemoved { removed: args.property }, |r| {
                format!("The company property {} is no longer filled by a push.", r.removed)
            })
        }
    }
}

async fn set(ctx: &mut Context, args: CompanyMappingSetArgs) -> anyhow::Result<()> {
    // The application layer's one check, the app's too: when the portal answers, the property
    // must exist and take writes; offline the row is saved with a warning saying why.
    let CompanyMappingSetArgs { property, field, from, rule } = args;
    let saved = companies::set_company_mapping(&ctx.ws, property, from.into(), field, rule.map(Into::into)).await?;
    for warning in saved.warning.iter().chain(saved.row.fit.as_ref().map(|f| &f.reason)) {
        warn(ctx.json, warning);
    }
    emit(ctx.json, &saved, |s: &CompanyMappingSaved| format!("{}.", describe_row(&s.row.mapping)))
}

/// `name ← company field name (overwrite)`.
fn describe_row(m: &CompanyMapping) -> String {
    format!("{} ← {} field {} ({})", m.property, m.source.as_str(), m.field_key, m.write_rule.as_str())
}

fn mapping_table(rows: &[CompanyMappingRow]) -> String {
    let mut table = Table::new(&["HUBSPOT PROPERTY", "FROM", "FIELD", "RULE", "PROBLEM"]);
    for row in rows {
        let m = &row.mapping;
        let problem = match (&row.problem, &row.fit, row.locked) {
            (Some(problem), _, _) => problem.message.clone(),
            (None, Some(fit), _) => fit.reason.clone(),
            (None, None, true) => "locked: companies are matched by their domain".into(),
            (None, None, false) => String::new(),
        };
        table.row_ending_in_reason(vec![
            m.property.clone(),
            m.source.as_str().into(),
            m.field_key.clone(),
            m.write_rule.as_str().into(),
            problem,
        ]);
    }
    table.render()
}

// ---- company fields ----

#[derive(Debug, Serialize)]
pub struct CompanyFieldList {
    pub fields: Vec<Field>,
}

#[derive(Debug, Serialize)]
pub struct CompanyFieldAdded {
    pub field: Field,
}

#[derive(Debug, Serialize)]
pub struct CompanyFieldRemoved {
    pub removed: String,
}

async fn fields(ctx: &mut Context, command: CompanyFieldsCommand) -> anyhow::Result<()> {
    match command {
        CompanyFieldsCommand::List => {
            let list = CompanyFieldList { fields: companies::list_company_fields(&ctx.ws).await? };
            emit(ctx.json, &list, |l| fields_table(&l.fields))
        }
        CompanyFieldsCommand::Add(FieldAddArgs { name, kind, options, label }) => {
            let field = companies::add_company_field(&ctx.ws, name, label, kind, options).await?;
            emit(ctx.json, &CompanyFieldAdded { field }, |added| {
                format!(
                    "Added the company field {}.\n{}",
                    added.field.key,
                    fields_table(std::slice::from_ref(&added.field))
                )
            })
        }
        CompanyFieldsCommand::Remove(args) => {
            companies::remove_company_field(&ctx.ws, args.name.clone()).await?;
            emit(ctx.json, &CompanyFieldRemoved { removed: args.name }, |r| {
                format!("Removed the company field {}, its values and the mapping rows it filled.", r.removed)
            })
        }
    }
}

// ---- the company rules ----

/// `companies rules --json`: the rules and, after a change, what the portal lacks for them.
#[derive(Debug, Serialize)]
pub struct CompanyRulesReport {
    #[serde(flatten)]
    pub rules: CompanyRules,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing_scopes: Vec<ScopeCheck>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

async fn rules(ctx: &mut Context, args: CompanyRulesArgs) -> anyhow::Result<()> {
    let CompanyRulesArgs { associate, create, domain_field, no_domain_field, keep } = args;
    if domain_field.is_some() || no_domain_field {
        companies::set_company_domain_field(&ctx.ws, domain_field).await?;
    }
    let report = if associate.is_some() || create.is_some() || keep {
        let saved = companies::set_company_rules(&ctx.ws, associate.map(Into::into), create.map(Into::into)).await?;
        if let Some(warning) = &saved.warning {
            warn(ctx.json, warning);
        }
        CompanyRulesReport { rules: saved.rules, missing_scopes: saved.missing_scopes, warning: saved.warning }
    } else {
        CompanyRulesReport {
            rules: companies::company_rules(&ctx.ws).await?,
            missing_scopes: Vec::new(),
            warning: None,
        }
    };
    emit(ctx.json, &report, |r| render_rules(&r.rules))
}

fn render_rules(rules: &CompanyRules) -> String {
    pairs(&[
        ("associate", format!("{} (associate each lead's contact with its company)", on_off(rules.associate))),
        ("create", format!("{} (create a company HubSpot lacks)", on_off(rules.create))),
        (
            "domain field",
            match &rules.domain_field {
                Some(field) => format!("{field} (its value names the company's domain, else the email's domain)"),
                None => "none (the email's domain names the company)".into(),
            },
        ),
        (
            "decided",
            match rules.decided_at {
                Some(at) => at.format("%Y-%m-%d %H:%M UTC").to_string(),
                None => "not yet (`hubsync companies rules --keep` keeps them as they are)".into(),
            },
        ),
    ])
}

// ---- free-mail domains ----

#[derive(Debug, Serialize)]
pub struct FreeMailList {
    pub overrides: Vec<FreeMailOverride>,
}

async fn free_mail(ctx: &mut Context, command: FreeMailCommand) -> anyhow::Result<()> {
    match command {
        FreeMailCommand::List => {
            let list = FreeMailList { overrides: companies::free_mail_overrides(&ctx.ws).await? };
            emit(ctx.json, &list, |l| {
                if l.overrides.is_empty() {
                    return "No changes to the maintained free-mail list.".into();
                }
                let mut table = Table::new(&["DOMAIN", "FREE-MAIL"]);
                for o in &l.overrides {
                    table.row(vec![o.domain.clone(), if o.free { "yes (added)" } else { "no (taken off)" }.into()]);
                }
                table.render()
            })
        }
        FreeMailCommand::Add(args) => {
            let saved = companies::set_free_mail_override(&ctx.ws, args.domain, !args.not_free).await?;
            emit(ctx.json, &saved, |o| {
                if o.free {
                    format!("{} (and its subdomains) counts as free-mail: it names no company.", o.domain)
                } else {
                    format!("{} is no longer free-mail: it names a company.", o.domain)
                }
            })
        }
        FreeMailCommand::Remove(args) => {
            let removed = companies::remove_free_mail_override(&ctx.ws, args.domain).await?;
            emit(ctx.json, &removed, |r: &FreeMailRemoved| {
                if r.removed {
                    format!("{} is left to the maintained list again.", r.domain)
                } else {
                    format!("{} had no change of yours; nothing changed.", r.domain)
                }
            })
        }
        FreeMailCommand::Check(args) => {
            let check = companies::check_free_mail(&ctx.ws, args.domain).await?;
            emit(ctx.json, &check, describe_check)
        }
    }
}

fn describe_check(c: &FreeMailCheck) -> String {
    let why = match c.reason {
        FreeMailReason::Added => "you added it",
        FreeMailReason::TakenOff => "you took it off the maintained list",
        FreeMailReason::OverrideAbove => "your change to a domain it is under",
        FreeMailReason::Listed => "the maintained list has it",
        FreeMailReason::NotListed => "the maintained list doesn't have it",
    };
    if c.free {
        format!("{} is free-mail ({why}): it names no company.", c.domain)
    } else {
        format!("{} is not free-mail ({why}): it can name a company.", c.domain)
    }
}
