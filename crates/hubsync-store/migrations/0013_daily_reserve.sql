-- A private app's daily limit is the portal's, shared with every other app installed there: a
-- share of it (percent, 0 to 90) is kept free, and a run stops before it would use that share.
-- Ten percent unless the admin chooses otherwise.
ALTER TABLE portals ADD COLUMN daily_reserve_percent INTEGER NOT NULL DEFAULT 10;
