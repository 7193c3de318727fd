-- What the Leads table's queries (`Store::query_leads`) read instead of every lead, for the
-- queries that still read them all (a million leads took up to a second):

-- A page sorted by a number field walks its values by size. Only values shaped like a number's
-- stored form (a digit or a minus first) are indexed: every value of a number field is, and a
-- text field's values cost nothing here unless they look like one. The value itself is in the
-- index, so the walk reads no row, and the id before it keeps ties in the page's order.
CREATE INDEX lead_values_by_number ON lead_values (field_key, CAST(value AS REAL), lead_id, value)
    WHERE value GLOB '[-0-9]*';

-- A search of two characters, which the trigram index (0010) can't take as a phrase: its terms
-- that start with them (`lead_search_vocab`) find every place they start a trigram, and this
-- finds the documents that end with them, the one place no trigram starts.
CREATE VIRTUAL TABLE lead_search_vocab USING fts5vocab (lead_search, 'row');
CREATE INDEX lead_search_text_tail ON lead_search_text (substr(text, -2));

-- A search of one character: which characters each lead's document holds, a bit each
-- (`hubsync_char_mask`), so counting the leads holding one reads a number a lead. The store's
-- write paths write it with the document.
CREATE TABLE lead_search_chars (
    lead_id INTEGER PRIMARY KEY,
    mask    INTEGER NOT NULL
);

CREATE TRIGGER leads_leave_search_chars AFTER DELETE ON leads
BEGIN
    DELETE FROM lead_search_chars WHERE lead_id = old.id;
END;

INSERT INTO lead_search_chars (lead_id, mask) SELECT lead_id, hubsync_char_mask(text) FROM lead_search_text;
