-- Sync runs and their items: the history an admin reviews, and the journal a live run resumes
-- from. An item is written before anything is sent for it, and its outcome in the same
-- transaction as the lead's link to its contact, so a crash never leaves a half-applied change.

CREATE TABLE sync_runs (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('push', 'pull', 'undo')),
    mode        TEXT NOT NULL CHECK (mode IN ('preview', 'live')),
    -- running: under way, or cut off by a crash (resumable); interrupted: stopped cleanly
    -- (daily limit, cancel, lost network; resumable); completed: every item has its outcome.
    status      TEXT NOT NULL CHECK (status IN ('running', 'interrupted', 'completed')),
    portal_id   INTEGER,
    -- JSON: the rules and mapping as they were when the run was planned.
    settings    TEXT NOT NULL,
    -- JSON: the API calls and seconds the live run was expected to take.
    estimate    TEXT NOT NULL,
    api_calls   INTEGER NOT NULL DEFAULT 0,
    started_at  TEXT NOT NULL,
    ended_at    TEXT,
    -- Why the run stopped early, for an interrupted run.
    stop_reason TEXT
);

CREATE TABLE sync_run_items (
    run_id      INTEGER NOT NULL REFERENCES sync_runs (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    -- No foreign key: the history outlives a deleted lead.
    lead_id     INTEGER NOT NULL,
    email       TEXT NOT NULL,
    contact_id  TEXT,
    action      TEXT NOT NULL CHECK (action IN ('update', 'create', 'skip', 'invalid')),
    -- The skip reason, or the invalid row's reasons (JSON array).
    reason      TEXT,
    -- JSON: [{field, property, before, after, kept}], the before-values undo restores.
    changes     TEXT NOT NULL,
    notes       TEXT NOT NULL,
    -- NULL while a live write is pending; then updated, created, failed; or previewed, skipped, invalid.
    outcome     TEXT CHECK (outcome IN ('previewed', 'skipped', 'invalid', 'updated', 'created', 'failed')),
    error       TEXT,
    PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;

CREATE INDEX sync_run_items_pending ON sync_run_items (run_id) WHERE outcome IS NULL;
