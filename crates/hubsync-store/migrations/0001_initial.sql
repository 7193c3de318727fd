-- Lead fields, leads and their values, the HubSpot mapping, push rules, connection metadata.

CREATE TABLE fields (
    key         TEXT PRIMARY KEY,
    label       TEXT NOT NULL,
    type        TEXT NOT NULL CHECK (type IN ('text', 'number', 'date', 'datetime', 'boolean', 'single_choice', 'multiple_choice')),
    options     TEXT NOT NULL DEFAULT '[]',  -- JSON array of strings, for the choice types
    builtin     INTEGER NOT NULL DEFAULT 0,
    position    INTEGER NOT NULL,
    created_at  TEXT NOT NULL
);

INSERT INTO fields (key, label, type, options, builtin, position, created_at) VALUES
    ('email',          'Email',           'text',          '[]', 1, 0,  '1970-01-01T00:00:00.000Z'),
    ('first_name',     'First name',      'text',          '[]', 1, 1,  '1970-01-01T00:00:00.000Z'),
    ('last_name',      'Last name',       'text',          '[]', 1, 2,  '1970-01-01T00:00:00.000Z'),
    ('company',        'Company',         'text',          '[]', 1, 3,  '1970-01-01T00:00:00.000Z'),
    ('job_title',      'Job title',       'text',          '[]', 1, 4,  '1970-01-01T00:00:00.000Z'),
    ('phone',          'Phone',           'text',          '[]', 1, 5,  '1970-01-01T00:00:00.000Z'),
    ('website',        'Website',         'text',          '[]', 1, 6,  '1970-01-01T00:00:00.000Z'),
    ('city',           'City',            'text',          '[]', 1, 7,  '1970-01-01T00:00:00.000Z'),
    ('country',        'Country',         'text',          '[]', 1, 8,  '1970-01-01T00:00:00.000Z'),
    ('company_size',   'Company size',    'single_choice', '["1-5","5-25","25-50","50-100","100-500","500-1000","1000+"]', 1, 9, '1970-01-01T00:00:00.000Z'),
    ('lifecycle_stage','Lifecycle stage', 'single_choice', '["subscriber","lead","marketingqualifiedlead","salesqualifiedlead","opportunity","customer","evangelist","other"]', 1, 10, '1970-01-01T00:00:00.000Z'),
    ('lead_status',    'Lead status',     'single_choice', '["NEW","OPEN","IN_PROGRESS","OPEN_DEAL","UNQUALIFIED","ATTEMPTED_TO_CONTACT","CONNECTED","BAD_TIMING"]', 1, 11, '1970-01-01T00:00:00.000Z');

CREATE TABLE leads (
    id          INTEGER PRIMARY KEY,
    email       TEXT NOT NULL,
    -- The email as compared: lowercased. Unique, so two leads never share an address.
    email_key   TEXT NOT NULL UNIQUE,
    hubspot_id  TEXT UNIQUE,
    owner_id    TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- Values other than email, in each field type's canonical text form.
CREATE TABLE lead_values (
    lead_id     INTEGER NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    field_key   TEXT NOT NULL REFERENCES fields (key),
    value       TEXT NOT NULL,
    PRIMARY KEY (lead_id, field_key)
) WITHOUT ROWID;

CREATE TABLE mappings (
    field_key   TEXT PRIMARY KEY REFERENCES fields (key),
    property    TEXT NOT NULL,
    write_rule  TEXT NOT NULL DEFAULT 'overwrite' CHECK (write_rule IN ('overwrite', 'if-empty'))
);

INSERT INTO mappings (field_key, property, write_rule) VALUES ('email', 'email', 'overwrite');

-- The email row is the sync's key: it can't be removed or pointed elsewhere.
CREATE TRIGGER mappings_keep_email BEFORE DELETE ON mappings
WHEN old.field_key = 'email'
BEGIN
    SELECT RAISE(ABORT, 'the email mapping cannot be removed');
END;

CREATE TRIGGER mappings_email_to_email BEFORE UPDATE ON mappings
WHEN new.field_key = 'email' AND new.property <> 'email'
BEGIN
    SELECT RAISE(ABORT, 'the email field maps to the email property only');
END;

CREATE TABLE push_rules (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    update_enabled  INTEGER NOT NULL,
    create_enabled  INTEGER NOT NULL,
    -- Creating contacts is allowed only while updating them is.
    CHECK (create_enabled = 0 OR update_enabled = 1)
);

INSERT INTO push_rules (id, update_enabled, create_enabled) VALUES (1, 1, 0);

-- What is known of the connected portal. Never a token or secret: those live in the OS keychain.
CREATE TABLE connection (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    portal_id   INTEGER NOT NULL,
    hub_domain  TEXT NOT NULL,
    user_email  TEXT NOT NULL,
    scopes      TEXT NOT NULL,  -- JSON array
    token_kind  TEXT NOT NULL CHECK (token_kind IN ('oauth', 'private-app', 'service-key', 'sandbox')),
    base_url    TEXT NOT NULL,
    connected_at TEXT NOT NULL
);
