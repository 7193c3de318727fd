//! A job's progress as the page gets it: the core's phase and rows done, the live run's counts
//! so far and the time since the job started, at most about ten messages a second (a run of
//! 100,000 rows reports far more often than a page can draw).

use std::time::{Duration, Instant};

use hubsync_store::{RunCounts, RunKind, RunMode, Store};
use hubsync_sync::{Phase, Progress};
use serde::Serialize;
use ts_rs::TS;

/// The least time between two messages of the same phase.
const THROTTLE: Duration = Duration::from_millis(100);
/// How often a live run's counts are read again from the store.
const COUNTS_EVERY: Duration = Duration::from_secs(1);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum SyncPhase {
    /// Reading HubSpot's side for a plan.
    Reading,
    /// Writing a live run's batches to HubSpot.
    Writing,
    /// Writing a live pull's rows into the lead store.
    Applying,
}

/// One progress message of a job.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct SyncProgress {
    pub phase: SyncPhase,
    #[ts(type = "number")]
    pub done: u64,
    #[ts(type = "number")]
    pub total: u64,
    /// The live run, once the core has made it, and its counts so far (read about once a second).
    #[ts(type = "number | null")]
    pub run_id: Option<i64>,
    pub counts: Option<RunCounts>,
    #[ts(type = "number")]
    pub elapsed_ms: u64,
}

/// Finds the live run a job makes (the core creates it) and reads its counts, on a connection
/// of its own.
pub struct CountWatch {
    store: Store,
    kind: RunKind,
    /// The newest run before the job began, or the run being resumed (known from the start).
    after: Option<i64>,
    run_id: Option<i64>,
    read_at: Option<Instant>,
    counts: Option<RunCounts>,
}

impl CountWatch {
    /// Watches for the first live run of `kind` newer than any run now in `store`.
    pub fn new_run(store: Store, kind: RunKind) -> hubsync_store::Result<CountWatch> {
        let after = store.newest_run_id()?;
        Ok(CountWatch { store, kind, after, run_id: None, read_at: None, counts: None })
    }

    /// Watches a run that exists already (one being resumed).
    pub fn run(store: Store, run_id: i64, kind: RunKind) -> CountWatch {
        CountWatch { store, kind, after: None, run_id: Some(run_id), read_at: None, counts: None }
    }

    fn find(&mut self) -> hubsync_store::Result<Option<i64>> {
        if self.run_id.is_none() {
            self.run_id = first_live_run(&self.store, self.kind, self.after)?;
        }
        Ok(self.run_id)
    }

    /// The counts, read again when `COUNTS_EVERY` has passed or `fresh` asks (a phase's last
    /// message must not show older counts); a failed read keeps the last.
    fn counts_at(&mut self, now: Instant, fresh: bool) -> (Option<i64>, Option<RunCounts>) {
        if fresh || self.read_at.is_none_or(|at| now.saturating_duration_since(at) >= COUNTS_EVERY) {
            self.read_at = Some(now);
            match self.find().and_then(|id| id.map(|id| self.store.run(id)).transpose()) {
                Ok(Some(Some(run))) => self.counts = Some(run.counts),
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "a running sync's counts could not be read"),
            }
        }
        (self.run_id, self.counts.clone())
    }
}

/// The first live run of `kind` newer than run `after`: the one a job that began after `after`
/// made. Another program (the command line) may have started a run meanwhile, so not simply
/// the newest.
pub fn first_live_run(store: &Store, kind: RunKind, after: Option<i64>) -> hubsync_store::Result<Option<i64>> {
    let newest = store.newest_run_id()?.unwrap_or(0);
    for id in after.unwrap_or(0) + 1..=newest {
        if store.run(id)?.is_some_and(|r| r.kind == kind && r.mode == RunMode::Live) {
            return Ok(Some(id));
        }
    }
    Ok(None)
}

/// Turns the core's progress into throttled `SyncProgress` messages.
pub struct Reporter<F: FnMut(SyncProgress)> {
    send: F,
    started: Instant,
    last: Option<(SyncPhase, Instant)>,
    watch: Option<CountWatch>,
}

impl<F: FnMut(SyncProgress)> Reporter<F> {
    pub fn new(send: F, started: Instant, watch: Option<CountWatch>) -> Self {
        Reporter { send, started, last: None, watch }
    }

    /// The core's progress at `now`: sent when the phase changes, the phase is done, or
    /// `THROTTLE` has passed since the last message.
    pub fn core(&mut self, progress: Progress, now: Instant) {
        let phase = match progress.phase {
            Phase::Reading => SyncPhase::Reading,
            Phase::Writing => SyncPhase::Writing,
            Phase::Applying => SyncPhase::Applying,
        };
        self.report(phase, progress.done, progress.total, now);
    }

    pub fn report(&mut self, phase: SyncPhase, done: u64, total: u64, now: Instant) {
        let due = match self.last {
            Some((last_phase, at)) => {
                last_phase != phase || done >= total || now.saturating_duration_since(at) >= THROTTLE
            }
            None => true,
        };
        if !due {
            return;
        }
        self.last = Some((phase, now));
        let (run_id, counts) = match &mut self.watch {
            Some(watch) => watch.counts_at(now, done >= total),
            None => (None, None),
        };
        let elapsed_ms = now.saturating_duration_since(self.started).as_millis() as u64;
        (self.send)(SyncProgress { phase, done, total, run_id, counts, elapsed_ms });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writing(done: u64) -> Progress {
        Progress { run_id: 1, phase: Phase::Writing, done, total: 1000 }
    }

    #[test]
    fn messages_come_at_most_every_tenth_of_a_second_but_never_miss_a_phase_or_its_end() {
        let mut sent = Vec::new();
        let start = Instant::now();
        let mut reporter = Reporter::new(|p| sent.push(p), start, None);
        reporter.core(Progress { run_id: 1, phase: Phase::Reading, done: 0, total: 10 }, start);
        reporter.core(Progress { run_id: 1, phase: Phase::Reading, done: 10, total: 10 }, start);
        reporter.core(writing(100), start + Duration::from_millis(10));
        reporter.core(writing(200), start + Duration::from_millis(50));
        reporter.core(writing(250), start + Duration::from_millis(109));
        reporter.core(writing(300), start + Duration::from_millis(110));
        reporter.core(writing(400), start + Duration::from_millis(150));
        reporter.core(writing(1000), start + Duration::from_millis(151));
        let seen: Vec<(SyncPhase, u64, u64)> = sent.iter().map(|p| (p.phase, p.done, p.elapsed_ms)).collect();
        assert_eq!(
            seen,
            vec![
                (SyncPhase::Reading, 0, 0),
                (SyncPhase::Reading, 10, 0),
                (SyncPhase::Writing, 100, 10),
                (SyncPhase::Writing, 300, 110),
                (SyncPhase::Writing, 1000, 151),
            ]
        );
        assert!(sent.iter().all(|p| p.counts.is_none() && p.run_id.is_none()));
    }
}
