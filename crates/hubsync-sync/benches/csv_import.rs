//! The CSV lead import at scale (issue 4): files of 100,000 and 1,000,000 rows as admins' files
//! are (labels as headers, quoted cells with commas, quotes and line breaks, a custom number
//! field and a choice field, a column no field takes), each into a fresh store on disk, then the
//! same file again, when every row is an update. Prints the file, a dry run (read and check,
//! nothing written), the import itself against its size's target (100,000 rows in 2 s, a
//! million in 20 s, the search index included), rows per second, each step's peak memory, and
//! whether the peak stays flat as the file grows.
//!
//! `cargo bench -p hubsync-sync --bench csv_import` (env: BENCH_ROWS=100000,1000000)

#[path = "common/memory.rs"]
mod memory;

use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hubsync_store::{BadRows, FieldType, ImportOptions, ImportSummary, Store, SystemClock};
use hubsync_sync::csv_import::{CsvFile, RowCounts, match_columns, read_rows};
use memory::{peak_memory_mib, reset_peak_memory};

/// The targets: each size's import, with the search index, within its time.
const TARGETS: [(usize, Duration); 2] = [(100_000, Duration::from_secs(2)), (1_000_000, Duration::from_secs(20))];
/// How much higher the largest file's peak may be than the smallest's and still be flat.
const FLAT_WITHIN: f64 = 1.25;

const HEADER: [&str; 11] = [
    "Email",
    "First Name",
    "Last Name",
    "Company Name",
    "Job Title",
    "Phone Number",
    "City",
    "Country/Region",
    "Lead Score",
    "Customer Tier",
    "Notes",
];
const FIRST: [&str; 8] = ["Ada", "Bo", "Chloé", "Dmitri", "Eun-ji", "Farid", "Grace", "Hiro"];
const LAST: [&str; 8] = ["Lovelace", "Berg", "Durand", "Ivanov", "Kim", "Haddad", "Hopper", "Tanaka"];
const COMPANIES: [&str; 6] = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay"];
const TITLES: [&str; 5] = ["Buyer", "CTO", "Head of Ops", "Analyst", "Founder"];
const CITIES: [(&str, &str); 5] = [
    ("Lyon", "France"),
    ("Leeds", "United Kingdom"),
    ("Osaka", "Japan"),
    ("Austin", "United States"),
    ("Graz", "Austria"),
];
const TIERS: [&str; 3] = ["gold", "Silver", "BRONZE"];

/// A small deterministic generator (xorshift), so every run writes the same file.
struct Dice(u64);

impl Dice {
    fn next(&mut self, below: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % below as u64) as usize
    }
}

/// Writes `rows` leads to `path`, a row at a time.
fn write_file(path: &Path, rows: usize) {
    let out = BufWriter::new(std::fs::File::create(path).expect("the file"));
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(HEADER).expect("header");
    let mut dice = Dice(0x9e37_79b9_7f4a_7c15);
    for i in 0..rows {
        let (first, last) = (FIRST[dice.next(FIRST.len())], LAST[dice.next(LAST.len())]);
        let company = COMPANIES[dice.next(COMPANIES.len())];
        // Every fifth company has a comma, so its cell is quoted.
        let company = if i % 5 == 0 { format!("{company}, Inc.") } else { company.to_string() };
        let (city, country) = CITIES[dice.next(CITIES.len())];
        let score = format!("{}.{}", dice.next(100), dice.next(10));
        // Every tenth row has a note over two lines with quotes; the column is not a field.
        let notes = if i % 10 == 0 { "Met at the fair,\nwants a \"demo\"" } else { "" };
        // Mixed case, but ASCII before the @: HubSpot refuses "Chloé." there, and so does the import.
        let ascii_first = first.replace('é', "e");
        let email =
            if i % 7 == 0 { format!("{ascii_first}.{last}{i}@Example.COM") } else { format!("lead{i}@example.com") };
        let phone = format!("+44 20 7946 {:04}", i % 10_000);
        csv.write_record([
            email.as_str(),
            first,
            last,
            &company,
            TITLES[dice.next(TITLES.len())],
            &phone,
            city,
            country,
            &score,
            TIERS[dice.next(TIERS.len())],
            notes,
        ])
        .expect("row");
    }
    csv.into_inner().expect("flush").flush().expect("flush");
}

/// `leads import FILE` as the command line runs it, without printing.
fn import(store: &mut Store, path: &Path, options: ImportOptions) -> (RowCounts, ImportSummary, Duration) {
    let started = Instant::now();
    let mut file = CsvFile::open(path).expect("open");
    let plan =
        match_columns(file.columns(), &store.fields().expect("fields"), &store.mappings().expect("mappings"), &[])
            .expect("columns");
    assert_eq!(plan.ignored().map(|c| c.column.as_str()).collect::<Vec<_>>(), ["Notes"], "{plan:?}");
    let mut import = store.begin_import(options).expect("begin");
    let counts = read_rows(&mut file, &plan, &mut import, &mut |_| {}).expect("rows");
    let summary = import.finish().expect("finish");
    (counts, summary, started.elapsed())
}

fn per_second(rows: usize, took: Duration) -> String {
    format!("{:.0} rows/s", rows as f64 / took.as_secs_f64())
}

/// The target for an import of `rows` rows, where there is one.
fn target(rows: usize) -> Option<Duration> {
    TARGETS.iter().find(|(size, _)| *size == rows).map(|(_, target)| *target)
}

fn verdict(rows: usize, took: Duration) -> String {
    match target(rows) {
        Some(target) => {
            format!("target < {} s: {}", target.as_secs(), if took < target { "met" } else { "NOT met" })
        }
        None => "no target at this size".to_string(),
    }
}

/// Runs `step`, returning what it returns and the process's peak memory while it ran.
fn measured<T>(step: impl FnOnce() -> T) -> (T, Option<f64>) {
    let reset = reset_peak_memory();
    let out = step();
    (out, peak_memory_mib().filter(|_| reset))
}

fn mib(peak: Option<f64>) -> String {
    peak.map_or_else(|| "n/a".to_string(), |mib| format!("{mib:.0} MiB"))
}

/// The figures of one size, for the comparison at the end.
struct Run {
    rows: usize,
    import_peak: Option<f64>,
}

fn bench(rows: usize) -> Run {
    let dir = tempfile::tempdir().expect("temp dir");
    let csv_path = dir.path().join("leads.csv");
    let writing = Instant::now();
    write_file(&csv_path, rows);
    let size = std::fs::metadata(&csv_path).expect("size").len();
    let written = writing.elapsed();

    let db_path = dir.path().join("hubsync.db");
    let mut store = Store::open(&db_path, Arc::new(SystemClock)).expect("store");
    store.add_field("lead_score", Some("Lead score"), FieldType::Number, &[]).expect("number field");
    let tiers = ["Gold".to_string(), "Silver".to_string(), "Bronze".to_string()];
    store.add_field("tier", Some("Customer tier"), FieldType::SingleChoice, &tiers).expect("choice field");

    let all_or_nothing = ImportOptions { bad_rows: BadRows::Refuse, dry_run: false };
    let ((counts, dry, read), dry_peak) =
        measured(|| import(&mut store, &csv_path, ImportOptions { dry_run: true, ..all_or_nothing }));
    assert_eq!((counts.rows, dry.added), (rows, rows), "every row would be added");
    let ((_, first, took_first), first_peak) = measured(|| import(&mut store, &csv_path, all_or_nothing));
    assert_eq!((first.added, first.updated), (rows, 0), "every row added");
    let on_disk: u64 = ["hubsync.db", "hubsync.db-wal"]
        .iter()
        .filter_map(|name| std::fs::metadata(dir.path().join(name)).ok())
        .map(|m| m.len())
        .sum();
    let ((_, second, took_second), second_peak) = measured(|| import(&mut store, &csv_path, all_or_nothing));
    assert_eq!((second.added, second.updated), (0, rows), "every row updated");
    assert_eq!(store.lead_count().expect("count"), rows as i64);
    let lead = store.lead_by_email("lead1@example.com").expect("lead").expect("lead 1");
    assert!(lead.value("tier").is_some_and(|t| ["Gold", "Silver", "Bronze"].contains(&t)), "{lead:?}");

    println!("csv import benchmark: {rows} rows into a fresh store on disk, all or nothing");
    println!(
        "  file                       {:>9.1} MB   {} columns, labels as headers, quoted commas and line breaks (written in {:.2} s)",
        size as f64 / 1e6,
        HEADER.len(),
        written.as_secs_f64()
    );
    println!(
        "  read and check (dry run)   {:>9.2} s    {}   peak memory {}",
        read.as_secs_f64(),
        per_second(rows, read),
        mib(dry_peak)
    );
    println!(
        "  import, all rows new       {:>9.2} s    {}   {}   peak memory {}",
        took_first.as_secs_f64(),
        per_second(rows, took_first),
        verdict(rows, took_first),
        mib(first_peak)
    );
    println!(
        "    of which writing         {:>9.2} s    (import − dry run); the store on disk after it {:.0} MB",
        took_first.saturating_sub(read).as_secs_f64(),
        on_disk as f64 / 1e6
    );
    println!(
        "  import again, all updates  {:>9.2} s    {}   {}   peak memory {}",
        took_second.as_secs_f64(),
        per_second(rows, took_second),
        verdict(rows, took_second),
        mib(second_peak)
    );
    Run { rows, import_peak: first_peak.zip(second_peak).map(|(a, b)| a.max(b)) }
}

fn main() {
    // `cargo bench` passes `--bench`; run only for it (and not for `cargo test --benches`).
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let sizes: Vec<usize> = std::env::var("BENCH_ROWS")
        .ok()
        .map(|v| v.split(',').filter_map(|s| s.trim().parse().ok()).collect())
        .filter(|sizes: &Vec<usize>| !sizes.is_empty())
        .unwrap_or_else(|| TARGETS.iter().map(|(rows, _)| *rows).collect());
    let runs: Vec<Run> = sizes.into_iter().map(bench).collect();
    // Flat: the largest file's imports peak near the smallest's, not in proportion to the rows.
    let smallest = runs.iter().min_by_key(|r| r.rows);
    let largest = runs.iter().max_by_key(|r| r.rows);
    if let (Some(small), Some(large)) = (smallest, largest)
        && small.rows < large.rows
    {
        match (small.import_peak, large.import_peak) {
            (Some(s), Some(l)) => println!(
                "memory: the imports of {} rows peaked at {l:.0} MiB, of {} rows at {s:.0} MiB ({:.2}×; {:.0}× the rows): {}",
                large.rows,
                small.rows,
                l / s,
                large.rows as f64 / small.rows as f64,
                if l <= s * FLAT_WITHIN { "flat" } else { "NOT flat" }
            ),
            _ => println!("memory: peaks not available on this platform"),
        }
    }
}
