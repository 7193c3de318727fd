-- Companies (read and written) and deals (read): the leads' companies, found by domain, each
-- linked to its HubSpot company per portal; a lead's deals as a pull last read them; a second
-- mapping, to company properties; the rules for pushing companies; and the free-mail domains
-- that name no company.

-- ---- company fields: as lead fields (`fields`), the same types and canonical forms ----

CREATE TABLE company_fields (
    key         TEXT PRIMARY KEY,
    label       TEXT NOT NULL,
    type        TEXT NOT NULL CHECK (type IN ('text', 'number', 'date', 'datetime', 'boolean', 'single_choice', 'multiple_choice')),
    options     TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(options)),
    builtin     INTEGER NOT NULL DEFAULT 0 CHECK (builtin IN (0, 1)),
    position    INTEGER NOT NULL,
    created_at  TEXT NOT NULL
);

-- `domain` is the company's key, as `email` is a lead's: its value lives in `companies`, never in
-- `company_values`. Industry is text: HubSpot's industry options are its own (UPPER_SNAKE), for
-- the admin to map once they are known.
INSERT INTO company_fields (key, label, type, options, builtin, position, created_at) VALUES
    ('domain',         'Domain',         'text',   '[]', 1, 0, '1970-01-01T00:00:00.000Z'),
    ('name',           'Name',           'text',   '[]', 1, 1, '1970-01-01T00:00:00.000Z'),
    ('industry',       'Industry',       'text',   '[]', 1, 2, '1970-01-01T00:00:00.000Z'),
    ('employees',      'Employees',      'number', '[]', 1, 3, '1970-01-01T00:00:00.000Z'),
    ('annual_revenue', 'Annual revenue', 'number', '[]', 1, 4, '1970-01-01T00:00:00.000Z'),
    ('phone',          'Phone',          'text',   '[]', 1, 5, '1970-01-01T00:00:00.000Z'),
    ('city',           'City',           'text',   '[]', 1, 6, '1970-01-01T00:00:00.000Z'),
    ('country',        'Country',        'text',   '[]', 1, 7, '1970-01-01T00:00:00.000Z'),
    ('website',        'Website',        'text',   '[]', 1, 8, '1970-01-01T00:00:00.000Z');

CREATE TRIGGER company_fields_keep_builtin BEFORE DELETE ON company_fields
WHEN old.builtin = 1
BEGIN
    SELECT RAISE(ABORT, 'a built-in company field cannot be removed');
END;

-- ---- companies and their values ----

CREATE TABLE companies (
    id          INTEGER PRIMARY KEY,
    -- The domain as shown and written: the normalised domain (hubsync_email::normalize_domain),
    -- or, for a company pulled from HubSpot, HubSpot's value when it is no domain (`acme`).
    domain      TEXT,
    -- The normalised domain, which companies are found by: one company a domain. NULL when the
    -- company has no domain, which only a company pulled from HubSpot may lack.
    domain_key  TEXT UNIQUE,
    -- Where the company was first known: made here ('local', from a domain), or pulled.
    origin      TEXT NOT NULL CHECK (origin IN ('local', 'pull')),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    CHECK (domain_key IS NOT NULL OR origin = 'pull'),
    CHECK (domain_key IS NULL OR domain = domain_key)
);

-- Values other than the domain, in each field type's canonical text form.
CREATE TABLE company_values (
    company_id  INTEGER NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    field_key   TEXT NOT NULL REFERENCES company_fields (key) ON DELETE CASCADE,
    value       TEXT NOT NULL,
    PRIMARY KEY (company_id, field_key)
) WITHOUT ROWID;

CREATE TRIGGER company_values_no_domain BEFORE INSERT ON company_values
WHEN new.field_key = 'domain'
BEGIN
    SELECT RAISE(ABORT, 'a company''s domain is kept in companies, not as a value');
END;

-- ---- each company's HubSpot company, per portal (a company id means nothing in another) ----

CREATE TABLE company_links (
    portal_id           INTEGER NOT NULL,
    company_id          INTEGER NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    hubspot_company_id  TEXT NOT NULL,
    -- When the company was last in step with its HubSpot company; NULL: never (a link made by
    -- hand, or one just moved to another HubSpot company).
    synced_at           TEXT,
    PRIMARY KEY (portal_id, company_id),
    -- A HubSpot company links to one company at most.
    UNIQUE (portal_id, hubspot_company_id)
) WITHOUT ROWID;

-- ---- a lead's company, and how it was found ----

CREATE TABLE lead_companies (
    lead_id     INTEGER PRIMARY KEY REFERENCES leads (id) ON DELETE CASCADE,
    company_id  INTEGER NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    -- 'domain': the lead's domain field named it; 'email': its email's domain; 'pull': its
    -- contact's company in HubSpot; 'manual': the admin chose it.
    source      TEXT NOT NULL CHECK (source IN ('domain', 'email', 'pull', 'manual'))
);

CREATE INDEX lead_companies_by_company ON lead_companies (company_id);

-- ---- a lead's deals in a portal, as a pull last read them (replaced whole per lead) ----

CREATE TABLE lead_deals (
    portal_id       INTEGER NOT NULL,
    lead_id         INTEGER NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    deal_id         TEXT NOT NULL,
    name            TEXT,
    pipeline_id     TEXT,
    pipeline_label  TEXT,
    stage_id        TEXT,
    stage_label     TEXT,
    -- A number field's canonical decimal (`1250.5`).
    amount          TEXT,
    currency        TEXT,
    close_date      TEXT,
    closed          INTEGER NOT NULL CHECK (closed IN (0, 1)),
    -- Known only for a closed deal: won (1) or lost (0).
    won             INTEGER CHECK (won IS NULL OR (won IN (0, 1) AND closed = 1)),
    read_at         TEXT NOT NULL,
    PRIMARY KEY (portal_id, lead_id, deal_id)
) WITHOUT ROWID;

-- ---- the company mapping, per profile (as portal_mappings) ----

-- Each company property is filled from one field: the company's own (`company`) or the lead's
-- whose push associates the company (`lead`, e.g. the lead's company name while the company
-- has none). The field is checked against its source's fields when a row is written; a field
-- removed takes its rows with it (the triggers below).
CREATE TABLE portal_company_mappings (
    portal_id   INTEGER NOT NULL,
    property    TEXT NOT NULL,
    source      TEXT NOT NULL CHECK (source IN ('lead', 'company')),
    field_key   TEXT NOT NULL,
    write_rule  TEXT NOT NULL DEFAULT 'overwrite' CHECK (write_rule IN ('overwrite', 'if-empty')),
    PRIMARY KEY (portal_id, property)
) WITHOUT ROWID;

-- Profile 0 and every portal start with the domain row.
INSERT INTO portal_company_mappings (portal_id, property, source, field_key, write_rule)
SELECT portal_id, 'domain', 'company', 'domain', 'overwrite'
FROM (SELECT 0 AS portal_id UNION SELECT portal_id FROM portals);

-- The domain row is what companies are matched by: it can't be removed or pointed elsewhere in
-- any profile, and the domain field fills no other property.
CREATE TRIGGER portal_company_mappings_keep_domain BEFORE DELETE ON portal_company_mappings
WHEN old.property = 'domain'
BEGIN
    SELECT RAISE(ABORT, 'the domain mapping cannot be removed');
END;

CREATE TRIGGER portal_company_mappings_domain_to_domain BEFORE UPDATE ON portal_company_mappings
WHEN (old.property = 'domain' OR new.property = 'domain' OR (new.source = 'company' AND new.field_key = 'domain'))
  AND NOT (new.property = 'domain' AND new.source = 'company' AND new.field_key = 'domain'
           AND new.write_rule = 'overwrite')
BEGIN
    SELECT RAISE(ABORT, 'the company domain field maps to the domain property only, overwriting');
END;

CREATE TRIGGER portal_company_mappings_domain_only BEFORE INSERT ON portal_company_mappings
WHEN (new.property = 'domain' OR (new.source = 'company' AND new.field_key = 'domain'))
  AND NOT (new.property = 'domain' AND new.source = 'company' AND new.field_key = 'domain'
           AND new.write_rule = 'overwrite')
BEGIN
    SELECT RAISE(ABORT, 'the company domain field maps to the domain property only, overwriting');
END;

CREATE TRIGGER company_fields_leave_mappings AFTER DELETE ON company_fields
BEGIN
    DELETE FROM portal_company_mappings WHERE source = 'company' AND field_key = old.key;
END;

CREATE TRIGGER fields_leave_company_mappings AFTER DELETE ON fields
BEGIN
    DELETE FROM portal_company_mappings WHERE source = 'lead' AND field_key = old.key;
END;

-- ---- the rules for companies, per profile ----

-- associate: a push associates each lead's contact with its company's HubSpot company (found by
-- its link or its domain). create: a company HubSpot lacks is created, only while associate is
-- on. domain_field: the lead field whose value names the lead's company domain (a website, say)
-- before its email's domain; NULL: the email's domain only. decided_at as 0017's push rules:
-- when the admin last saved the rules; NULL until then, and a new portal asks again.
CREATE TABLE portal_company_rules (
    portal_id           INTEGER PRIMARY KEY,
    associate_enabled   INTEGER NOT NULL DEFAULT 0 CHECK (associate_enabled IN (0, 1)),
    create_enabled      INTEGER NOT NULL DEFAULT 0 CHECK (create_enabled IN (0, 1)),
    domain_field        TEXT REFERENCES fields (key) ON DELETE SET NULL,
    decided_at          TEXT,
    -- Creating companies is allowed only while associating them is.
    CHECK (create_enabled = 0 OR associate_enabled = 1)
);

INSERT INTO portal_company_rules (portal_id)
SELECT portal_id FROM (SELECT 0 AS portal_id UNION SELECT portal_id FROM portals);

-- ---- the admin's changes to the maintained free-mail list, store-wide ----

-- free = 1 adds a domain (and its subdomains) to the list, free = 0 takes one off it; the most
-- specific name decides (hubsync_email::is_free_mail_with).
CREATE TABLE free_mail_overrides (
    domain      TEXT PRIMARY KEY,
    free        INTEGER NOT NULL CHECK (free IN (0, 1)),
    updated_at  TEXT NOT NULL
) WITHOUT ROWID;
