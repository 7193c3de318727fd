-- What HubSpot says a portal is: its account details' `accountType` as HubSpot spells it
-- (STANDARD for a production account, SANDBOX, DEVELOPER_TEST, APP_DEVELOPER), so the app tells a
-- test account from production before anything is written. NULL for a portal saved before
-- Hubsync read it: Test Connection learns it.
ALTER TABLE portals ADD COLUMN account_type TEXT;

-- The portal's last check (connecting, Test Connection, a status check): when, and whether it
-- passed. A portal saved before was checked when it was connected, and passed.
ALTER TABLE portals ADD COLUMN checked_at TEXT;
ALTER TABLE portals ADD COLUMN check_passed INTEGER CHECK (check_passed IN (0, 1));

UPDATE portals SET checked_at = connected_at, check_passed = 1;
