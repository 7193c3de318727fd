//! The Leads screen's commands: the table's pages, a lead's detail, adding and editing leads,
//! the owners' refresh, the export and the two-step CSV import. Each one calls the store or the
//! core (`hubsync_sync::leads`, `hubsync_sync::owners`), as the command line does. Exports and
//! imports run on a blocking thread with their own store connection, so the window and the other
//! commands go on meanwhile.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use hubsync_auth::portals::{interactive, usable};
use hubsync_store::{
    ContactLink, ExistingFolder, Field, FieldProblem, Lead, LeadPage, LeadQuery, LeadView, Mapping, Store, StoreError,
    SystemClock, contact_link, create_private_dir,
};
use hubsync_sync::csv_import::{ColumnMatch, ColumnOverride, CsvFile, CsvImportError, Delimiter, suggest_columns};
use hubsync_sync::leads::{ImportSettings, Imported, PreparedImport, export_leads as write_export};
use hubsync_sync::owners::{OwnerList, keep_owners, read_owners};
use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State};
use ts_rs::TS;

use super::{active, store_error};
use crate::error::CommandError;
use crate::workspace::{AppWorkspace, DB_FILE_NAME};

/// Rows of a staged file the columns step shows.
const SAMPLE_ROWS: usize = 5;
/// A staged file older than this was left by an import never run (the window closed, say).
const STALE_STAGED: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);

/// One page of the lead table and the count of every match.
#[tauri::command]
pub async fn leads_page(workspace: State<'_, AppWorkspace>, query: LeadQuery) -> Result<LeadPage, CommandError> {
    workspace.get()?.store.lock().await.query_leads(&query).map_err(store_error)
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
}

#[tauri::command]
pub async fn lead_detail(workspace: State<'_, AppWorkspace>, id: i64) -> Result<LeadDetail, CommandError> {
    let store = workspace.get()?.store.lock().await;
    detail(&store, id)
}

fn detail(store: &Store, id: i64) -> Result<LeadDetail, CommandError> {
    let lead = store.lead(id).map_err(store_error)?.ok_or_else(|| store_error(StoreError::LeadNotFound(id)))?;
    let portal = store.active_portal().map_err(store_error)?;
    let link = match (&portal, &lead.hubspot_id) {
        (Some(portal), Some(contact)) => Some(contact_link(portal, contact)),
        _ => None,
    };
    let view = store.lead_view(lead).map_err(store_error)?;
    Ok(LeadDetail { view, link, portal_name: portal.map(|p| p.name) })
}

/// Opens a linked lead's contact in HubSpot in the system browser (the page never navigates).
#[tauri::command]
pub async fn open_lead_in_hubspot(workspace: State<'_, AppWorkspace>, id: i64) -> Result<String, CommandError> {
    let found = detail(&*workspace.get()?.store.lock().await, id)?;
    let url = match found.link {
        Some(ContactLink::Hubspot { url }) => url,
        Some(ContactLink::Sandbox) => {
            return Err(CommandError::new(
                "no_hubspot_page",
                "The built-in sandbox portal has no HubSpot pages: its contacts live only inside Hubsync.",
            ));
        }
        None => {
            return Err(CommandError::new(
                "not_linked",
                "This lead is not linked to a contact in the active portal yet: a push or pull links it.",
            ));
        }
    };
    open::that_detached(&url).map_err(|e| {
        CommandError::new("open_failed", format!("The browser could not be opened ({e}); the address is {url}"))
    })?;
    Ok(url)
}

/// A lead form's outcome: the lead saved, or every problem by field (nothing saved).
#[derive(Debug, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum LeadSaved {
    Saved { lead: Lead },
    Invalid { problems: Vec<FieldProblem> },
}

/// Adds a lead; the store checks the email and each value by its field's type.
#[tauri::command]
pub async fn add_lead(
    workspace: State<'_, AppWorkspace>,
    email: String,
    values: BTreeMap<String, String>,
) -> Result<LeadSaved, CommandError> {
    let mut store = workspace.get()?.store.lock().await;
    save(&mut store, None, &email, &values)
}

/// Changes a lead's email and values (an empty value clears its field).
#[tauri::command]
pub async fn update_lead(
    workspace: State<'_, AppWorkspace>,
    id: i64,
    email: String,
    values: BTreeMap<String, String>,
) -> Result<LeadSaved, CommandError> {
    let mut store = workspace.get()?.store.lock().await;
    save(&mut store, Some(id), &email, &values)
}

fn save(
    store: &mut Store,
    id: Option<i64>,
    email: &str,
    values: &BTreeMap<String, String>,
) -> Result<LeadSaved, CommandError> {
    let pairs: Vec<(&str, &str)> =
        values.iter().filter(|(k, _)| k.as_str() != "email").map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let problems = store.lead_form_problems(id, email, &pairs).map_err(store_error)?;
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
    }
    .map_err(store_error)?;
    Ok(LeadSaved::Saved { lead })
}

/// Reads the active portal's owners from HubSpot and keeps them; offline, the owners as last
/// read stand, with a warning.
#[tauri::command]
pub async fn refresh_owners(workspace: State<'_, AppWorkspace>) -> Result<OwnerList, CommandError> {
    let ws = workspace.get()?;
    let portal = active(ws).await?;
    usable(&portal)?;
    let client = ws.client_for(portal, interactive)?;
    // HubSpot is asked without the store locked; the store is locked to keep the answer.
    let read = read_owners(&client).await;
    let mut store = ws.store.lock().await;
    client.record_outcome(&mut store).map_err(store_error)?;
    keep_owners(&mut store, read).map_err(|e| CommandError::new(e.code(), e.to_string()))
}

/// A file the app saved for the admin.
#[derive(Debug, Serialize, TS)]
#[ts(export)]
pub struct SavedFile {
    pub path: String,
    #[ts(type = "number")]
    pub leads: u64,
}

/// Writes every lead to a new CSV file in the Downloads folder (the app's data folder when
/// there is none) and returns where.
#[tauri::command]
pub async fn export_leads(app: AppHandle) -> Result<SavedFile, CommandError> {
    let db = db_path(&app)?;
    let dir = save_dir(&app)?;
    blocking(move || {
        let store = open_store(&db)?;
        let path = unique_path(&dir, "hubsync-leads", "csv", &file_stamp());
        let count = write_export(&store, &path).map_err(|e| CommandError::new(e.code(), e.to_string()))?;
        Ok(SavedFile { path: path.display().to_string(), leads: count as u64 })
    })
    .await
}

/// Opens the folder holding a file this screen saved (an export or a row-error report).
#[tauri::command]
pub async fn open_saved_folder(app: AppHandle, path: String) -> Result<(), CommandError> {
    let dir = Path::new(&path).parent().map(Path::to_path_buf).unwrap_or_default();
    let allowed = [save_dir(&app).ok(), app.path().app_data_dir().ok()];
    if !allowed.iter().flatten().any(|a| a == &dir) {
        return Err(CommandError::new("not_a_saved_file", "Only the folder of a file Hubsync saved can be opened."));
    }
    open::that_detached(&dir).map_err(|e| {
        CommandError::new("open_failed", format!("The folder is {}; it could not be opened: {e}", dir.display()))
    })
}

/// A CSV file staged for import, as the columns step shows it.
#[derive(Debug, Serialize, TS)]
#[ts(export)]
pub struct ImportInspection {
    /// Names the staged file in `csv_import_run`.
    pub token: String,
    pub file_name: String,
    pub delimiter: Delimiter,
    /// Each column with the field it matched, if any.
    pub columns: Vec<ColumnMatch>,
    /// The first rows' cells, in column order.
    pub samples: Vec<Vec<String>>,
}

/// Stages the file's text in the app's cache folder and matches its columns to fields.
#[tauri::command]
pub async fn csv_import_inspect(
    app: AppHandle,
    workspace: State<'_, AppWorkspace>,
    file_name: String,
    text: String,
) -> Result<ImportInspection, CommandError> {
    let staging = staging_dir(&app)?;
    let (fields, mappings) = {
        let store = workspace.get()?.store.lock().await;
        (store.fields().map_err(store_error)?, store.mappings().map_err(store_error)?)
    };
    blocking(move || stage(&staging, &fields, &mappings, file_name, &text)).await
}

/// Stages `text` in `staging` under a new token and reads its columns and first rows. A file
/// that can't be read is not kept.
fn stage(
    staging: &Path,
    fields: &[Field],
    mappings: &[Mapping],
    file_name: String,
    text: &str,
) -> Result<ImportInspection, CommandError> {
    remove_stale(staging, STALE_STAGED);
    let token = new_token();
    let path = staged_path(staging, &token)?;
    std::fs::write(&path, text.as_bytes()).map_err(|e| {
        CommandError::new("io_error", format!("The file could not be staged in {}: {e}", staging.display()))
    })?;
    let inspected = (|| {
        let mut file = CsvFile::open(&path)?;
        let columns = suggest_columns(file.columns(), fields, mappings);
        let delimiter = file.layout().delimiter;
        Ok::<_, CsvImportError>((delimiter, columns, file.sample(SAMPLE_ROWS)?))
    })();
    let (delimiter, columns, samples) = inspected.map_err(|e| {
        let _ = std::fs::remove_file(&path);
        import_error(&file_name, e)
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

/// Imports a staged file with the columns as chosen. Bad rows refuse the import (nothing is
/// written) unless `skip_bad_rows`, when the others are imported and the bad ones go to a
/// row-error report in the Downloads folder. A dry run writes nothing and keeps the file staged.
#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub async fn csv_import_run(
    app: AppHandle,
    token: String,
    file_name: String,
    columns: Vec<ColumnChoice>,
    skip_bad_rows: bool,
    dry_run: bool,
    on_progress: Channel<ImportProgress>,
) -> Result<ImportReport, CommandError> {
    let db = db_path(&app)?;
    let staged = staged_path(&staging_dir(&app)?, &token)?;
    let reports = save_dir(&app)?;
    blocking(move || {
        let mut store = open_store(&db)?;
        let request = ImportRequest { file_name, columns, skip_bad_rows, dry_run };
        run_staged(&mut store, &staged, &reports, request, &mut |progress| {
            // A closed page only misses the progress.
            let _ = on_progress.send(progress);
        })
    })
    .await
}

/// What the columns step asked for.
struct ImportRequest {
    file_name: String,
    columns: Vec<ColumnChoice>,
    skip_bad_rows: bool,
    dry_run: bool,
}

/// Imports the staged file into `store`, the skipped rows' report (if any) going to `reports`.
/// The staged file goes once imported; a dry run or a refused import keeps it for another try.
fn run_staged(
    store: &mut Store,
    staged: &Path,
    reports: &Path,
    request: ImportRequest,
    progress: &mut dyn FnMut(ImportProgress),
) -> Result<ImportReport, CommandError> {
    let ImportRequest { file_name, columns, skip_bad_rows, dry_run } = request;
    if !staged.exists() {
        return Err(CommandError::new(
            "import_expired",
            "The file is no longer staged (it was imported already): choose it again.",
        ));
    }
    let overrides: Vec<ColumnOverride> =
        columns.into_iter().map(|c| ColumnOverride { column: c.column, field: c.field }).collect();
    let stem = Path::new(&file_name).file_stem().and_then(|s| s.to_str()).unwrap_or("import").to_string();
    let errors_file = skip_bad_rows.then(|| unique_path(reports, &format!("{stem}-errors"), "csv", &file_stamp()));
    let settings = ImportSettings { skip_bad_rows, dry_run, errors_file };
    let bytes_total = std::fs::metadata(staged).map(|m| m.len()).unwrap_or(0);
    let prepared = PreparedImport::open(store, staged, &overrides).map_err(|e| import_error(&file_name, e))?;
    let imported = prepared
        .run(store, &settings, &mut |bytes_read| progress(ImportProgress { bytes_read, bytes_total }))
        .map_err(|e| import_error(&file_name, e))?;
    if !dry_run {
        let _ = std::fs::remove_file(staged);
    }
    Ok(ImportReport { file_name, imported: Imported { file: stem, ..imported } })
}

/// An import's failure in words, with what to do next.
fn import_error(file_name: &str, error: CsvImportError) -> CommandError {
    let hint = match &error {
        CsvImportError::Store(StoreError::InvalidRows(_)) => {
            " Fix those rows in the file, or choose \"Skip bad rows\" to import the others and get the bad ones in a report."
        }
        CsvImportError::NoEmailColumn { .. } => " Choose the column that holds the email in the columns step.",
        CsvImportError::SameField { .. } => " Set all but one of them to \"Don't import\".",
        CsvImportError::AmbiguousMatch { .. } => " Choose its field in the columns step.",
        _ => "",
    };
    CommandError::new(error.code(), format!("{file_name} can't be imported: {error}.{hint}"))
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, CommandError> + Send + 'static,
) -> Result<T, CommandError> {
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(|e| CommandError::new("internal_error", format!("The work stopped unexpectedly: {e}")))?
}

fn db_path(app: &AppHandle) -> Result<PathBuf, CommandError> {
    let dir = app.path().app_data_dir().map_err(|e| {
        CommandError::new("store_open_failed", format!("This system has no data folder for the app: {e}"))
    })?;
    Ok(dir.join(DB_FILE_NAME))
}

/// A second connection to the store, for work that must not hold the shared one.
fn open_store(db: &Path) -> Result<Store, CommandError> {
    Store::open(db, Arc::new(SystemClock)).map_err(store_error)
}

/// Where saved files go: the Downloads folder, or the app's data folder when there is none.
pub(crate) fn save_dir(app: &AppHandle) -> Result<PathBuf, CommandError> {
    let dir = app.path().download_dir().or_else(|_| app.path().app_data_dir()).map_err(|e| {
        CommandError::new("no_save_folder", format!("This system has no Downloads or data folder for the app: {e}"))
    })?;
    std::fs::create_dir_all(&dir)
        .map_err(|e| CommandError::new("io_error", format!("The folder {} can't be made: {e}", dir.display())))?;
    Ok(dir)
}

fn staging_dir(app: &AppHandle) -> Result<PathBuf, CommandError> {
    let dir = app
        .path()
        .app_cache_dir()
        .map_err(|e| CommandError::new("io_error", format!("This system has no cache folder for the app: {e}")))?
        .join("imports");
    // Staged files are whole lead lists: the user's alone, as the store is.
    create_private_dir(&dir, ExistingFolder::Tighten)
        .map_err(|e| CommandError::new("io_error", format!("The folder {} can't be made: {e}", dir.display())))?;
    Ok(dir)
}

/// Removes staged files older than `age`; one that can't be removed stays for the next time.
fn remove_stale(dir: &Path, age: std::time::Duration) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let old = entry.metadata().and_then(|m| m.modified()).is_ok_and(|t| t.elapsed().is_ok_and(|e| e > age));
        if old {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// A token no other staged file has in this run of the app, and nothing but hex digits and a
/// dash, so it can't name a path outside the staging folder.
fn new_token() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("{nanos:x}-{:x}", NEXT.fetch_add(1, Ordering::Relaxed))
}

fn staged_path(dir: &Path, token: &str) -> Result<PathBuf, CommandError> {
    if token.is_empty() || !token.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Err(CommandError::new("import_expired", "That import is unknown: choose the file again."));
    }
    Ok(dir.join(format!("{token}.csv")))
}

/// Now, as saved files' names carry it.
pub(crate) fn file_stamp() -> String {
    hubsync_store::Clock::now(&SystemClock).format("%Y%m%d-%H%M%S").to_string()
}

/// `dir/<stem>-<date>-<time>.<ext>` (no extension when `ext` is empty: a folder), with `-2`,
/// `-3`, … when that name is taken: a saved file never replaces another.
pub(crate) fn unique_path(dir: &Path, stem: &str, ext: &str, stamp: &str) -> PathBuf {
    let named = |suffix: &str| {
        let name = format!("{stem}-{stamp}{suffix}");
        dir.join(if ext.is_empty() { name } else { format!("{name}.{ext}") })
    };
    let mut path = named("");
    let mut n = 2;
    while path.exists() {
        path = named(&format!("-{n}"));
        n += 1;
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_files_never_replace_one_another() {
        let dir = tempfile::tempdir().unwrap();
        let at = "20261124-123005";
        let first = unique_path(dir.path(), "hubsync-leads", "csv", at);
        assert_eq!(first.file_name().unwrap(), "hubsync-leads-20261124-123005.csv");
        std::fs::write(&first, "x").unwrap();
        let second = unique_path(dir.path(), "hubsync-leads", "csv", at);
        assert_eq!(second.file_name().unwrap(), "hubsync-leads-20261124-123005-2.csv");
    }

    #[test]
    fn a_staged_file_imports_with_the_columns_chosen_and_its_bad_rows_in_a_report() {
        let (staging, reports) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let mut store = Store::open_in_memory(Arc::new(SystemClock)).unwrap();
        let text = "E-mail,Place,Size\nann@example.com,Oslo,5-25\nbo@example.com,Bergen,huge\n";
        let (fields, mappings) = (store.fields().unwrap(), store.mappings().unwrap());
        let inspection = stage(staging.path(), &fields, &mappings, "people.csv".into(), text).unwrap();
        let matched: Vec<Option<&str>> = inspection.columns.iter().map(|c| c.field.as_deref()).collect();
        assert_eq!(matched, [Some("email"), None, None]);
        assert_eq!(inspection.samples[1], ["bo@example.com", "Bergen", "huge"]);
        let staged = staged_path(staging.path(), &inspection.token).unwrap();

        let choose = |skip_bad_rows, dry_run| ImportRequest {
            file_name: "people.csv".into(),
            columns: vec![
                ColumnChoice { column: "Place".into(), field: Some("city".into()) },
                ColumnChoice { column: "Size".into(), field: Some("company_size".into()) },
            ],
            skip_bad_rows,
            dry_run,
        };
        let refused = run_staged(&mut store, &staged, reports.path(), choose(false, false), &mut |_| {}).unwrap_err();
        assert_eq!(refused.code, "invalid_rows");
        assert!(refused.message.contains("row 3") && refused.message.contains("Skip bad rows"), "{refused:?}");
        assert!(staged.exists(), "kept for another try");

        let checked = run_staged(&mut store, &staged, reports.path(), choose(true, true), &mut |_| {}).unwrap();
        assert_eq!((checked.imported.added, checked.imported.errors_file.as_deref()), (1, None));
        assert_eq!(store.lead_count().unwrap(), 0, "a check writes nothing");

        let mut heard = Vec::new();
        let done =
            run_staged(&mut store, &staged, reports.path(), choose(true, false), &mut |p| heard.push(p.bytes_read))
                .unwrap();
        assert_eq!((done.imported.added, done.imported.skipped.len(), done.imported.file.as_str()), (1, 1, "people"));
        assert_eq!(heard.last().copied(), Some(text.len() as u64));
        let report = PathBuf::from(done.imported.errors_file.unwrap());
        assert_eq!(report.parent().unwrap(), reports.path());
        assert!(std::fs::read_to_string(&report).unwrap().contains("bo@example.com,Bergen,huge"));
        assert_eq!(store.lead_by_email("ann@example.com").unwrap().unwrap().value("city"), Some("Oslo"));
        assert!(!staged.exists(), "imported: no longer staged");
        let again = run_staged(&mut store, &staged, reports.path(), choose(true, false), &mut |_| {}).unwrap_err();
        assert_eq!(again.code, "import_expired");

        let unreadable = stage(staging.path(), &fields, &mappings, "empty.csv".into(), "").unwrap_err();
        assert_eq!(unreadable.code, "invalid_csv");
        assert_eq!(std::fs::read_dir(staging.path()).unwrap().count(), 0, "an unreadable file is not kept");
    }

    #[test]
    fn staged_files_left_behind_are_removed_once_stale() {
        let dir = tempfile::tempdir().unwrap();
        let staged = dir.path().join("abc-1.csv");
        std::fs::write(&staged, "email\n").unwrap();
        remove_stale(dir.path(), std::time::Duration::from_secs(3600));
        assert!(staged.exists(), "a fresh file stays");
        std::thread::sleep(std::time::Duration::from_millis(20));
        remove_stale(dir.path(), std::time::Duration::from_millis(1));
        assert!(!staged.exists());
    }

    #[test]
    fn a_token_names_a_file_in_the_staging_folder_only() {
        let dir = Path::new("/staging");
        let token = new_token();
        assert_ne!(token, new_token());
        assert_eq!(staged_path(dir, &token).unwrap(), dir.join(format!("{token}.csv")));
        for bad in ["", "../etc/passwd", "a/b", "x.csv"] {
            assert_eq!(staged_path(dir, bad).unwrap_err().code, "import_expired", "{bad}");
        }
    }

    #[test]
    fn a_form_gets_every_problem_and_saves_nothing_until_all_are_fixed() {
        let mut store = Store::open_in_memory(Arc::new(SystemClock)).unwrap();
        let values = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let refused = save(&mut store, None, "nope", &values(&[("company_size", "huge")])).unwrap();
        let LeadSaved::Invalid { problems } = refused else { panic!("{refused:?}") };
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["email", "company_size"]);
        assert_eq!(store.lead_count().unwrap(), 0);

        let saved = save(&mut store, None, "ann@example.com", &values(&[("company_size", "5-25")])).unwrap();
        let LeadSaved::Saved { lead } = saved else { panic!("{saved:?}") };
        let edited =
            save(&mut store, Some(lead.id), "Ann@Example.com", &values(&[("company_size", ""), ("city", "Oslo")]))
                .unwrap();
        let LeadSaved::Saved { lead } = edited else { panic!("{edited:?}") };
        assert_eq!(
            (lead.email.as_str(), lead.value("company_size"), lead.value("city")),
            ("Ann@Example.com", None, Some("Oslo"))
        );
        let shown = detail(&store, lead.id).unwrap();
        assert!(shown.link.is_none() && shown.view.owner.is_none());
    }
}
