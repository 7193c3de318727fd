//! A run's reasons, notes and failures as codes: a store written before them (schema 11, English
//! sentences in the rows) is converted by migration 0012, and rows read back by code alone.

use hubsync_store::{MIGRATIONS, RowFailure, RowNote, RowReason, RunAction, Store};
use rusqlite::params;

use crate::{clock, temp_dir};

/// The schema as it was before migration 0012.
const BEFORE_CODES: usize = 11;

/// One row as the older Hubsync wrote it: its reasons, notes and error as sentences.
struct OldRow {
    action: &'static str,
    outcome: Option<&'static str>,
    reasons: Option<&'static str>,
    notes: &'static str,
    error: Option<&'static str>,
}

#[test]
fn migration_0012_turns_the_sentences_of_older_rows_into_codes() {
    assert_eq!(MIGRATIONS[BEFORE_CODES].name, "0012_row_message_codes.sql");
    let dir = temp_dir("row-codes");
    let path = dir.join("hubsync.db");
    let rows = [
        OldRow {
            action: "skip",
            outcome: Some("skipped"),
            reasons: Some(r#"["no matching contact, and creating contacts is off"]"#),
            notes: "[]",
            error: None,
        },
        OldRow {
            action: "skip",
            outcome: Some("skipped"),
            reasons: Some(r#"["a contact matches, and updating contacts is off"]"#),
            notes: r#"["matched by HubSpot id 7; that contact's email is x@example.com, not the lead's"]"#,
            error: None,
        },
        OldRow {
            action: "skip",
            outcome: Some("skipped"),
            reasons: Some(r#"["unchanged"]"#),
            notes: "[]",
            error: None,
        },
        OldRow {
            action: "skip",
            outcome: Some("skipped"),
            reasons: Some(r#"["the contact has no email"]"#),
            notes: "[]",
            error: None,
        },
        OldRow {
            action: "skip",
            outcome: Some("skipped"),
            reasons: Some(r#"["already in the store, and the rules take new contacts only"]"#),
            notes: "[]",
            error: None,
        },
        OldRow {
            action: "invalid",
            outcome: Some("invalid"),
            reasons: Some(r#"["city → city: too long", "company: HubSpot has no property company"]"#),
            notes: "[]",
            error: None,
        },
        OldRow {
            action: "update",
            outcome: Some("failed"),
            reasons: None,
            notes: r#"["sets the earlier lifecycle stage once step 0 has cleared it", "contact 9 is linked to lead 3, so this lead was not linked to it"]"#,
            error: Some("HubSpot's reply had no result for this row"),
        },
        OldRow {
            action: "create",
            outcome: Some("failed"),
            reasons: None,
            notes: "[]",
            error: Some("HubSpot refused it (400 VALIDATION_ERROR): email is invalid"),
        },
        OldRow { action: "update", outcome: None, reasons: None, notes: "[]", error: None },
    ];
    // A store at schema 11: 0012 changes rows, not tables, so a store made now, marked 11 and
    // without what 0013 and later add is one an older Hubsync made (whose migrations need the
    // store's own SQL functions).
    drop(Store::open(&path, clock()).unwrap());
    // Back to 13 as every upgrade test goes there, then what 0013 added, gone too.
    super::upgrades::roll_back_to_13(&path);
    {
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        let tx = conn.transaction().unwrap();
        tx.pragma_update(None, "user_version", BEFORE_CODES as i64).unwrap();
        tx.execute_batch("ALTER TABLE portals DROP COLUMN daily_reserve_percent;").unwrap();
        tx.execute(
            "INSERT INTO sync_runs (id, kind, mode, status, settings, estimate, started_at)
             VALUES (1, 'push', 'live', 'interrupted', '{}', '{}', '2026-04-01T10:00:00Z')",
            [],
        )
        .unwrap();
        for (seq, row) in rows.iter().enumerate() {
            tx.execute(
                "INSERT INTO sync_run_items (run_id, seq, lead_id, email, action, reason, changes, notes, outcome, error)
                 VALUES (1, ?1, ?1, 'lead@example.com', ?2, ?3, '[]', ?4, ?5, ?6)",
                params![seq as i64, row.action, row.reasons, row.notes, row.outcome, row.error],
            )
            .unwrap();
        }
        tx.commit().unwrap();
    }

    let store = Store::open(&path, clock()).unwrap();
    assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len() as i64);
    let items = store.run_items(1).unwrap();
    let reasons: Vec<Vec<RowReason>> = items.iter().map(|i| i.reasons.clone()).collect();
    let text = |text: &str| RowReason::Text { text: text.into() };
    assert_eq!(
        reasons,
        [
            vec![RowReason::NoMatchCreateOff],
            vec![RowReason::UpdateOff],
            vec![RowReason::Unchanged],
            vec![RowReason::NoEmail],
            vec![RowReason::AlreadyInStore],
            vec![text("city → city: too long"), text("company: HubSpot has no property company")],
            vec![],
            vec![],
            vec![],
        ]
    );
    assert_eq!(
        items[1].notes,
        [RowNote::Text {
            text: "matched by HubSpot id 7; that contact's email is x@example.com, not the lead's".into()
        }]
    );
    assert_eq!(
        items[6].notes,
        [
            RowNote::StageAfterClear,
            RowNote::Text { text: "contact 9 is linked to lead 3, so this lead was not linked to it".into() }
        ]
    );
    let errors: Vec<Option<RowFailure>> = items.iter().map(|i| i.error.clone()).collect();
    assert_eq!(errors[6], Some(RowFailure::NoResult));
    assert_eq!(
        errors[7],
        Some(RowFailure::Text { text: "HubSpot refused it (400 VALIDATION_ERROR): email is invalid".into() })
    );
    assert!(errors.iter().enumerate().all(|(i, e)| e.is_some() == matches!(i, 6 | 7)), "{errors:?}");
    assert!(items.iter().filter(|i| i.seq != 1 && i.seq != 6).all(|i| i.notes.is_empty()));
    assert_eq!((items[8].action, items[8].outcome), (RunAction::Update, None), "a pending row stays pending");

    // The words people read are the ones the rows held.
    for (item, row) in items.iter().zip(&rows) {
        let words: Vec<String> = item.reasons.iter().map(ToString::to_string).collect();
        let before: Vec<String> = row.reasons.map(|r| serde_json::from_str(r).unwrap()).unwrap_or_default();
        assert_eq!(words, before);
        let words: Vec<String> = item.notes.iter().map(ToString::to_string).collect();
        assert_eq!(words, serde_json::from_str::<Vec<String>>(row.notes).unwrap());
        assert_eq!(item.error.as_ref().map(ToString::to_string).as_deref(), row.error);
    }
    drop(store);
    std::fs::remove_dir_all(dir).unwrap();
}

/// Each code and its parameters come back as written, and the JSON the app and `--json` get
/// carries the words.
#[test]
fn reasons_notes_and_failures_are_kept_as_codes_and_shown_as_words() {
    let reason = RowReason::SharedContact { contact_id: "7".into(), winner_email: "a@example.com".into() };
    let stored = serde_json::to_value(&reason).unwrap();
    assert_eq!(
        stored,
        serde_json::json!({ "code": "shared-contact", "contact_id": "7", "winner_email": "a@example.com" })
    );
    assert_eq!(serde_json::from_value::<RowReason>(stored).unwrap(), reason);
    let drift = RowReason::Drift { property: "company".into(), now: None, wrote: Some("New".into()), run_id: 4 };
    assert_eq!(drift.to_string(), r#"company is now empty (run 4 wrote "New")"#);
    let failure = RowFailure::Refused { status: 400, category: None, detail: "bad".into() };
    assert_eq!(failure.to_string(), "HubSpot refused it (400): bad");
    let note = RowNote::SeveralContacts { contact_ids: vec!["1".into(), "2".into()], chosen: "2".into() };
    assert_eq!(note.to_string(), "2 contacts have this email (1, 2); using 2, the most recently updated");

    let item = hubsync_store::RunItem {
        notes: vec![note],
        error: Some(failure),
        ..hubsync_store::RunItem::planned(
            0,
            1,
            "a@example.com".into(),
            None,
            RunAction::Invalid,
            vec![reason],
            hubsync_store::RunMode::Preview,
        )
    };
    let shown = serde_json::to_value(&item).unwrap();
    assert_eq!(
        shown["reasons"],
        serde_json::json!([
            "contact 7 is also matched by lead a@example.com, which is the one written; merge the two leads or change this one's email"
        ])
    );
    assert_eq!(shown["notes"][0], "2 contacts have this email (1, 2); using 2, the most recently updated");
    assert_eq!(shown["error"], "HubSpot refused it (400): bad");
}

/// A page of rows, which the app reads, carries each row's reasons as codes beside their words,
/// so the app can word them and say what to do; a row alone (`--json`) carries the words only.
#[test]
fn a_page_of_rows_carries_the_reasons_as_codes_beside_their_words() {
    let reasons = vec![
        RowReason::NoMatchCreateOff,
        RowReason::ValueRefused { field: "phone".into(), property: "phone".into(), detail: "not a number".into() },
    ];
    let item = hubsync_store::RunItem::planned(
        3,
        1,
        "a@example.com".into(),
        None,
        RunAction::Invalid,
        reasons,
        hubsync_store::RunMode::Preview,
    );
    let row = serde_json::to_value(&item).unwrap();
    let page = serde_json::to_value(hubsync_store::RunItemPage { total: 1, offset: 0, items: vec![item] }).unwrap();
    let shown = &page["items"][0];
    assert_eq!(
        shown["reason_codes"],
        serde_json::json!([
            { "code": "no-match-create-off" },
            { "code": "value-refused", "field": "phone", "property": "phone", "detail": "not a number" },
        ])
    );
    assert_eq!(
        shown["reasons"],
        serde_json::json!(["no matching contact, and creating contacts is off", "phone → phone: not a number"])
    );
    let mut without_codes = shown.clone();
    without_codes.as_object_mut().unwrap().remove("reason_codes");
    assert_eq!(without_codes, row, "the page's row is the row, and its codes");
    assert!(row.get("reason_codes").is_none());
}

/// A page of a push's company rows or association rows, which the app reads, carries each row's
/// reasons as codes beside their words, as a page of contact rows does; a row alone (`--json`)
/// carries the words only.
#[test]
fn a_page_of_company_and_association_rows_carries_the_reasons_as_codes() {
    use hubsync_store::{
        AssociationAction, AssociationReason, CompanyReason, RunAssociation, RunAssociationPage, RunCompany,
        RunCompanyPage,
    };
    let company = RunCompany {
        seq: 0,
        domain: "acme.test".into(),
        company_id: None,
        name: Some("Acme".into()),
        action: RunAction::Invalid,
        reasons: vec![
            CompanyReason::CreateOff,
            CompanyReason::ValueRefused {
                field: "employees".into(),
                property: "numberofemployees".into(),
                detail: "not a number".into(),
            },
        ],
        changes: Vec::new(),
        notes: Vec::new(),
        outcome: None,
        error: None,
        sent_at: None,
    };
    let row = serde_json::to_value(&company).unwrap();
    let page = serde_json::to_value(RunCompanyPage { items: vec![company] }).unwrap();
    let shown = &page["items"][0];
    assert_eq!(
        shown["reason_codes"],
        serde_json::json!([
            { "code": "create-off" },
            { "code": "value-refused", "field": "employees", "property": "numberofemployees", "detail": "not a number" },
        ])
    );
    assert_eq!(shown["reasons"][0], "no HubSpot company has this domain, and creating companies is off");
    let mut without_codes = shown.clone();
    without_codes.as_object_mut().unwrap().remove("reason_codes");
    assert_eq!(without_codes, row, "the page's row is the row, and its codes");

    let association = |reason: Option<AssociationReason>| RunAssociation {
        seq: 4,
        lead_id: 9,
        email: "ann@gmail.com".into(),
        domain: None,
        source: None,
        contact_id: Some("301".into()),
        company_id: None,
        previous_primary: None,
        previously_associated: None,
        action: if reason.is_some() { AssociationAction::Skip } else { AssociationAction::Associate },
        reason,
        outcome: None,
        error: None,
    };
    let page = RunAssociationPage {
        items: vec![association(Some(AssociationReason::FreeMail { domain: "gmail.com".into() })), association(None)],
    };
    let shown = serde_json::to_value(&page).unwrap();
    assert_eq!(shown["items"][0]["reason_code"], serde_json::json!({ "code": "free-mail", "domain": "gmail.com" }));
    assert_eq!(shown["items"][0]["reason"], "gmail.com is a free-mail domain, which names no company");
    assert!(shown["items"][1]["reason_code"].is_null() && shown["items"][1]["reason"].is_null());
    assert!(serde_json::to_value(&page.items[0]).unwrap().get("reason_code").is_none());
}
