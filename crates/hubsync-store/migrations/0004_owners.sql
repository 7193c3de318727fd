-- HubSpot's contact owners as last read (active and deactivated), so a lead shows its owner's
-- name, email and whether the owner is active; and the owner's email and name as built-in lead
-- fields, which a pull fills from the contact's owner (a push can map owner_email to
-- hubspot_owner_id).

CREATE TABLE owners (
    id          TEXT PRIMARY KEY,
    email       TEXT,
    first_name  TEXT,
    last_name   TEXT,
    active      INTEGER NOT NULL,
    read_at     TEXT NOT NULL
);

CREATE INDEX owners_email ON owners (lower(email));

-- OR IGNORE: a store where the admin already made a field of that name keeps theirs.
INSERT OR IGNORE INTO fields (key, label, type, options, builtin, position, created_at) VALUES
    ('owner_email', 'Owner email', 'text', '[]', 1, 12, '1970-01-01T00:00:00.000Z'),
    ('owner_name',  'Owner name',  'text', '[]', 1, 13, '1970-01-01T00:00:00.000Z');
