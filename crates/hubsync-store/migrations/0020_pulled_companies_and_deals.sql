-- What a pull's row brings beside its contact's values: the contact's primary company (the
-- company fields the pull sets, found by its HubSpot id or its domain) and its deals, as JSON
-- (`PulledRelated`), so a live pull applies them with the lead's values in one transaction and
-- a resume finishes them without calling HubSpot again. NULL: nothing beside the contact (every
-- push and undo row, a pull that read neither).

ALTER TABLE sync_run_items ADD COLUMN related TEXT CHECK (related IS NULL OR json_valid(related));
