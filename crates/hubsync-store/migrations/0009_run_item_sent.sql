-- A live run's create row is marked sent just before its batch goes to HubSpot. A row that is
-- still pending but was sent may have landed (the reply was lost to a crash or a dropped
-- connection): when a later session sends it again and HubSpot's upsert answers "not new", the
-- contact is still the one this run created.
ALTER TABLE sync_run_items ADD COLUMN sent INTEGER NOT NULL DEFAULT 0;
