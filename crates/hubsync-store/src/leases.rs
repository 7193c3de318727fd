//! One writer per run, across processes (`0011_run_leases.sql`). The desktop app and every
//! `hubsync` command share one store, so "one job at a time" inside a process is not enough: a
//! live push, pull, undo or resume takes its portal's lease in a write transaction before it
//! writes anything, renews it with every batch it records, and gives it back when the run ends.
//! Every write of a run's outcomes checks, in its own transaction, that this connection still
//! holds the run's lease, so a writer that lost it stops before it records (or sends) anything
//! more.
//!
//! Whether the connection behind a lease (or behind a plan being made) is still there is known
//! for certain: each connection that leases or plans keeps an exclusive OS lock on a file of its
//! own in `<store>.leases/` (its `Presence`) for as long as it is open, and the system lets go of
//! the lock when the process ends, however it ends (a crash, SIGKILL, a power cut). A lease whose
//! holder's lock is free is taken over; a plan whose maker's lock is free is thrown away. Only a
//! holder on another machine (a store on a shared drive), whose lock can't be asked, is judged by
//! its renewals: its lease lapses once it has not been renewed for `LAPSE_WITHOUT_RENEWAL`.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;
use ts_rs::TS;

use crate::Result;
use crate::error::StoreError;
use crate::store::{parse_stamp, stamp};

/// How long a lease that can't be checked through its lock (another machine's) stays taken
/// without a renewal. A writer renews with every batch it records, and a batch gives up long
/// before this (the client's timeouts and retries).
pub const LAPSE_WITHOUT_RENEWAL: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

/// Who holds a portal's lease, as another process sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct LeaseHolder {
    #[ts(type = "number")]
    pub run_id: i64,
    pub pid: u32,
    pub host: String,
    #[ts(type = "string")]
    pub taken_at: DateTime<Utc>,
    #[ts(type = "string")]
    pub renewed_at: DateTime<Utc>,
}

/// An open connection that leases or plans, known to other processes by `token`: its file is
/// locked for as long as the connection lives.
#[derive(Debug)]
pub(crate) struct Presence {
    pub(crate) token: String,
    /// The lock file; none for a store in memory, which no other connection can open.
    file: Option<(PathBuf, File)>,
}

impl Presence {
    /// Makes this connection's lock file in `dir` and locks it (`None`: a store in memory).
    pub(crate) fn announce(dir: Option<&Path>, token: String) -> Result<Presence> {
        let Some(dir) = dir else { return Ok(Presence { token, file: None }) };
        let path = lock_path(dir, &token).expect("a hex token");
        let error = |source: std::io::Error| StoreError::LeaseFile { path: path.clone(), source };
        create_lock_dir(dir).map_err(error)?;
        let lock = OpenOptions::new().read(true).write(true).create_new(true).open(&path).map_err(error)?;
        lock.try_lock().map_err(|e| error(e.into()))?;
        Ok(Presence { token, file: Some((path, lock)) })
    }

    /// Ends the presence: the lock is let go and the file removed. `keep_file` leaves the file
    /// (unlocked) where something in the store may still name it: whoever checks finds it free.
    pub(crate) fn end(self, keep_file: bool) {
        if let Some((path, lock)) = self.file {
            drop(lock);
            if !keep_file {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

/// The lease this connection holds: the row in `run_leases` names the connection's presence.
#[derive(Debug)]
pub(crate) struct HeldLease {
    pub(crate) portal: i64,
    pub(crate) run_id: i64,
    pub(crate) token: String,
}

/// This process as a lease names it.
fn this_process() -> (u32, String) {
    (std::process::id(), host_name())
}

#[cfg(unix)]
fn host_name() -> String {
    let mut buffer = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname writes at most that many bytes.
    let status = unsafe { libc::gethostname(buffer.as_mut_ptr().cast(), buffer.len()) };
    if status != 0 {
        return "unknown host".into();
    }
    let end = buffer.iter().position(|&b| b == 0).unwrap_or(buffer.len());
    String::from_utf8_lossy(&buffer[..end]).into_owned()
}

#[cfg(not(unix))]
fn host_name() -> String {
    std::env::var("COMPUTERNAME").unwrap_or_else(|_| "unknown host".into())
}

/// A token from the store is only ever hex (`randomblob`): anything else is not used in a path.
fn lock_path(dir: &Path, token: &str) -> Option<PathBuf> {
    (!token.is_empty() && token.len() <= 64 && token.chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| dir.join(format!("{token}.lock")))
}

/// The folder of a store's lock files, which only the user can open (they name processes).
fn create_lock_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Whether the connection whose presence is `token` is still open: its lock file is locked.
/// `None` when that can't be told (the file can't be opened or locked for another reason). A
/// store in memory (`dir` none) has no other connection.
pub(crate) fn present(dir: Option<&Path>, token: &str) -> Option<bool> {
    let Some(dir) = dir else { return Some(false) };
    let path = lock_path(dir, token)?;
    let file = match OpenOptions::new().read(true).write(true).open(&path) {
        Ok(file) => file,
        // Its connection ended and removed it.
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Some(false),
        Err(_) => return None,
    };
    match file.try_lock() {
        // The lock was free: the connection that held it has ended.
        Ok(()) => Some(false),
        Err(TryLockError::WouldBlock) => Some(true),
        Err(TryLockError::Error(_)) => None,
    }
}

/// Whether the holder of a lease is still there: its presence, or on another machine (or when
/// the presence can't be told) its renewals.
fn holder_alive(dir: Option<&Path>, token: &str, holder: &LeaseHolder, now: DateTime<Utc>) -> bool {
    let renewing = now - holder.renewed_at <= LAPSE_WITHOUT_RENEWAL;
    if holder.host != host_name() {
        return renewing;
    }
    present(dir, token).unwrap_or(renewing)
}

fn read_holder(conn: &Connection, portal: i64) -> Result<Option<(String, LeaseHolder)>> {
    let row = conn
        .query_row(
            "SELECT holder_token, run_id, holder_pid, holder_host, taken_at, renewed_at FROM run_leases WHERE portal_id = ?1",
            [portal],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    LeaseHolder {
                        run_id: r.get(1)?,
                        pid: r.get(2)?,
                        host: r.get(3)?,
                        taken_at: parse_stamp(&r.get::<_, String>(4)?)?,
                        renewed_at: parse_stamp(&r.get::<_, String>(5)?)?,
                    },
                ))
            },
        )
        .optional()?;
    Ok(row)
}

/// Takes the lease run `run_id` writes under (its portal's) for the connection present as
/// `token`, in `tx`, which must be an immediate (write) transaction so that no other process
/// checks and takes it in between. A connection holds one lease at most (`held`): one already
/// writing is refused as any other writer would be. Refused with `RunInProgress` while a live
/// holder has it; a gone holder's lease is taken over, and its run, if still marked running, is
/// marked interrupted.
pub(crate) fn take(
    tx: &Transaction<'_>,
    dir: Option<&Path>,
    token: &str,
    held: Option<&HeldLease>,
    run_id: i64,
    now: DateTime<Utc>,
) -> Result<HeldLease> {
    if let Some(held) = held {
        let (pid, host) = this_process();
        let since = read_holder(tx, held.portal)?.map_or(now, |(_, holder)| holder.taken_at);
        return Err(StoreError::RunInProgress { run_id: held.run_id, pid, host, since });
    }
    let portal = crate::journal::run_portal(tx, run_id)?;
    if let Some((holder_token, holder)) = read_holder(tx, portal)? {
        if holder_alive(dir, &holder_token, &holder, now) {
            return Err(StoreError::RunInProgress {
                run_id: holder.run_id,
                pid: holder.pid,
                host: holder.host,
                since: holder.taken_at,
            });
        }
        tracing::warn!(
            run_id = holder.run_id,
            pid = holder.pid,
            host = %holder.host,
            "taking over a run lease whose holder has ended"
        );
        if holder.run_id != run_id {
            tx.execute(
                "UPDATE sync_runs SET status = 'interrupted', ended_at = ?2,
                     stop_reason = COALESCE(stop_reason, ?3)
                 WHERE id = ?1 AND mode = 'live' AND status = 'running'",
                params![
                    holder.run_id,
                    stamp(now),
                    format!(
                        "the Hubsync process writing it (process {} on {}) ended before it finished",
                        holder.pid, holder.host
                    )
                ],
            )?;
        }
        if let Some(stale) = dir.and_then(|dir| lock_path(dir, &holder_token)) {
            let _ = std::fs::remove_file(stale);
        }
    }
    let (pid, host) = this_process();
    tx.execute(
        "INSERT OR REPLACE INTO run_leases (portal_id, run_id, holder_token, holder_pid, holder_host, taken_at, renewed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        params![portal, run_id, token, pid, host, stamp(now)],
    )?;
    Ok(HeldLease { portal, run_id, token: token.to_string() })
}

/// Checks in `tx` that `held` is this connection's lease on run `run_id` and still in the store,
/// and renews it. A connection that holds none, or one taken over since, gets `LeaseLost`.
pub(crate) fn renew(tx: &Transaction<'_>, held: Option<&HeldLease>, run_id: i64, now: DateTime<Utc>) -> Result<()> {
    let Some(held) = held.filter(|h| h.run_id == run_id) else {
        return Err(StoreError::LeaseLost { run_id });
    };
    let renewed = tx
        .prepare_cached(
            "UPDATE run_leases SET renewed_at = ?4 WHERE portal_id = ?1 AND run_id = ?2 AND holder_token = ?3",
        )?
        .execute(params![held.portal, run_id, held.token, stamp(now)])?;
    if renewed == 0 {
        return Err(StoreError::LeaseLost { run_id });
    }
    Ok(())
}

/// Deletes `held`'s row in `tx`.
pub(crate) fn end(tx: &Connection, held: &HeldLease) -> Result<()> {
    tx.execute("DELETE FROM run_leases WHERE portal_id = ?1 AND holder_token = ?2", params![held.portal, held.token])?;
    Ok(())
}

/// Who holds portal `portal`'s lease, if a live holder does.
pub(crate) fn portal_holder(
    conn: &Connection,
    dir: Option<&Path>,
    portal: i64,
    now: DateTime<Utc>,
) -> Result<Option<LeaseHolder>> {
    Ok(read_holder(conn, portal)?.filter(|(token, holder)| holder_alive(dir, token, holder, now)).map(|(_, h)| h))
}

/// Who holds the lease run `run_id` writes under, if a live holder does.
pub(crate) fn holder_of(
    conn: &Connection,
    dir: Option<&Path>,
    run_id: i64,
    now: DateTime<Utc>,
) -> Result<Option<LeaseHolder>> {
    let portal: Option<i64> =
        conn.query_row("SELECT portal_id FROM run_leases WHERE run_id = ?1", [run_id], |r| r.get(0)).optional()?;
    let Some(portal) = portal else { return Ok(None) };
    portal_holder(conn, dir, portal, now)
}
