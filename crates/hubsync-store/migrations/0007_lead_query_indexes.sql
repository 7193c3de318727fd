-- Indexes for the lead table's queries (`Store::query_leads`): a filter on one field reads only
-- that field's values, and a page sorted by a field's text (case ignored, as the table sorts it)
-- or by when leads were added or changed walks an index instead of sorting every lead.

CREATE INDEX lead_values_by_field ON lead_values (field_key, value COLLATE NOCASE);
CREATE INDEX leads_created_at ON leads (created_at);
CREATE INDEX leads_updated_at ON leads (updated_at);
