-- Turns a current store back into one Hubsync's schema version 13 left: what migrations 0014
-- (the lead query paths, which touch every lead), 0015 (contact snapshots) and later made, gone. Used
-- by the store's, the command line's and the app's tests (`include_str!`) to open a store from
-- before them.
DROP TABLE schedule_claims;
ALTER TABLE portals DROP COLUMN schedules_paused;
DROP TABLE schedules;
ALTER TABLE sync_runs DROP COLUMN schedule_id;
ALTER TABLE sync_runs DROP COLUMN stop_code;
DROP TABLE run_holds;
DROP TABLE portal_guardrails;
ALTER TABLE sync_run_items DROP COLUMN related;
DROP TABLE sync_run_associations;
DROP TABLE sync_run_companies;
DROP INDEX lead_values_by_number;
DROP TABLE lead_search_vocab;
DROP INDEX lead_search_text_tail;
DROP TRIGGER leads_leave_search_chars;
DROP TABLE lead_search_chars;
ALTER TABLE portals DROP COLUMN snapshots_valid_from;
ALTER TABLE portals DROP COLUMN snapshots_epoch;
DROP TABLE contact_snapshots;
ALTER TABLE portals DROP COLUMN account_type;
ALTER TABLE portals DROP COLUMN checked_at;
ALTER TABLE portals DROP COLUMN check_passed;
ALTER TABLE lead_links DROP COLUMN synced_at;
ALTER TABLE sync_runs DROP COLUMN planned_at;
ALTER TABLE portal_push_rules DROP COLUMN decided_at;
DROP TRIGGER fields_leave_company_mappings;
DROP TABLE free_mail_overrides;
DROP TABLE portal_company_rules;
DROP TABLE portal_company_mappings;
DROP TABLE lead_deals;
DROP TABLE lead_companies;
DROP TABLE company_links;
DROP TABLE company_values;
DROP TABLE companies;
DROP TABLE company_fields;
PRAGMA user_version = 13;
