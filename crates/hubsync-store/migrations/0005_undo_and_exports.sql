-- Undo and run exports. A run item gains:
--   * the `archive` action and `archived` outcome: an undo archives the contacts a push created;
--   * `step`: a live run writes its rows step by step, each step whole before the next (an undo
--     moving a lifecycle stage back clears it in step 0 and sets the earlier stage in step 1,
--     as HubSpot only moves the stage forward);
--   * `record`: the row's values by lead field as the run saw them, the original columns of a
--     run's export.
-- SQLite can't change a CHECK constraint in place, so the table is rebuilt; its rows are kept.

CREATE TABLE sync_run_items_v5 (
    run_id      INTEGER NOT NULL REFERENCES sync_runs (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    lead_id     INTEGER NOT NULL,
    email       TEXT NOT NULL,
    contact_id  TEXT,
    action      TEXT NOT NULL CHECK (action IN ('update', 'create', 'skip', 'invalid', 'archive')),
    reason      TEXT,
    changes     TEXT NOT NULL,
    notes       TEXT NOT NULL,
    outcome     TEXT CHECK (outcome IN ('previewed', 'skipped', 'invalid', 'updated', 'created', 'failed', 'archived')),
    error       TEXT,
    step        INTEGER NOT NULL DEFAULT 0,
    -- JSON object: lead field → value.
    record      TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;

INSERT INTO sync_run_items_v5 (run_id, seq, lead_id, email, contact_id, action, reason, changes, notes, outcome, error)
SELECT run_id, seq, lead_id, email, contact_id, action, reason, changes, notes, outcome, error FROM sync_run_items;

DROP TABLE sync_run_items;
ALTER TABLE sync_run_items_v5 RENAME TO sync_run_items;

CREATE INDEX sync_run_items_pending ON sync_run_items (run_id, step) WHERE outcome IS NULL;
