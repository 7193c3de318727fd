//! `hubsync leads add | list | show | import | export`.

use std::collections::BTreeMap;
use std::path::Path;

use hubsync_api::ErrorCode;
use hubsync_api::leads::{self, ImportSettings, Imported, LeadDetail, LeadSaved, ListedLead, open_import};
use hubsync_store::{
    CompanySource, Field, FieldProblem, Lead, LeadCompanyDomain, LeadDeal, LeadView, OwnerView, RowError, StoreError,
};
use hubsync_sync::csv_import::{
    ColumnMatch, ColumnOverride, ColumnPlan, CsvImportError, CsvLayout, MatchedBy, errors_path, name,
};
use serde::Serialize;

use crate::cli::{ImportArgs, LeadAddArgs, LeadsCommand};
use crate::context::Context;
use crate::error::CliError;
use crate::output::{Table, emit, pairs, progress, warn};

/// Files at least this big get a progress bar while they are imported (on a terminal).
const PROGRESS_FROM_BYTES: u64 = 1 << 20;

#[derive(Debug, Serialize)]
pub struct LeadAdded {
    pub lead: Lead,
}

#[derive(Debug, Serialize)]
pub struct LeadList {
    pub leads: Vec<ListedLead>,
}

pub fn run(ctx: &mut Context, command: LeadsCommand) -> anyhow::Result<()> {
    match command {
        LeadsCommand::Add(args) => add(ctx, args),
        LeadsCommand::List => {
            let leads = leads::all(&ctx.store())?;
            emit(ctx.json, &LeadList { leads }, |l| table(&l.leads))
        }
        LeadsCommand::Show(args) => {
            let (detail, fields) = {
                let store = ctx.store();
                (leads::detail_of(&store, &args.lead)?, store.fields()?)
            };
            emit(ctx.json, &detail, |d| render_detail(d, &fields))
        }
        LeadsCommand::Import(args) => import(ctx, args),
        LeadsCommand::Export(args) => export(ctx, &args.file),
    }
}

fn add(ctx: &mut Context, args: LeadAddArgs) -> anyhow::Result<()> {
    let mut values = BTreeMap::new();
    for pair in &args.set {
        let (field, value) = split_assignment(pair)?;
        values.insert(field.to_string(), value.to_string());
    }
    let lead = match leads::save(&mut ctx.store(), None, &args.email, &values)? {
        LeadSaved::Saved { lead } => lead,
        LeadSaved::Invalid { problems } => return Err(refused(&problems).into()),
    };
    // A lead just added has no company yet: a push or a pull finds it.
    let shown = [ListedLead { view: leads::detail(&ctx.store(), lead.id)?.view, company: None }];
    emit(ctx.json, &LeadAdded { lead }, |added| format!("Added lead {}.\n{}", added.lead.id, table(&shown)))
}

/// Every problem with the lead, each naming its field, under the first one's code.
fn refused(problems: &[FieldProblem]) -> CliError {
    let line = |p: &FieldProblem| match p.code {
        // The store words a bad value by its reason alone: a form shows it under its field.
        "invalid_value" => format!("{}: {}", p.field, p.message),
        _ => p.message.clone(),
    };
    let code = problems.first().map_or("invalid_value", |p| p.code);
    let message = match problems {
        [one] => line(one),
        many => format!(
            "{} values need fixing; nothing was added:\n{}",
            many.len(),
            many.iter().map(|p| format!("  {}", line(p))).collect::<Vec<_>>().join("\n")
        ),
    };
    let error = CliError::new(code, message);
    if problems.iter().any(|p| p.code == "unknown_field") {
        return error.with_hint("`hubsync fields list` shows the fields");
    }
    error
}

/// `field=value`, split at the first `=`.
fn split_assignment(pair: &str) -> Result<(&str, &str), CliError> {
    match pair.split_once('=') {
        Some((field, value)) if !field.trim().is_empty() => Ok((field.trim(), value)),
        _ => Err(CliError::usage(format!("--set {pair:?}: expected FIELD=VALUE, e.g. --set first_name=Ada"))),
    }
}

/// Fields the lead table shows beside id, email and HubSpot id; `--json` has every one.
const TABLE_FIELDS: [(&str, &str); 3] =
    [("first_name", "FIRST NAME"), ("last_name", "LAST NAME"), ("company", "COMPANY")];

fn table(leads: &[ListedLead]) -> String {
    let mut header = vec!["ID", "EMAIL", "HUBSPOT ID"];
    header.extend(TABLE_FIELDS.iter().map(|(_, title)| *title));
    header.extend(["COMPANY DOMAIN", "OWNER"]);
    let mut table = Table::new(&header);
    for ListedLead { view: LeadView { lead, owner }, company } in leads {
        let mut row = vec![lead.id.to_string(), lead.email.clone(), lead.hubspot_id.clone().unwrap_or_default()];
        row.extend(TABLE_FIELDS.iter().map(|(key, _)| lead.value(key).unwrap_or_default().to_string()));
        row.push(company.as_ref().and_then(|c| c.domain.clone()).unwrap_or_default());
        row.push(describe_owner(owner.as_ref()));
        table.row(row);
    }
    table.render()
}

/// `Ada Lovelace <ada@example.com> (deactivated)`; empty without an owner.
fn describe_owner(owner: Option<&OwnerView>) -> String {
    match owner {
        None => String::new(),
        Some(OwnerView { email, name, active }) => {
            let who = name.as_ref().map_or_else(|| email.clone(), |n| format!("{n} <{email}>"));
            match active {
                Some(true) => who,
                Some(false) => format!("{who} (deactivated)"),
                None => format!("{who} (not an owner)"),
            }
        }
    }
}

/// A lead's fields, contact and owner, then its company and its deals.
fn render_detail(detail: &LeadDetail, fields: &[Field]) -> String {
    let lead = &detail.view.lead;
    let portal = detail.portal_name.as_deref().map(|name| format!(" in {name}")).unwrap_or_default();
    let mut rows = vec![
        ("id", lead.id.to_string()),
        ("email", lead.email.clone()),
        (
            "contact",
            match &lead.hubspot_id {
                Some(id) => format!("{id}{portal}"),
                None => "not linked (a push or pull links it)".into(),
            },
        ),
        (
            "owner",
            match detail.view.owner.as_ref() {
                Some(owner) => describe_owner(Some(owner)),
                None => "none".into(),
            },
        ),
    ];
    for field in fields.iter().filter(|f| f.key != "email") {
        rows.push((field.label.as_str(), lead.value(&field.key).unwrap_or("-").to_string()));
    }
    let mut out = pairs(&rows);
    match &detail.company {
        Some(found) => {
            let company = &found.company;
            let hubspot = company.hubspot_id.clone().map_or_else(|| "not linked".into(), |id| format!("{id}{portal}"));
            out.push_str("company:\n");
            let mut company_rows = vec![
                ("name", company.value("name").unwrap_or("-").to_string()),
                ("domain", company.domain.clone().unwrap_or_else(|| "-".into())),
                ("HubSpot company", hubspot),
                ("found", describe_source(found.source).into()),
            ];
            // The company's other fields, as a pull or the admin set them.
            company_rows.extend(
                company.values.iter().filter(|(key, _)| key.as_str() != "name").map(|(k, v)| (k.as_str(), v.clone())),
            );
            for line in pairs(&company_rows).lines() {
                out.push_str(&format!("  {line}\n"));
            }
        }
        None => out.push_str(&format!("company: {}\n", describe_domain(&detail.company_domain))),
    }
    if detail.deals.is_empty() {
        out.push_str("deals: none read (a pull reads a linked lead's deals)\n");
    } else {
        out.push_str("deals:\n");
        for line in deals_table(&detail.deals).lines() {
            out.push_str(&format!("  {line}\n"));
        }
    }
    out
}

fn describe_source(source: CompanySource) -> &'static str {
    match source {
        CompanySource::Domain => "by the domain field's value",
        CompanySource::Email => "by the email's domain",
        CompanySource::Pull => "as its contact's primary company in HubSpot",
        CompanySource::Manual => "chosen by hand",
    }
}

/// Why a lead has no company, or the domain it would be found by.
fn describe_domain(domain: &LeadCompanyDomain) -> String {
    match domain {
        LeadCompanyDomain::DomainField { domain } => {
            format!("none yet; its domain field's {domain} would name it")
        }
        LeadCompanyDomain::Email { domain } => {
            format!("none yet; its email's domain {domain} would name it")
        }
        LeadCompanyDomain::FreeMail { domain } => {
            format!("none: {domain} is free-mail and names no company (`hubsync companies free-mail check {domain}`)")
        }
        LeadCompanyDomain::InvalidDomain { field } => {
            format!("none: the domain field {field} holds no domain, and the email names none either")
        }
        LeadCompanyDomain::NoDomain => "none: neither the domain field nor the email names a domain".into(),
    }
}

fn deals_table(deals: &[LeadDeal]) -> String {
    let mut table = Table::new(&["DEAL", "NAME", "PIPELINE", "STAGE", "AMOUNT", "CLOSE DATE", "STATE"]);
    for LeadDeal { deal, .. } in deals {
        let amount = match (&deal.amount, &deal.currency) {
            (Some(amount), Some(currency)) => format!("{amount} {currency}"),
            (Some(amount), None) => amount.clone(),
            (None, _) => "-".into(),
        };
        let state = match (deal.closed, deal.won) {
            (false, _) => "open",
            (true, Some(true)) => "won",
            (true, Some(false)) => "lost",
            (true, None) => "closed",
        };
        table.row(vec![
            deal.deal_id.clone(),
            deal.name.clone().unwrap_or_else(|| "-".into()),
            deal.pipeline_label.clone().or_else(|| deal.pipeline_id.clone()).unwrap_or_else(|| "-".into()),
            // A stage the pipelines no longer have is shown by its id.
            deal.stage_label.clone().or_else(|| deal.stage_id.clone()).unwrap_or_else(|| "-".into()),
            amount,
            deal.close_date.map_or_else(|| "-".into(), |d| d.format("%Y-%m-%d").to_string()),
            state.into(),
        ]);
    }
    table.render()
}

#[derive(Debug, Serialize)]
pub struct Exported {
    pub file: String,
    pub leads: usize,
}

fn export(ctx: &Context, path: &Path) -> anyhow::Result<()> {
    let saved = leads::write(&ctx.store(), path)?;
    let exported = Exported { file: saved.path, leads: saved.leads as usize };
    emit(ctx.json, &exported, |e| format!("Exported {} leads to {}.", e.leads, e.file))
}

fn import(ctx: &mut Context, args: ImportArgs) -> anyhow::Result<()> {
    let path = args.file.as_path();
    let cannot = || format!("cannot import {}", path.display());
    let overrides = args.map.iter().map(|pair| parse_override(pair)).collect::<Result<Vec<_>, _>>()?;
    let errors_file = args.skip_bad_rows.then(|| args.errors.clone().unwrap_or_else(|| errors_path(path)));
    let settings =
        ImportSettings { skip_bad_rows: args.skip_bad_rows, dry_run: args.dry_run, errors_file: errors_file.clone() };

    let import = match open_import(&ctx.store(), path, &overrides, settings) {
        Ok(import) => import,
        // Only `--errors` can name the input (the default is beside it), so the flag is wrong.
        Err(error) if error.code == ErrorCode::ErrorsFileIsInput => {
            let errors = errors_file.as_deref().unwrap_or(path);
            return Err(CliError::usage(format!(
                "--errors {} is the file being imported; the skipped rows would replace it",
                errors.display()
            ))
            .into());
        }
        Err(error) => return Err(anyhow::Error::new(error).context(cannot())),
    };
    if !ctx.json {
        // Before the rows, so a failed import still shows how its columns were read.
        crate::output::print_line(columns_table(path, import.layout(), import.plan()).trim_end())?;
    }
    let size = import.bytes_total();
    let bar = if size >= PROGRESS_FROM_BYTES { progress(ctx.json, size, "importing") } else { None };
    let outcome = import.run(&mut ctx.store(), &mut |read| {
        if let Some(bar) = &bar {
            bar.set_position(read.bytes_read);
        }
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let imported = match outcome {
        Ok(imported) => imported,
        Err(error) => {
            let cause = std::error::Error::source(&error).and_then(|s| s.downcast_ref::<CsvImportError>());
            return Err(match cause {
                Some(CsvImportError::Store(StoreError::InvalidRows(rows))) => {
                    invalid_rows(path, rows.clone(), args.dry_run).into()
                }
                Some(CsvImportError::SkippedRowsFile { .. }) => CliError::from(error).into(),
                _ => anyhow::Error::new(error).context(cannot()),
            });
        }
    };
    if let Some(kept) = &imported.kept_foreign_errors_file {
        warn(ctx.json, &format!("{kept} is not an errors file Hubsync wrote, so it was left as it is"));
    }
    emit(ctx.json, &imported, |i| import_report(i, args.skip_bad_rows))
}

/// `COLUMN=FIELD`, split at the last `=` (field keys have none; a header might).
fn parse_override(pair: &str) -> Result<ColumnOverride, CliError> {
    match pair.rsplit_once('=') {
        Some((column, field)) if !column.trim().is_empty() => Ok(ColumnOverride {
            column: column.trim().to_string(),
            field: Some(field.trim()).filter(|f| !f.is_empty()).map(String::from),
        }),
        _ => Err(CliError::usage(format!(
            "--map {pair:?}: expected COLUMN=FIELD, e.g. --map \"E-mail address=email\" (or COLUMN= to ignore it)"
        ))),
    }
}

fn invalid_rows(path: &Path, rows: Vec<RowError>, dry_run: bool) -> CliError {
    let error = CliError::from(StoreError::InvalidRows(rows));
    let hint = if dry_run {
        "fix those rows, or add --skip-bad-rows to see what the others would do"
    } else {
        "fix those rows, or add --skip-bad-rows to import the others and get the bad ones in an errors file"
    };
    CliError { message: format!("cannot import {}: {}", path.display(), error.message), ..error }.with_hint(hint)
}

fn columns_table(path: &Path, layout: CsvLayout, plan: &ColumnPlan) -> String {
    let mut table = Table::new(&["COLUMN", "FIELD", "MATCHED BY"]);
    for ColumnMatch { column, field, matched_by } in &plan.columns {
        let how = match (field, matched_by) {
            (None, MatchedBy::Override) => "ignored (--map)".to_string(),
            (None, _) => "ignored: no field matched".to_string(),
            (Some(_), how) => how.as_str().to_string(),
        };
        let column = if column.is_empty() { name(column) } else { column.clone() };
        table.row(vec![column, field.clone().unwrap_or_else(|| "-".into()), how]);
    }
    let mut out =
        format!("Columns of {} ({} separated):\n{}", path.display(), layout.delimiter.as_str(), table.render());
    let unmatched: Vec<String> =
        plan.ignored().filter(|c| c.matched_by == MatchedBy::Unmatched).map(|c| name(&c.column)).collect();
    if !unmatched.is_empty() {
        out.push_str(&format!(
            "Not imported: {} (--map \"COLUMN=FIELD\" sends a column to a field)\n",
            unmatched.join(", ")
        ));
    }
    out
}

fn import_report(i: &Imported, skip_bad_rows: bool) -> String {
    let rows = |n: usize, what: &str| format!("{n} {what} {}", if n == 1 { "row" } else { "rows" });
    let mut out = if i.dry_run {
        format!("Dry run of {}, nothing was written: it would add {} and update {} leads.", i.file, i.added, i.updated)
    } else {
        format!("Imported {}: {} added, {} updated.", i.file, i.added, i.updated)
    };
    if i.blank > 0 {
        out.push_str(&format!(" {} passed over.", rows(i.blank, "blank")));
    }
    if !i.skipped.is_empty() {
        let verb = if i.dry_run { "would be skipped" } else { "skipped" };
        let whereto = i.errors_file.as_ref().map(|f| format!(", written to {f}")).unwrap_or_default();
        out.push_str(&format!("\n{} {verb}{whereto}:\n{}", rows(i.skipped.len(), "bad"), RowError::list(&i.skipped)));
    } else if skip_bad_rows && !i.dry_run {
        out.push_str(" No bad rows, so no errors file was written");
        match &i.removed_errors_file {
            Some(old) => out.push_str(&format!("; the old {old} was removed.")),
            None => out.push('.'),
        }
    }
    out
}
