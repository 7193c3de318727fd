-- A trigram index over each lead's searchable text, so a search (`Store::query_leads`) reads the
-- leads that hold the text instead of every value of every lead. One document a lead (its rowid
-- is the lead's id): the email key and each value, each folded as the search folds
-- (`hubsync_fold`), joined by U+001F, which a needle holding it never asks the index for. The
-- text is folded already, so the tokenizer keeps case; contentless, so the text isn't stored
-- twice. The store's write paths (add, edit, import, pull) rewrite a lead's document in the same
-- transaction as its values; a lead's removal drops it here.

CREATE VIRTUAL TABLE lead_search USING fts5 (
    text,
    content = '',
    contentless_delete = 1,
    tokenize = 'trigram case_sensitive 1'
);

INSERT INTO lead_search (rowid, text)
SELECT l.id,
       hubsync_fold(l.email_key)
       || COALESCE((SELECT group_concat(char(31) || hubsync_fold(v.value), '') FROM lead_values v WHERE v.lead_id = l.id), '')
FROM leads l;

CREATE TRIGGER leads_leave_search AFTER DELETE ON leads
BEGIN
    DELETE FROM lead_search WHERE rowid = old.id;
END;
