//! A page of a big run's rows, as the Sync and History screens read it: the first and the last
//! page, a filter by action, by outcome and a search by email, each with the matching total;
//! and a run's counts, which a live run's progress reads about once a second. Prints the time
//! of each against the run's size.
//!
//! `cargo bench -p hubsync-store --bench run_items_page` (env: BENCH_ROWS=100000)

use std::sync::Arc;
use std::time::{Duration, Instant};

use hubsync_store::journal::Journal;
use hubsync_store::{
    FieldChange, ItemOutcome, NewRun, RowFailure, RowReason, RunAction, RunItem, RunItemFilter, RunKind, RunMode,
    Store, SystemClock,
};

const PAGE: u64 = 50;

fn row(seq: i64) -> RunItem {
    let (action, outcome) = match seq % 10 {
        0 => (RunAction::Skip, ItemOutcome::Skipped),
        1 => (RunAction::Create, ItemOutcome::Created),
        2 if seq % 100 == 2 => (RunAction::Update, ItemOutcome::Failed),
        _ => (RunAction::Update, ItemOutcome::Updated),
    };
    let email = format!("lead{seq}@example{}.test", seq % 97);
    RunItem {
        seq,
        lead_id: seq + 1,
        email: email.clone(),
        contact_id: Some(format!("{}", 1000 + seq)),
        action,
        reasons: if action == RunAction::Skip { vec![RowReason::Unchanged] } else { vec![] },
        changes: ["company", "phone", "jobtitle"]
            .iter()
            .map(|p| FieldChange {
                field: p.to_string(),
                property: p.to_string(),
                before: Some(format!("old {p} {seq}")),
                after: Some(format!("new {p} {seq}")),
                kept: false,
            })
            .collect(),
        notes: vec![],
        outcome: Some(outcome),
        error: (outcome == ItemOutcome::Failed).then(|| RowFailure::Refused {
            status: 400,
            category: Some("VALIDATION_ERROR".into()),
            detail: "Property values were not valid".into(),
        }),
        step: 0,
        record: [("email".to_string(), email)].into(),
        related: None,
    }
}

/// The median of `runs` timings of `f`.
fn time(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn main() {
    let rows: i64 = std::env::var("BENCH_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let dir = std::env::temp_dir().join(format!("hubsync-bench-pages-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut store = Store::open(&dir.join("hubsync.db"), Arc::new(SystemClock)).expect("store");
    // A run of the active portal's, the one a fresh store has.
    let run = NewRun {
        kind: RunKind::Push,
        mode: RunMode::Live,
        portal_id: None,
        settings: serde_json::json!({}),
        estimate: serde_json::json!({}),
        api_calls: 0,
    };
    let items: Vec<RunItem> = (0..rows).map(row).collect();
    let started = Instant::now();
    let run_id = store.create_run(&run, &items).expect("run");
    println!("run of {rows} rows recorded in {:.2?}", started.elapsed());
    drop(items);

    let all = RunItemFilter::default();
    let cases: Vec<(&str, RunItemFilter, u64)> = vec![
        ("first page, no filter", all.clone(), 0),
        ("last page, no filter", all.clone(), rows as u64 - PAGE),
        ("action = create", RunItemFilter { action: Some(RunAction::Create), ..all.clone() }, 0),
        ("outcome = failed", RunItemFilter { outcome: Some(ItemOutcome::Failed), ..all.clone() }, 0),
        ("search \"example42\"", RunItemFilter { search: Some("EXAMPLE42".into()), ..all.clone() }, 0),
    ];
    for (name, filter, offset) in cases {
        let mut total = 0;
        let took = time(9, || {
            total = store.run_items_page(run_id, &filter, offset, PAGE).expect("page").total;
        });
        println!("{name:<24} {total:>7} rows match; a page of {PAGE} in {took:.2?}");
    }
    let took = time(9, || {
        store.run(run_id).expect("run").expect("exists");
    });
    println!("{:<24} {took:.2?} (a live run's progress reads them about once a second)", "the run's counts");
    let _ = std::fs::remove_dir_all(&dir);
}
