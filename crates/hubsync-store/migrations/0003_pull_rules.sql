-- Pull rules: which HubSpot contacts a pull brings in, as the sync crate's JSON (conditions,
-- new-only, modified-since). One row; no row means every contact.

CREATE TABLE pull_rules (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    rules       TEXT NOT NULL CHECK (json_valid(rules)),
    updated_at  TEXT NOT NULL
);
