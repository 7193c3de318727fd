-- A push's companies and its leads' associations with them, journaled beside the run's contact
-- rows (sync_run_items) as those are: every row in the store before anything is sent, each
-- outcome recorded in the same transaction as what it changes locally (the company, its link,
-- the lead's company). Reasons, notes and failures are codes with their parameters, as
-- migration 0012 made them for contact rows.

-- One row per company domain a push plans for: the HubSpot company it updates, or the one it
-- creates, or why it does neither.
CREATE TABLE sync_run_companies (
    run_id            INTEGER NOT NULL REFERENCES sync_runs (id) ON DELETE CASCADE,
    seq               INTEGER NOT NULL,
    -- The normalised domain (hubsync_email::normalize_domain): one row a domain in a run.
    domain            TEXT NOT NULL,
    -- The HubSpot company the row is about: the one matched when planned, the one made once a
    -- create landed.
    company_id        TEXT,
    -- The company's name as the plan knew it (HubSpot's, or the one a create sends), to show.
    name              TEXT,
    action            TEXT NOT NULL CHECK (action IN ('update', 'create', 'skip', 'invalid')),
    -- JSON array of reason codes: the skip reason, or an invalid row's reasons.
    reason            TEXT,
    -- JSON: [{field, property, before, after, kept}], the before-values an undo restores.
    changes           TEXT NOT NULL,
    notes             TEXT NOT NULL,
    -- NULL while a live write is pending; as sync_run_items' outcome otherwise.
    outcome           TEXT CHECK (outcome IN ('previewed', 'skipped', 'invalid', 'updated', 'created', 'failed')),
    error             TEXT,
    -- When a create's batch was about to be sent. Company creates are not idempotent (HubSpot
    -- doesn't keep domains unique): a later session finds a create that may have landed by its
    -- domain, once search's lag since this moment has passed, before it sends it again.
    sent_at           TEXT,
    PRIMARY KEY (run_id, seq),
    UNIQUE (run_id, domain)
) WITHOUT ROWID;

CREATE INDEX sync_run_companies_pending ON sync_run_companies (run_id) WHERE outcome IS NULL;

-- One row per lead row of a push that associates contacts with companies (its `seq` is the
-- lead's row in sync_run_items): the company domain the lead names, and the association the
-- push makes, or why it makes none.
CREATE TABLE sync_run_associations (
    run_id            INTEGER NOT NULL REFERENCES sync_runs (id) ON DELETE CASCADE,
    seq               INTEGER NOT NULL,
    -- No foreign key: the history outlives a deleted lead.
    lead_id           INTEGER NOT NULL,
    -- The lead's company domain, normalised; NULL when it names none (the reason says why).
    domain            TEXT,
    -- How the domain was found: the lead's domain field, or its email.
    source            TEXT CHECK (source IN ('domain', 'email')),
    -- The lead's values of the fields the company mapping fills properties from (JSON object),
    -- and when the lead last changed: of a domain's leads, the latest with a value gives it.
    lead_values       TEXT NOT NULL DEFAULT '{}',
    lead_updated_at   TEXT NOT NULL,
    -- The contact associated: known when planned, or the one the lead's create row made.
    contact_id        TEXT,
    -- The HubSpot company: known when planned, or the one the domain's create row made.
    company_id        TEXT,
    -- The contact's primary company before the push, which an undo makes primary again.
    previous_primary  TEXT,
    action            TEXT NOT NULL CHECK (action IN ('associate', 'skip')),
    -- JSON: the skip reason's code and parameters.
    reason            TEXT,
    -- NULL while planned and not decided, or while a live write is pending.
    outcome           TEXT CHECK (outcome IN ('previewed', 'skipped', 'associated', 'failed')),
    error             TEXT,
    PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;

CREATE INDEX sync_run_associations_by_domain ON sync_run_associations (run_id, domain);
CREATE INDEX sync_run_associations_pending ON sync_run_associations (run_id) WHERE outcome IS NULL;
-- The contacts whose current companies a plan still has to read, in order, a batch at a time.
CREATE INDEX sync_run_associations_undecided_contacts ON sync_run_associations (run_id, contact_id)
    WHERE outcome IS NULL;
