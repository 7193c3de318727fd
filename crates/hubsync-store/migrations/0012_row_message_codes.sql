-- A row's reasons, notes and failure are kept as stable codes with their parameters
-- ({"code": "…", …}), no longer as English sentences: code reads a row back by its code alone, so
-- rewording a message never changes what an old run means (a push's skip reason used to be
-- recovered by matching its sentence). `reason` and `notes` stay JSON arrays, now of objects;
-- `error` holds one object.
--
-- The sentences a row's meaning was read from, and the other fixed ones, become their codes.
-- A sentence with values in it (a contact id, a HubSpot message) becomes {"code": "text"} with
-- the sentence as written: it is shown as it was, and nothing decodes it.

UPDATE sync_run_items
SET reason = (
    SELECT json_group_array(json(message))
    FROM (
        SELECT CASE
                   WHEN json_each.value = 'unchanged' THEN '{"code":"unchanged"}'
                   WHEN json_each.value = 'no matching contact, and creating contacts is off'
                       THEN '{"code":"no-match-create-off"}'
                   WHEN json_each.value = 'a contact matches, and updating contacts is off'
                       THEN '{"code":"update-off"}'
                   WHEN json_each.value = 'the contact has no email' THEN '{"code":"no-email"}'
                   WHEN json_each.value = 'already in the store, and the rules take new contacts only'
                       THEN '{"code":"already-in-store"}'
                   ELSE json_object('code', 'text', 'text', json_each.value)
               END AS message
        FROM json_each(sync_run_items.reason)
        ORDER BY json_each.key
    )
)
WHERE reason IS NOT NULL;

UPDATE sync_run_items
SET notes = (
    SELECT json_group_array(json(message))
    FROM (
        SELECT CASE
                   WHEN json_each.value = 'sets the earlier lifecycle stage once step 0 has cleared it'
                       THEN '{"code":"stage-after-clear"}'
                   ELSE json_object('code', 'text', 'text', json_each.value)
               END AS message
        FROM json_each(sync_run_items.notes)
        ORDER BY json_each.key
    )
)
WHERE notes <> '[]';

UPDATE sync_run_items
SET error = CASE
                WHEN error = 'HubSpot''s reply had no result for this row' THEN '{"code":"no-result"}'
                ELSE json_object('code', 'text', 'text', error)
            END
WHERE error IS NOT NULL;
