-- What pushes last read of each contact, per portal, so that the next push reads only what
-- HubSpot changed since (a search on lastmodifieddate) and the contacts it never read. Every row
-- of a portal holds the contact as HubSpot had it at some moment after the portal's
-- `snapshots_valid_from`: any later change has a lastmodifieddate the next push's search reaches.
-- Nothing here is the admin's data: dropping it only makes the next push read everything again.
CREATE TABLE contact_snapshots (
    portal_id   INTEGER NOT NULL,
    contact_id  TEXT NOT NULL,
    -- The portal's `snapshots_epoch` the row was read in: only rows of the current one are used.
    epoch       INTEGER NOT NULL,
    -- The properties read, as HubSpot gave them: a JSON object, null for an empty value.
    properties  TEXT NOT NULL CHECK (json_valid(properties)),
    -- HubSpot's lastmodifieddate as read, so an older read never replaces a newer one.
    modified_at TEXT,
    PRIMARY KEY (portal_id, contact_id)
) WITHOUT ROWID;

-- The moment every snapshot of the portal's current epoch is known to be current from (this
-- machine's clock); none yet. A push that reads every lead starts a new epoch: the rows of older
-- ones, and the moment a push of an older one would set, are never used.
ALTER TABLE portals ADD COLUMN snapshots_valid_from TEXT;
ALTER TABLE portals ADD COLUMN snapshots_epoch INTEGER NOT NULL DEFAULT 0;
