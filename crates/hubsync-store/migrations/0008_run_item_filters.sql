-- The Sync and History screens page through a run's rows filtered by action, outcome and email,
-- each page with its total, and a run's counts group its rows by action and outcome: this index
-- holds every column those read, so they scan it rather than the rows with their JSON.
CREATE INDEX sync_run_items_filters ON sync_run_items (run_id, action, outcome, email);
