//! Leads: the table's pages, a lead's detail and its contact's page in HubSpot, adding and
//! editing, the owners' refresh, the export and the CSV import: one import (`open_import`, then
//! `LeadImport::run`) that the command line runs on a file in one step and the app in two
//! (stage the file and suggest its columns, then `run_staged` with the columns as chosen).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hubsync_auth::portals::interactive;
use hubsync_store::{
    ContactLink, Field, FieldProblem, Lead, LeadCompany, LeadCompanyDomain, LeadDeal, LeadPage, LeadQuery, LeadView,
    Mapping, Store, StoreError, contact_link,
};
use hubsync_sync::csv_import::{
    ColumnMatch, ColumnOverride, ColumnPlan, CsvFile, CsvImportError, CsvLayout, Delimiter, suggest_columns,
};
pub use hubsync_sync::leads::{ImportSettings, Imported};
use hubsync_sync::leads::{PreparedImport, export_leads as write_export};
use hubsync_sync::owners::{OwnerList, keep_owners, read_owners};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{ApiError, ErrorCode};
use crate::files::{file_stamp, new_token, remove_stale, staged_path, unique_path};
use crate::sync::blocking;
use crate::workspace::Workspace;

/// Rows of a staged file the columns step shows.
const SAMPLE_ROWS: usize = 5;
/// A staged file older than this was left by an import never run (the window closed, say).
const STALE_STAGED: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);

/// One page of the lead table and the count of every match.
pub fn page(store: &Store, query: &LeadQuery) -> Result<LeadPage, ApiError> {
    Ok(store.query_leads(query)?)
}

/// Every lead with its owner, in the order they were added (a terminal lists them all; a
/// window pages with `page`).
pub fn all(store: &Store) -> Result<Vec<ListedLead>, ApiError> {
    let leads = store.leads()?;
    let mut listed = Vec::with_capacity(leads.len());
    for chunk in leads.chunks(COMPANIES_READ_AT_ONCE) {
        let ids: Vec<i64> = chunk.iter().map(|lead| lead.id).collect();
        let mut companies = store.lead_companies(&ids)?;
        for lead in chunk {
            let company = companies.remove(&lead.id).map(|found| ListedCompany {
                name: found.company.value("name").map(String::from),
                domain: found.company.domain,
            });
            listed.push(ListedLead { view: store.lead_view(lead.clone())?, company });
        }
    }
    Ok(listed)
}

/// Leads whose companies one query reads.
const COMPANIES_READ_AT_ONCE: usize = 1_000;

/// A lead as the lead list shows it: its fields and owner, and its company.
#[derive(Debug, Serialize)]
pub struct ListedLead {
    #[serde(flatten)]
    pub view: LeadView,
    /// The lead's company (pulled, found by its domain or email, or named by the admin).
    pub company: Option<ListedCompany>,
}

/// What the lead list shows of a lead's company.
#[derive(Debug, Serialize)]
pub struct ListedCompany {
    pub name: Option<String>,
    pub domain: Option<String>,
}

/// A lead as the detail panel shows it.
#[derive(Debug, Serialize, TS)]
#[ts(export)]
pub struct LeadDetail {
    pub view: LeadView,
    /// Where its contact in the active portal can be seen, when it is linked.
    pub link: Option<ContactLink>,
    /// The active portal's name, for "Contact 123 in <portal>".
    pub portal_name: Option<String>,
    /// Its company, and how it was found (its HubSpot company id is the active portal's).
    pub company: Option<LeadCompany>,
    /// The domain its company is (or would be) found by, and why; or why it has none.
    pub company_domain: LeadCompanyDomain,
    /// Its deals in the active portal, as a pull last read them: open ones first.
    pub deals: Vec<LeadDeal>,
}

pub fn detail(store: &Store, id: i64) -> Result<LeadDetail, ApiError> {
    let lead = store.lead(id)?.ok_or(StoreError::LeadNotFound(id))?;
    let portal = store.active_portal()?;
    let link = match (&portal, &lead.hubspot_id) {
        (Some(portal), Some(contact)) => Some(contact_link(portal, contact)),
        _ => None,
    };
    let company = store.lead_company(id)?;
    let company_domain = store.company_domain_for_lead(&lead)?;
    let deals = match &portal {
        Some(portal) => store.lead_deals(portal.portal_id, id)?,
        None => Vec::new(),
    };
    let view = store.lead_view(lead)?;
    Ok(LeadDetail { view, link, portal_name: portal.map(|p| p.name), company, company_domain, deals })
}

/// The lead with this email (any case) or id, as the detail panel shows it.
pub fn detail_of(store: &Store, email_or_id: &str) -> Result<LeadDetail, ApiError> {
    let found = match email_or_id.trim().parse::<i64>() {
        Ok(id) => store.lead(id)?,
        Err(_) => store.lead_by_email(email_or_id.trim())?,
    };
    match found {
        Some(lead) => detail(store, lead.id),
        None => Err(ApiError::new(ErrorCode::LeadNotFound, format!("No lead has the email or id {email_or_id}."))),
    }
}

/// The address of a linked lead's contact in HubSpot.
pub fn hubspot_page(store: &Store, id: i64) -> Result<String, ApiError> {
    match detail(store, id)?.link {
        Some(ContactLink::Hubspot { url }) => Ok(url),
        Some(ContactLink::Sandbox) => Err(ApiError::new(
            ErrorCode::NoHubspotPage,
            "The built-in sandbox portal has no HubSpot pages: its contacts live only inside Hubsync.",
        )),
        None => Err(ApiError::new(
            ErrorCode::NotLinked,
            "This lead is not linked to a contact in the active portal yet: a push or pull links it.",
        )),
    }
}

/// A lead form's outcome: the lead saved, or every problem by field (nothing saved).
#[derive(Debug, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum LeadSaved {
    Saved { lead: Lead },
    Invalid { problems: Vec<FieldProblem> },
}

/// Adds a lead (`id` none) or changes one (an empty value clears its field); the store checks
/// the email and each value by its field's type, and nothing is saved until all are right.
pub fn save(
    store: &mut Store,
    id: Option<i64>,
    email: &str,
    values: &BTreeMap<String, String>,
) -> Result<LeadSaved, ApiError> {
    let pairs: Vec<(&str, &str)> =
        values.iter().filter(|(k, _)| k.as_str() != "email").map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let problems = store.lead_form_problems(id, email, &pairs)?;
    if !problems.is_empty() {
        return Ok(LeadSaved::Invalid { problems });
    }
    let lead = match id {
        None => store.add_lead(email, &pairs),
        Some(id) => {
            let mut with_email = pairs.clone();
            with_email.push(("email", email));
            store.update_lead(id, &with_email)
        }
    }?;
    Ok(LeadSaved::Saved { lead })
}

/// Reads the active portal's owners from HubSpot and keeps them; offline, the owners as last
/// read stand, with a warning.
pub async fn refresh_owners(ws: &Workspace) -> Result<OwnerList, ApiError> {
    let (_, client) = ws.connected(interactive).await?;
    // HubSpot is asked without the store locked; the store is locked to keep the answer.
    let read = read_owners(&client).await;
    let mut store = ws.store.lock().await;
    client.record_outcome(&mut store)?;
    keep_owners(&mut store, read).map_err(|e| ApiError::from_core(e.code(), e))
}

/// A file the app saved for the admin.
#[derive(Debug, Serialize, TS)]
#[ts(export)]
pub struct SavedFile {
    pub path: String,
    #[ts(type = "number")]
    pub leads: u64,
}

/// Writes every lead to a new CSV file in `dir`.
pub fn export(store: &Store, dir: &Path) -> Result<SavedFile, ApiError> {
    write(store, &unique_path(dir, "hubsync-leads", "csv", &file_stamp()))
}

/// Writes every lead to the CSV file `path`, replacing a file there whole.
pub fn write(store: &Store, path: &Path) -> Result<SavedFile, ApiError> {
    let count = write_export(store, path)?;
    Ok(SavedFile { path: path.display().to_string(), leads: count as u64 })
}

/// A CSV file staged for import, as the columns step shows it.
#[derive(Debug, Serialize, TS)]
#[ts(export)]
pub struct ImportInspection {
    /// Names the staged file when the import runs.
    pub token: String,
    pub file_name: String,
    pub delimiter: Delimiter,
    /// Each column with the field it matched, if any.
    pub columns: Vec<ColumnMatch>,
    /// The first rows' cells, in column order.
    pub samples: Vec<Vec<String>>,
}

/// Stages `text` in `staging` under a new token and matches its columns to the workspace's
/// fields, off the async threads.
pub async fn stage_text(
    ws: &Workspace,
    staging: PathBuf,
    file_name: String,
    text: String,
) -> Result<ImportInspection, ApiError> {
    let (fields, mappings) = {
        let store = ws.store.lock().await;
        (store.fields()?, store.mappings()?)
    };
    blocking(move || stage(&staging, &fields, &mappings, file_name, &text)).await
}

/// Stages `text` in `staging` under a new token and reads its columns and first rows. A file
/// that can't be read is not kept.
pub fn stage(
    staging: &Path,
    fields: &[Field],
    mappings: &[Mapping],
    file_name: String,
    text: &str,
) -> Result<ImportInspection, ApiError> {
    remove_stale(staging, STALE_STAGED);
    let token = new_token();
    let path = staged_path(staging, &token)?;
    std::fs::write(&path, text.as_bytes()).map_err(|e| {
        ApiError::new(ErrorCode::IoError, format!("The file could not be staged in {}: {e}", staging.display()))
    })?;
    let inspected = (|| {
        let mut file = CsvFile::open(&path)?;
        let columns = suggest_columns(file.columns(), fields, mappings);
        let delimiter = file.layout().delimiter;
        Ok::<_, CsvImportError>((delimiter, columns, file.sample(SAMPLE_ROWS)?))
    })();
    let (delimiter, columns, samples) = inspected.map_err(|e| {
        let _ = std::fs::remove_file(&path);
        import_error(&file_name, e.into())
    })?;
    Ok(ImportInspection { token, file_name, delimiter, columns, samples })
}

/// The field the admin chose for a column in the columns step (`None`: not imported).
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct ColumnChoice {
    pub column: String,
    pub field: Option<String>,
}

/// How far an import is, sent now and then while it runs.
#[derive(Clone, Debug, Serialize, TS)]
#[ts(export)]
pub struct ImportProgress {
    #[ts(type = "number")]
    pub bytes_read: u64,
    #[ts(type = "number")]
    pub bytes_total: u64,
}

/// An import's outcome, with the row-error report's path when rows were skipped.
#[derive(Debug, Serialize, TS)]
#[ts(export)]
pub struct ImportReport {
    pub file_name: String,
    pub imported: Imported,
}

/// A CSV file open for import, its columns matched to fields (overrides first) and nothing read
/// past its header yet: how its columns were read can be shown before its rows are imported.
pub struct LeadImport {
    prepared: PreparedImport,
    settings: ImportSettings,
    bytes_total: u64,
}

/// Opens `path` for import into `store` with `settings` and matches its columns to fields,
/// `overrides` first. An errors file that is `path` itself is refused before the file is read:
/// the skipped rows would replace the file they come from.
pub fn open_import(
    store: &Store,
    path: &Path,
    overrides: &[ColumnOverride],
    settings: ImportSettings,
) -> Result<LeadImport, ApiError> {
    if let Some(errors) = &settings.errors_file
        && same_file(path, errors)
    {
        return Err(ApiError::new(
            ErrorCode::ErrorsFileIsInput,
            format!(
                "The errors file {} is the file being imported: the skipped rows would replace it.",
                errors.display()
            ),
        ));
    }
    let bytes_total = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let prepared = PreparedImport::open(store, path, overrides)?;
    Ok(LeadImport { prepared, settings, bytes_total })
}

/// Whether both paths name one existing file.
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

impl LeadImport {
    pub fn layout(&self) -> CsvLayout {
        self.prepared.layout()
    }

    pub fn plan(&self) -> &ColumnPlan {
        self.prepared.plan()
    }

    /// The file's size, which `ImportProgress` counts up to.
    pub fn bytes_total(&self) -> u64 {
        self.bytes_total
    }

    /// Imports every row in one transaction. Bad rows refuse the import (`invalid_rows`,
    /// nothing written) unless the settings skip them; the error keeps the core's typed error as
    /// its source, for a shell's hint. `progress` hears how far the file is read now and then.
    pub fn run(self, store: &mut Store, progress: &mut dyn FnMut(ImportProgress)) -> Result<Imported, ApiError> {
        let LeadImport { prepared, settings, bytes_total } = self;
        Ok(prepared.run(store, &settings, &mut |bytes_read| progress(ImportProgress { bytes_read, bytes_total }))?)
    }
}

/// What the columns step asked for.
pub struct ImportRequest {
    pub file_name: String,
    pub columns: Vec<ColumnChoice>,
    pub skip_bad_rows: bool,
    pub dry_run: bool,
}

/// Imports the staged file into `store`, the skipped rows' report (if any) going to `reports`.
/// Bad rows refuse the import (nothing is written) unless `skip_bad_rows`. The staged file goes
/// once imported; a dry run or a refused import keeps it for another try.
pub fn run_staged(
    store: &mut Store,
    staged: &Path,
    reports: &Path,
    request: ImportRequest,
    progress: &mut dyn FnMut(ImportProgress),
) -> Result<ImportReport, ApiError> {
    let ImportRequest { file_name, columns, skip_bad_rows, dry_run } = request;
    if !staged.exists() {
        return Err(ApiError::new(
            ErrorCode::ImportExpired,
            "The file is no longer staged (it was imported already): choose it again.",
        ));
    }
    let overrides: Vec<ColumnOverride> =
        columns.into_iter().map(|c| ColumnOverride { column: c.column, field: c.field }).collect();
    let stem = Path::new(&file_name).file_stem().and_then(|s| s.to_str()).unwrap_or("import").to_string();
    let errors_file = skip_bad_rows.then(|| unique_path(reports, &format!("{stem}-errors"), "csv", &file_stamp()));
    let settings = ImportSettings { skip_bad_rows, dry_run, errors_file };
    let import = open_import(store, staged, &overrides, settings).map_err(|e| import_error(&file_name, e))?;
    let imported = import.run(store, progress).map_err(|e| import_error(&file_name, e))?;
    if !dry_run {
        let _ = std::fs::remove_file(staged);
    }
    Ok(ImportReport { file_name, imported: Imported { file: stem, ..imported } })
}

/// A file's failure to import in words, with what to do next in the columns step; the code and
/// the typed source stay. The use case's own refusals (none applies to a staged file) keep theirs.
fn import_error(file_name: &str, error: ApiError) -> ApiError {
    let Some(cause) = std::error::Error::source(&error).and_then(|s| s.downcast_ref::<CsvImportError>()) else {
        return error;
    };
    let hint = match cause {
        CsvImportError::Store(StoreError::InvalidRows(_)) => {
            " Fix those rows in the file, or choose \"Skip bad rows\" to import the others and get the bad ones in a report."
        }
        CsvImportError::NoEmailColumn { .. } => " Choose the column that holds the email in the columns step.",
        CsvImportError::SameField { .. } => " Set all but one of them to \"Don't import\".",
        CsvImportError::AmbiguousMatch { .. } => " Choose its field in the columns step.",
        _ => "",
    };
    let message = format!("{file_name} can't be imported: {cause}.{hint}");
    error.reworded(message)
}
