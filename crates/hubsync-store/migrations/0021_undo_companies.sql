-- An undo takes back a push's companies and associations as it does its contacts: it restores
-- the company values the push overwrote, archives the companies it created (if asked), and
-- removes the associations it made, making the contact's previous primary company primary
-- again. Its rows go in the push's tables under the undo run, so both tables are rebuilt here
-- (SQLite can't alter a CHECK): a company row may archive ('archive', 'archived'), an
-- association row may take an association back ('unassociate', 'unassociated'). Every row,
-- index and comment is kept; the new columns are NULL on the rows already there ("not
-- recorded").

CREATE TABLE sync_run_companies_0021 (
    run_id            INTEGER NOT NULL REFERENCES sync_runs (id) ON DELETE CASCADE,
    seq               INTEGER NOT NULL,
    -- The normalised domain (hubsync_email::normalize_domain): one row a domain in a run.
    domain            TEXT NOT NULL,
    -- The HubSpot company the row is about: the one matched when planned, the one made once a
    -- create landed.
    company_id        TEXT,
    -- The company's name as the plan knew it (HubSpot's, or the one a create sends), to show.
    name              TEXT,
    -- A push's: update, create, skip, invalid. An undo's: update (put the values back),
    -- archive (a company the push created), skip.
    action            TEXT NOT NULL CHECK (action IN ('update', 'create', 'skip', 'invalid', 'archive')),
    -- JSON array of reason codes: the skip reason, or an invalid row's reasons.
    reason            TEXT,
    -- JSON: [{field, property, before, after, kept}], the before-values an undo restores.
    changes           TEXT NOT NULL,
    notes             TEXT NOT NULL,
    -- NULL while a live write is pending; as sync_run_items' outcome otherwise.
    outcome           TEXT CHECK (outcome IN ('previewed', 'skipped', 'invalid', 'updated', 'created', 'archived', 'failed')),
    error             TEXT,
    -- When a create's batch was about to be sent. Company creates are not idempotent (HubSpot
    -- doesn't keep domains unique): a later session finds a create that may have landed by its
    -- domain, once search's lag since this moment has passed, before it sends it again.
    sent_at           TEXT,
    PRIMARY KEY (run_id, seq),
    UNIQUE (run_id, domain)
) WITHOUT ROWID;

INSERT INTO sync_run_companies_0021 (run_id, seq, domain, company_id, name, action, reason, changes, notes, outcome,
                                     error, sent_at)
SELECT run_id, seq, domain, company_id, name, action, reason, changes, notes, outcome, error, sent_at
FROM sync_run_companies;

DROP TABLE sync_run_companies;
ALTER TABLE sync_run_companies_0021 RENAME TO sync_run_companies;

CREATE INDEX sync_run_companies_pending ON sync_run_companies (run_id) WHERE outcome IS NULL;

-- A push's rows: one per lead row of a push that associates contacts with companies (its `seq`
-- is the lead's row in sync_run_items). An undo's rows: one per association the push made,
-- numbered on their own (`seq` is no row of the undo's sync_run_items; `email` names the lead).
CREATE TABLE sync_run_associations_0021 (
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
    -- A push's: associate, skip. An undo's: unassociate (previous_primary primary again, then the
    -- push's association removed), skip.
    action            TEXT NOT NULL CHECK (action IN ('associate', 'skip', 'unassociate')),
    -- JSON: the skip reason's code and parameters (a forced undo's row: what it overrode).
    reason            TEXT,
    -- NULL while planned and not decided, or while a live write is pending.
    outcome           TEXT CHECK (outcome IN ('previewed', 'skipped', 'associated', 'unassociated', 'failed')),
    error             TEXT,
    -- A push's: whether the contact was associated with the company (not as its primary) before
    -- the push. An undo's: 1 keeps the pair and removes only the primary label, 0 removes the
    -- pair. NULL: not recorded (a push from before this migration).
    previously_associated INTEGER CHECK (previously_associated IN (0, 1)),
    -- The lead's company in the store before the push's association set it (lead_companies):
    -- the local company and how it was found, 'none' when the lead had none; NULL source: not
    -- recorded. An undo puts it back while the lead's company is still the one the push set.
    lead_company_before_id     INTEGER,
    lead_company_before_source TEXT CHECK (lead_company_before_source IN ('domain', 'email', 'pull', 'manual', 'none')),
    -- An undo's row: the lead's email as the push's row had it (a push's comes from its item).
    email             TEXT,
    PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;

INSERT INTO sync_run_associations_0021 (run_id, seq, lead_id, domain, source, lead_values, lead_updated_at, contact_id,
                                        company_id, previous_primary, action, reason, outcome, error)
SELECT run_id, seq, lead_id, domain, source, lead_values, lead_updated_at, contact_id, company_id, previous_primary,
       action, reason, outcome, error
FROM sync_run_associations;

DROP TABLE sync_run_associations;
ALTER TABLE sync_run_associations_0021 RENAME TO sync_run_associations;

CREATE INDEX sync_run_associations_by_domain ON sync_run_associations (run_id, domain);
CREATE INDEX sync_run_associations_pending ON sync_run_associations (run_id) WHERE outcome IS NULL;
-- The contacts whose current companies a plan still has to read, in order, a batch at a time.
CREATE INDEX sync_run_associations_undecided_contacts ON sync_run_associations (run_id, contact_id)
    WHERE outcome IS NULL;
