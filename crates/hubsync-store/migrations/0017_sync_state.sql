-- What the overview tells of the leads and of the setup.
--
-- When each lead was last in step with its contact in a portal: the moment the push that wrote
-- it, or found it unchanged, read the leads (its run's `planned_at`), or the pull that wrote
-- it. A lead edited, added or imported after that (`leads.updated_at`) has changes a push would
-- send. NULL: never in step (a link made by hand, or an undo took the lead's values back).
ALTER TABLE lead_links ADD COLUMN synced_at TEXT;

-- When a run's plan began reading the leads: a live run made from a recorded preview keeps the
-- moment its plan read them, not the one it went live at. NULL for older runs: their start.
ALTER TABLE sync_runs ADD COLUMN planned_at TEXT;

-- When the admin last saved a portal's push rules (turned creating on or off, or kept them as
-- they were): the setup checklist asks for it. NULL until then; a new portal asks again.
ALTER TABLE portal_push_rules ADD COLUMN decided_at TEXT;

-- Rules changed from a new store's (update on, create off) were decided.
UPDATE portal_push_rules SET decided_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE create_enabled = 1 OR update_enabled = 0;

-- The history says when each link was last in step: the latest live push that wrote the lead
-- or found it unchanged, or pull that created it, at its contact...
UPDATE lead_links SET synced_at = last.at
FROM (
    SELECT r.portal_id, i.lead_id, i.contact_id, MAX(r.started_at) AS at
    FROM sync_run_items i JOIN sync_runs r ON r.id = i.run_id
    WHERE r.mode = 'live' AND r.portal_id IS NOT NULL AND i.contact_id IS NOT NULL
      AND ((r.kind = 'push' AND i.outcome IN ('updated', 'created'))
           OR (r.kind = 'push' AND i.outcome = 'skipped'
               AND EXISTS (SELECT 1 FROM json_each(i.reason) WHERE json_extract(json_each.value, '$.code') = 'unchanged'))
           OR (r.kind = 'pull' AND i.outcome = 'created'))
    GROUP BY r.portal_id, i.lead_id, i.contact_id
) AS last
WHERE lead_links.portal_id = last.portal_id AND lead_links.lead_id = last.lead_id
  AND lead_links.contact_id = last.contact_id;

-- ...unless a live undo took the lead's values back after it.
UPDATE lead_links SET synced_at = NULL
FROM (
    SELECT r.portal_id, i.lead_id, MAX(r.started_at) AS at
    FROM sync_run_items i JOIN sync_runs r ON r.id = i.run_id
    WHERE r.kind = 'undo' AND r.mode = 'live' AND r.portal_id IS NOT NULL AND i.outcome = 'updated'
    GROUP BY r.portal_id, i.lead_id
) AS undone
WHERE lead_links.portal_id = undone.portal_id AND lead_links.lead_id = undone.lead_id
  AND lead_links.synced_at < undone.at;
