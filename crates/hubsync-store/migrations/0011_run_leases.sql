-- One writer per run, across processes. The desktop app and every `hubsync` command open the
-- same store; a live push, pull, undo or resume takes its portal's lease in a write transaction
-- before it writes anything, renews it while it writes, and gives it back when it ends. A
-- second writer finds the lease taken and is refused, unless its holder is provably gone: the
-- holder's connection keeps an OS lock on `<store>.leases/<holder_token>.lock` for as long as it
-- is open, which the system lets go when the process ends however it ends (a crash, SIGKILL).
-- One lease per portal: two live runs never write to one portal at once (0: runs of no portal).
CREATE TABLE run_leases (
    portal_id     INTEGER PRIMARY KEY,
    run_id        INTEGER NOT NULL REFERENCES sync_runs (id) ON DELETE CASCADE,
    holder_token  TEXT NOT NULL,
    holder_pid    INTEGER NOT NULL,
    holder_host   TEXT NOT NULL,
    taken_at      TEXT NOT NULL,
    renewed_at    TEXT NOT NULL
);

-- The address a run was made against. A portal reconnected at another address may be another
-- HubSpot account altogether (a sandbox that took the port, a test portal with a reused id):
-- the run's contact ids mean nothing there, so it is not resumed or undone against it. Runs
-- from before this version were made against the portal's address as it is now.
ALTER TABLE sync_runs ADD COLUMN base_url TEXT;

-- The connection making a plan (a preview run still `running`), as its lock file names it: a
-- plan is thrown away as a crash's leftover only once its maker is gone, never while another
-- process (the app waiting on a confirmation, a `push` at its prompt) still holds it.
ALTER TABLE sync_runs ADD COLUMN maker TEXT;

UPDATE sync_runs SET base_url = (SELECT p.base_url FROM portals p WHERE p.portal_id = sync_runs.portal_id);
