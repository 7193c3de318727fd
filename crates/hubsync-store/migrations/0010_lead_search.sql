-- A trigram index over each lead's searchable text, so a search (`Store::query_leads`) reads the
-- leads that hold the text instead of every value of every lead. One document a lead, in
-- `lead_search_text` (the index's content; its rowid the lead's id): the email key and each value,
-- each folded as the search folds (`hubsync_fold`), joined by U+001F, which no stored value holds
-- and a needle holding it never asks the index for. The text is folded already, so the
-- tokenizer keeps case. The store's write paths (add, edit, import, pull) write a lead's document
-- and the index in the same transaction as its values, only when it changed, each by a statement
-- of one row: a trigger (or any statement that may need undoing midway) makes FTS5 flush its
-- pending terms at every row, which made a bulk import several times slower.

CREATE TABLE lead_search_text (
    lead_id INTEGER PRIMARY KEY,
    text    TEXT NOT NULL
);

CREATE VIRTUAL TABLE lead_search USING fts5 (
    text,
    content = 'lead_search_text',
    content_rowid = 'lead_id',
    tokenize = 'trigram case_sensitive 1'
);

-- A removed lead's document leaves the index by its old text, as an external-content index needs.
CREATE TRIGGER leads_leave_search AFTER DELETE ON leads
BEGIN
    INSERT INTO lead_search (lead_search, rowid, text)
        SELECT 'delete', lead_id, text FROM lead_search_text WHERE lead_id = old.id;
    DELETE FROM lead_search_text WHERE lead_id = old.id;
END;

INSERT INTO lead_search_text (lead_id, text)
SELECT l.id,
       hubsync_fold(l.email_key)
       || COALESCE((SELECT group_concat(char(31) || hubsync_fold(v.value), '') FROM lead_values v WHERE v.lead_id = l.id), '')
FROM leads l;

INSERT INTO lead_search (lead_search) VALUES ('rebuild');
