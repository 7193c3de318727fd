-- A trigram index over each lead's searchable text, so a search (`Store::query_leads`) reads the
-- leads that hold the text instead of every value of every lead. One document a lead, in
-- `lead_search_text` (the index's content; its rowid the lead's id): the email key and each value,
-- each folded as the search folds (`hubsync_fold`), joined by U+001F, which no stored value holds
-- and a needle holding it never asks the index for. The text is folded already, so the
-- tokenizer keeps case. The store's write paths (add, edit, import, pull) write a lead's document
-- in the same transaction as its values, only when it changed; the triggers keep the index in
-- step with the documents, and a removed lead's document leaves with it.

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

CREATE TRIGGER lead_search_text_added AFTER INSERT ON lead_search_text
BEGIN
    INSERT INTO lead_search (rowid, text) VALUES (new.lead_id, new.text);
END;

CREATE TRIGGER lead_search_text_removed AFTER DELETE ON lead_search_text
BEGIN
    INSERT INTO lead_search (lead_search, rowid, text) VALUES ('delete', old.lead_id, old.text);
END;

CREATE TRIGGER lead_search_text_changed AFTER UPDATE ON lead_search_text
BEGIN
    INSERT INTO lead_search (lead_search, rowid, text) VALUES ('delete', old.lead_id, old.text);
    INSERT INTO lead_search (rowid, text) VALUES (new.lead_id, new.text);
END;

CREATE TRIGGER leads_leave_search AFTER DELETE ON leads
BEGIN
    DELETE FROM lead_search_text WHERE lead_id = old.id;
END;

INSERT INTO lead_search_text (lead_id, text)
SELECT l.id,
       hubsync_fold(l.email_key)
       || COALESCE((SELECT group_concat(char(31) || hubsync_fold(v.value), '') FROM lead_values v WHERE v.lead_id = l.id), '')
FROM leads l;
