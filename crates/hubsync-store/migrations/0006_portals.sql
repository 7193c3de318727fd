-- Several portals. Each connected portal keeps what is known of it, whether it is connected, and
-- its own configuration: the mapping, the push rules and the pull rules, and the leads' links to
-- its contacts (a contact id means nothing in another portal). One portal is active; every
-- configuration read and write goes to the active portal's profile. Profile 0 is the store's
-- configuration while no portal was ever connected; a portal connected for the first time starts
-- from a copy of the profile active at that moment.
--
-- Tokens and secrets are never here: they live in the OS keychain (or, opted into, a file only
-- the user can read); `secret_store` says which.

CREATE TABLE portals (
    portal_id     INTEGER PRIMARY KEY CHECK (portal_id > 0),
    -- What the admin sees beside the id: the portal's domain, or "Built-in sandbox portal".
    name          TEXT NOT NULL,
    hub_domain    TEXT NOT NULL,
    user_email    TEXT NOT NULL,
    scopes        TEXT NOT NULL CHECK (json_valid(scopes)),
    token_kind    TEXT NOT NULL CHECK (token_kind IN ('oauth', 'private-app', 'service-key', 'sandbox')),
    base_url      TEXT NOT NULL,
    -- OAuth: the app whose client secret refreshes the token.
    client_id     TEXT,
    secret_store  TEXT NOT NULL CHECK (secret_store IN ('keychain', 'file')),
    status        TEXT NOT NULL CHECK (status IN ('connected', 'reconnect-needed', 'disconnected')),
    -- Why the status is what it is, in words, when it isn't "connected".
    status_detail TEXT,
    active        INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1)),
    connected_at  TEXT NOT NULL
);

CREATE UNIQUE INDEX portals_one_active ON portals (active) WHERE active = 1;

-- The profile every configuration statement reads and writes.
CREATE VIEW active_profile AS
SELECT COALESCE((SELECT portal_id FROM portals WHERE active = 1), 0) AS portal_id;

-- The one connection so far becomes the active portal. Its token was kept in a file beside the
-- store, which Hubsync no longer reads: the admin connects again to move it into the keychain.
INSERT INTO portals (portal_id, name, hub_domain, user_email, scopes, token_kind, base_url, client_id,
                     secret_store, status, status_detail, active, connected_at)
SELECT portal_id, CASE WHEN hub_domain = '' THEN 'Portal ' || portal_id ELSE hub_domain END, hub_domain,
       user_email, scopes, token_kind, base_url, NULL, 'keychain', 'reconnect-needed',
       'Hubsync now keeps tokens in the OS keychain: connect again to move this portal''s token there.',
       1, connected_at
FROM connection;

DROP TABLE connection;

-- ---- the mapping, per profile ----

CREATE TABLE portal_mappings (
    portal_id   INTEGER NOT NULL,
    field_key   TEXT NOT NULL REFERENCES fields (key),
    property    TEXT NOT NULL,
    write_rule  TEXT NOT NULL DEFAULT 'overwrite' CHECK (write_rule IN ('overwrite', 'if-empty')),
    PRIMARY KEY (portal_id, field_key),
    UNIQUE (portal_id, property)
) WITHOUT ROWID;

-- Profile 0 and the active portal (if any) both start from the mapping so far.
INSERT INTO portal_mappings (portal_id, field_key, property, write_rule)
SELECT p.portal_id, m.field_key, m.property, m.write_rule
FROM mappings m, (SELECT 0 AS portal_id UNION SELECT portal_id FROM portals) p;

DROP TABLE mappings;

-- The email row is the sync's key: it can't be removed or pointed elsewhere in any profile.
CREATE TRIGGER portal_mappings_keep_email BEFORE DELETE ON portal_mappings
WHEN old.field_key = 'email'
BEGIN
    SELECT RAISE(ABORT, 'the email mapping cannot be removed');
END;

CREATE TRIGGER portal_mappings_email_to_email BEFORE UPDATE ON portal_mappings
WHEN new.field_key = 'email' AND (new.property <> 'email' OR new.write_rule <> 'overwrite')
BEGIN
    SELECT RAISE(ABORT, 'the email field maps to the email property only, overwriting');
END;

-- ---- push and pull rules, per profile ----

CREATE TABLE portal_push_rules (
    portal_id       INTEGER PRIMARY KEY,
    update_enabled  INTEGER NOT NULL,
    create_enabled  INTEGER NOT NULL,
    -- Creating contacts is allowed only while updating them is.
    CHECK (create_enabled = 0 OR update_enabled = 1)
);

INSERT INTO portal_push_rules (portal_id, update_enabled, create_enabled)
SELECT p.portal_id, r.update_enabled, r.create_enabled
FROM push_rules r, (SELECT 0 AS portal_id UNION SELECT portal_id FROM portals) p;

DROP TABLE push_rules;

-- No row means every contact.
CREATE TABLE portal_pull_rules (
    portal_id   INTEGER PRIMARY KEY,
    rules       TEXT NOT NULL CHECK (json_valid(rules)),
    updated_at  TEXT NOT NULL
);

INSERT INTO portal_pull_rules (portal_id, rules, updated_at)
SELECT p.portal_id, r.rules, r.updated_at
FROM pull_rules r, (SELECT 0 AS portal_id UNION SELECT portal_id FROM portals) p;

DROP TABLE pull_rules;

-- ---- the leads' links to contacts, per portal ----

CREATE TABLE lead_links (
    portal_id   INTEGER NOT NULL,
    lead_id     INTEGER NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    contact_id  TEXT NOT NULL,
    PRIMARY KEY (portal_id, lead_id),
    -- A contact links to one lead at most.
    UNIQUE (portal_id, contact_id)
) WITHOUT ROWID;

-- Links so far belong to the connected portal, or else to the portal of the latest run.
INSERT INTO lead_links (portal_id, lead_id, contact_id)
SELECT COALESCE((SELECT portal_id FROM portals WHERE active = 1),
                (SELECT portal_id FROM sync_runs WHERE portal_id IS NOT NULL ORDER BY id DESC LIMIT 1),
                0),
       id, hubspot_id
FROM leads WHERE hubspot_id IS NOT NULL;

-- `leads.hubspot_id` is no longer read or written. SQLite can't drop a UNIQUE column without
-- rebuilding `leads`, and a rebuild would cascade-delete every lead's values, so it stays, empty.
UPDATE leads SET hubspot_id = NULL;

-- ---- the store's identity ----

-- Names this store's entries in the OS keychain (`<store id>/portal-123/refresh-token`), so two
-- stores connected to the same portal never share or delete each other's tokens.
CREATE TABLE store_identity (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    store_id  TEXT NOT NULL
);

INSERT INTO store_identity (id, store_id) VALUES (1, lower(hex(randomblob(16))));
