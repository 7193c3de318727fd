//! `hubsync leads add | list | import`.

use std::collections::HashSet;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use hubsync_store::{ImportOptions, Lead, LeadRow, RowError, Store, StoreError, SystemClock};
use serde::Serialize;

use crate::cli::{LeadAddArgs, LeadsCommand};
use crate::context::Context;
use crate::error::{CliError, codes};
use crate::files::replace_file;
use crate::output::{Table, emit, progress};
use hubsync_sync::files::spreadsheet_safe;

/// Files at least this big get a progress bar while they are read (on a terminal).
const PROGRESS_FROM_BYTES: u64 = 1 << 20;

#[derive(Debug, Serialize)]
pub struct LeadAdded {
    pub lead: Lead,
}

#[derive(Debug, Serialize)]
pub struct LeadList {
    pub leads: Vec<LeadView>,
}

/// A lead with its owner as last read from HubSpot (by the `owner_email` field).
#[derive(Debug, Serialize)]
pub struct LeadView {
    #[serde(flatten)]
    pub lead: Lead,
    pub owner: Option<OwnerView>,
}

#[derive(Debug, Serialize)]
pub struct OwnerView {
    pub email: String,
    /// `None` when the email is no owner the portal has (as last read).
    pub name: Option<String>,
    pub active: Option<bool>,
}

fn view(store: &Store, lead: Lead) -> Result<LeadView, StoreError> {
    let owner = match lead.value("owner_email") {
        None => None,
        Some(email) => {
            let known = store.owner_by_email(email)?;
            Some(OwnerView {
                email: email.to_string(),
                name: known.as_ref().and_then(|o| o.name()).or_else(|| lead.value("owner_name").map(String::from)),
                active: known.map(|o| o.active),
            })
        }
    };
    Ok(LeadView { lead, owner })
}

#[derive(Debug, Serialize)]
pub struct Imported {
    pub file: String,
    pub rows: usize,
    pub added: usize,
    pub updated: usize,
}

pub fn run(ctx: &mut Context, command: LeadsCommand) -> anyhow::Result<()> {
    match command {
        LeadsCommand::Add(args) => add(ctx, args),
        LeadsCommand::List => {
            let leads = ctx.store.leads()?.into_iter().map(|l| view(&ctx.store, l)).collect::<Result<_, _>>()?;
            emit(ctx.json, &LeadList { leads }, |l| table(&l.leads))
        }
        LeadsCommand::Import(args) => import(ctx, &args.file),
        LeadsCommand::Export(args) => export(ctx, &args.file),
    }
}

fn add(ctx: &mut Context, args: LeadAddArgs) -> anyhow::Result<()> {
    let values = args.set.iter().map(|pair| split_assignment(pair)).collect::<Result<Vec<_>, _>>()?;
    let lead = ctx.store.add_lead(&args.email, &values)?;
    let shown = [view(&ctx.store, lead.clone())?];
    emit(ctx.json, &LeadAdded { lead }, |added| format!("Added lead {}.\n{}", added.lead.id, table(&shown)))
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

fn table(leads: &[LeadView]) -> String {
    let mut header = vec!["ID", "EMAIL", "HUBSPOT ID"];
    header.extend(TABLE_FIELDS.iter().map(|(_, title)| *title));
    header.push("OWNER");
    let mut table = Table::new(&header);
    for LeadView { lead, owner } in leads {
        let mut row = vec![lead.id.to_string(), lead.email.clone(), lead.hubspot_id.clone().unwrap_or_default()];
        row.extend(TABLE_FIELDS.iter().map(|(key, _)| lead.value(key).unwrap_or_default().to_string()));
        row.push(match owner {
            None => String::new(),
            Some(OwnerView { email, name, active }) => {
                let who = name.as_ref().map_or_else(|| email.clone(), |n| format!("{n} <{email}>"));
                match active {
                    Some(true) => who,
                    Some(false) => format!("{who} (deactivated)"),
                    None => format!("{who} (not an owner)"),
                }
            }
        });
        table.row(row);
    }
    table.render()
}

#[derive(Debug, Serialize)]
pub struct Exported {
    pub file: String,
    pub leads: usize,
}

fn export(ctx: &Context, path: &Path) -> anyhow::Result<()> {
    let fields = ctx.store.fields()?;
    let leads = ctx.store.leads()?;
    replace_file(path, |temp| {
        let mut out = csv::Writer::from_path(temp)?;
        // Field keys only, so `leads import` reads the file back.
        let mut header = vec!["email"];
        header.extend(fields.iter().filter(|f| f.key != "email").map(|f| f.key.as_str()));
        out.write_record(&header)?;
        for lead in &leads {
            let mut row = vec![spreadsheet_safe(&lead.email)];
            row.extend(
                fields.iter().filter(|f| f.key != "email").map(|f| spreadsheet_safe(lead.value(&f.key).unwrap_or(""))),
            );
            out.write_record(row.iter().map(|c| c.as_ref()))?;
        }
        Ok(out.flush()?)
    })
    .with_context(|| format!("cannot write {}", path.display()))?;
    let exported = Exported { file: path.display().to_string(), leads: leads.len() };
    emit(ctx.json, &exported, |e| format!("Exported {} leads to {}.", e.leads, e.file))
}

fn import(ctx: &mut Context, path: &Path) -> anyhow::Result<()> {
    let rows = read_csv(ctx, path).with_context(|| format!("cannot import {}", path.display()))?;
    let summary = ctx
        .store
        .import_leads(&rows, ImportOptions::default())
        .with_context(|| format!("cannot import {}", path.display()))?;
    let imported =
        Imported { file: path.display().to_string(), rows: rows.len(), added: summary.added, updated: summary.updated };
    emit(ctx.json, &imported, |i| format!("Imported {}: {} added, {} updated.", i.file, i.added, i.updated))
}

/// Reads every row of the file. A header that can't be used fails at once; rows that can't be
/// read (not UTF-8, a different number of cells) are collected with the store's verdict on the
/// others, so every bad row is reported together and nothing is written.
fn read_csv(ctx: &Context, path: &Path) -> anyhow::Result<Vec<LeadRow>> {
    let file = File::open(path)?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = if size >= PROGRESS_FROM_BYTES { progress(ctx.json, size, "reading") } else { None };
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(BufReader::new(file));
    let columns: Vec<String> = reader.headers()?.iter().map(|h| h.trim().to_ascii_lowercase()).collect();
    let email_column = check_columns(&ctx.store, &columns)?;

    let mut rows = Vec::new();
    let mut unreadable = Vec::new();
    let mut record = csv::StringRecord::new();
    // The header is row 1, as a spreadsheet numbers it.
    let mut row = 1;
    loop {
        let read = reader.read_record(&mut record);
        row += 1;
        match read {
            Ok(false) => break,
            Ok(true) if record.len() != columns.len() => unreadable.push(RowError {
                row,
                message: format!("has {} cells; the header has {}", record.len(), columns.len()),
            }),
            Ok(true) => rows.push(LeadRow {
                row,
                email: record[email_column].to_string(),
                values: columns
                    .iter()
                    .zip(record.iter())
                    .enumerate()
                    .filter(|(i, (_, cell))| *i != email_column && !cell.trim().is_empty())
                    .map(|(_, (column, cell))| (column.clone(), cell.to_string()))
                    .collect(),
            }),
            Err(error) if matches!(error.kind(), csv::ErrorKind::Utf8 { .. }) => {
                unreadable.push(RowError { row, message: "is not UTF-8 text: save the file as UTF-8".into() })
            }
            Err(error) => return Err(error.into()),
        }
        if let Some(bar) = &bar {
            bar.set_position(reader.position().byte());
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if unreadable.is_empty() {
        return Ok(rows);
    }
    let mut errors = unreadable;
    errors.extend(check_rows(&ctx.store, &rows)?);
    errors.sort_by_key(|e| e.row);
    Err(StoreError::InvalidRows(errors).into())
}

/// Checks the header: column names are field keys, each once, `email` among them. Returns the
/// email column's index.
fn check_columns(store: &Store, columns: &[String]) -> anyhow::Result<usize> {
    let invalid = |message: String| CliError::new(codes::INVALID_CSV, message);
    if columns.iter().all(String::is_empty) {
        return Err(
            invalid("the file is empty: its first row must name the columns (email, first_name, …)".into()).into()
        );
    }
    let known: HashSet<String> = store.fields()?.into_iter().map(|f| f.key).collect();
    let unknown: Vec<&str> = columns.iter().filter(|c| !known.contains(*c)).map(String::as_str).collect();
    if !unknown.is_empty() {
        let names = unknown.iter().map(|c| format!("{c:?}")).collect::<Vec<_>>().join(", ");
        return Err(invalid(format!("the header names columns that are not lead fields: {names}"))
            .with_hint("`hubsync fields list` shows the field keys; `hubsync fields add` adds one")
            .into());
    }
    let mut seen = HashSet::new();
    if let Some(twice) = columns.iter().find(|c| !seen.insert(c.as_str())) {
        return Err(invalid(format!("the column {twice:?} appears twice in the header")).into());
    }
    columns
        .iter()
        .position(|c| c == "email")
        .ok_or_else(|| invalid("the header has no email column; every lead needs one".into()).into())
}

/// The store's verdict on rows, without writing them: an in-memory store with the same fields
/// imports them. Used only when some rows could not even be read, so that every bad row is
/// still reported at once.
fn check_rows(store: &Store, rows: &[LeadRow]) -> anyhow::Result<Vec<RowError>> {
    let mut scratch = Store::open_in_memory(Arc::new(SystemClock))?;
    for field in store.fields()?.into_iter().filter(|f| !f.builtin) {
        scratch.add_field(&field.key, Some(&field.label), field.kind, &field.options)?;
    }
    match scratch.import_leads(rows, ImportOptions::default()) {
        Ok(_) => Ok(Vec::new()),
        Err(StoreError::InvalidRows(errors)) => Ok(errors),
        Err(error) => Err(error.into()),
    }
}
