-- Guardrails and schedules.
--
-- Guardrails, per profile like the push rules: every live run's plan is checked against them
-- before it writes (creates, overwrites of a non-empty value, archives), and its failed rows while
-- it writes. NULL is no limit; no row is no limits at all.
CREATE TABLE portal_guardrails (
    portal_id              INTEGER PRIMARY KEY,
    max_creates            INTEGER CHECK (max_creates >= 0),
    max_overwrites         INTEGER CHECK (max_overwrites >= 0),
    -- Of the plan's rows: at most this share may overwrite a non-empty value.
    max_overwrite_percent  REAL CHECK (max_overwrite_percent BETWEEN 0 AND 100),
    max_archives           INTEGER CHECK (max_archives >= 0),
    -- Of the rows written so far: past this share of failures the run stops itself.
    max_failed_percent     REAL CHECK (max_failed_percent BETWEEN 0 AND 100),
    updated_at             TEXT NOT NULL
);

-- A live run whose plan crossed a guardrail wrote nothing: its plan is kept as a preview, held,
-- with what it crossed (JSON [{guardrail, planned, limit}], codes and numbers) and what was asked
-- (JSON, to plan it again), until the admin approves it once or refuses it. An approval plans
-- again, allowed up to the held figures, and names the live run it became.
CREATE TABLE run_holds (
    run_id          INTEGER PRIMARY KEY REFERENCES sync_runs (id) ON DELETE CASCADE,
    crossed         TEXT NOT NULL CHECK (json_valid(crossed)),
    request         TEXT NOT NULL CHECK (json_valid(request)),
    state           TEXT NOT NULL CHECK (state IN ('held', 'approved', 'refused')),
    held_at         TEXT NOT NULL,
    decided_at      TEXT,
    approved_run_id INTEGER
);

CREATE INDEX run_holds_held ON run_holds (state) WHERE state = 'held';

-- A live run that stopped itself because its failures crossed the portal's limit: the
-- guardrail's code (the run's stop reason keeps the figures). NULL for any other stop.
ALTER TABLE sync_runs ADD COLUMN stop_code TEXT;

-- The schedule that started a run (its preview, held or live run); NULL when an admin did.
ALTER TABLE sync_runs ADD COLUMN schedule_id INTEGER;

-- Schedules, per portal (a schedule runs against its own portal, whichever is active): a push
-- of every lead or of the leads changed since their last push, or a pull by the portal's saved
-- pull rules, at the times `timing` gives (hubsync_schedule::Schedule as JSON: cadence, IANA
-- zone, anchor).
CREATE TABLE schedules (
    id              INTEGER PRIMARY KEY,
    portal_id       INTEGER NOT NULL CHECK (portal_id > 0),
    kind            TEXT NOT NULL CHECK (kind IN ('push', 'pull')),
    scope           TEXT NOT NULL CHECK ((kind = 'push' AND scope IN ('all', 'changed'))
                                         OR (kind = 'pull' AND scope = 'pull-rules')),
    timing          TEXT NOT NULL CHECK (json_valid(timing)),
    paused          INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    -- A run that completed is told of only when asked; a failed, held or stopped one always.
    notify_success  INTEGER NOT NULL DEFAULT 0 CHECK (notify_success IN (0, 1)),
    created_at      TEXT NOT NULL,
    -- The slot it last fired for, or let pass because another run of its portal was under way:
    -- the next firing is for a later slot. Claimed by compare-and-set, so two processes
    -- (the app, `hubsync schedule run-due`) never fire one slot twice.
    last_slot       TEXT,
    -- What that firing came to (a code: completed, held, stopped, failed, waited, nothing), its
    -- run, the code of the error or of what it waited for, and when it ended.
    last_outcome    TEXT,
    last_run_id     INTEGER,
    last_detail     TEXT,
    last_ended_at   TEXT
);

CREATE INDEX schedules_portal ON schedules (portal_id);

-- "Pause all": no schedule of the portal fires while set; each keeps its own pause too.
ALTER TABLE portals ADD COLUMN schedules_paused INTEGER NOT NULL DEFAULT 0 CHECK (schedules_paused IN (0, 1));

-- Who is running a scheduled job on a portal now (its preview, check and live run), as its
-- connection's lock file names it: a schedule finding another's claim held waits for its next
-- slot. A claim whose holder's lock is free is taken over.
CREATE TABLE schedule_claims (
    portal_id    INTEGER PRIMARY KEY,
    schedule_id  INTEGER NOT NULL,
    holder_token TEXT NOT NULL,
    taken_at     TEXT NOT NULL
);
