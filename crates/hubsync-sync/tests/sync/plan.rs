//! The push plan, table by table: matching, write rules, rules, conversions and refusals.

use hubsync_store::{Lead, Mapping, PushRules, RowNote, RowReason, WriteRule};
use hubsync_sync::{Action, Found, PushInputs, PushPlan, SkipReason, plan_push};

use crate::support::{fields, found, lead, mappings, owners, properties, record};

fn plan(leads: &[Lead], found: &Found, rules: PushRules, city_rule: WriteRule) -> PushPlan {
    let (fields, mappings, properties, owners) = (fields(), mappings(city_rule), properties(), owners());
    plan_push(&PushInputs {
        leads,
        fields: &fields,
        mappings: &mappings,
        rules,
        properties: &properties,
        owners: &owners,
        found,
    })
}

const UPDATE_ONLY: PushRules = PushRules { update: true, create: false };
const BOTH: PushRules = PushRules { update: true, create: true };

#[test]
fn a_mixed_case_email_match_updates_only_what_differs() {
    let leads = [lead(1, "Ann@Example.com", None, &[("first_name", "Ann"), ("city", "Oslo"), ("score", "42")])];
    let hubspot = found(
        &[(
            "ann@example.com",
            vec![record(
                "501",
                &[("email", "ann@example.com"), ("firstname", "Ann"), ("city", "Bergen")],
                "2026-01-01",
            )],
        )],
        &[],
    );
    let plan = plan(&leads, &hubspot, UPDATE_ONLY, WriteRule::Overwrite);
    let item = &plan.items[0];
    assert_eq!(item.action, Action::Update { contact_id: "501".into() });
    let changed: Vec<(&str, Option<&str>, Option<&str>)> =
        item.changes.iter().map(|c| (c.property.as_str(), c.before.as_deref(), c.after.as_deref())).collect();
    assert_eq!(changed, [("city", Some("Bergen"), Some("Oslo")), ("lead_score", None, Some("42"))]);
    assert!(item.notes.is_empty());
}

#[test]
fn if_empty_keeps_hubspots_value_and_fills_empty_ones() {
    let leads = [lead(1, "a@x.com", None, &[("city", "Oslo")]), lead(2, "b@x.com", None, &[("city", "Rome")])];
    let hubspot = found(
        &[("a@x.com", vec![record("1", &[("city", "Bergen")], "t")]), ("b@x.com", vec![record("2", &[], "t")])],
        &[],
    );
    let plan = plan(&leads, &hubspot, UPDATE_ONLY, WriteRule::IfEmpty);
    assert_eq!(plan.items[0].action, Action::Skip { reason: SkipReason::Unchanged });
    let kept = &plan.items[0].changes[0];
    assert!(kept.kept && kept.after.is_none() && kept.before.as_deref() == Some("Bergen"));
    assert_eq!(plan.items[1].action, Action::Update { contact_id: "2".into() });
    assert_eq!(plan.items[1].changes[0].after.as_deref(), Some("Rome"));
}

#[test]
fn rules_decide_creates_and_updates() {
    let leads =
        [lead(1, "new@x.com", None, &[("first_name", "Nu")]), lead(2, "old@x.com", None, &[("first_name", "Ol")])];
    let hubspot = found(&[("old@x.com", vec![record("9", &[], "t")])], &[]);
    let create_off = plan(&leads, &hubspot, UPDATE_ONLY, WriteRule::Overwrite);
    assert_eq!(create_off.items[0].action, Action::Skip { reason: SkipReason::NoMatchCreateOff });
    let create_on = plan(&leads, &hubspot, BOTH, WriteRule::Overwrite);
    assert_eq!(create_on.items[0].action, Action::Create);
    let written: Vec<&str> = create_on.items[0].changes.iter().map(|c| c.property.as_str()).collect();
    assert_eq!(written, ["email", "firstname"], "a create carries the email");
    let update_off = plan(&leads, &hubspot, PushRules { update: false, create: false }, WriteRule::Overwrite);
    assert_eq!(update_off.items[1].action, Action::Skip { reason: SkipReason::UpdateOff });
    assert_eq!(update_off.items[0].action, Action::Skip { reason: SkipReason::NoMatchCreateOff });
    assert_eq!((create_on.counts.create, create_on.counts.update), (1, 1));
}

#[test]
fn matching_email_first_then_id_and_saying_so() {
    let leads = [
        lead(1, "dup@x.com", None, &[("city", "A")]),
        lead(2, "moved@x.com", Some("77"), &[("city", "B")]),
        lead(3, "linked@x.com", Some("88"), &[("city", "C")]),
    ];
    let hubspot = found(
        &[
            (
                "dup@x.com",
                vec![record("10", &[], "2026-01-01T00:00:00.000Z"), record("11", &[], "2026-03-01T00:00:00.000Z")],
            ),
            ("moved@x.com", vec![record("20", &[], "t")]),
        ],
        &[record("88", &[("email", "old-address@x.com")], "t")],
    );
    let plan = plan(&leads, &hubspot, UPDATE_ONLY, WriteRule::Overwrite);
    assert_eq!(plan.items[0].contact_id.as_deref(), Some("11"), "the most recently updated");
    let several = RowNote::SeveralContacts { contact_ids: vec!["10".into(), "11".into()], chosen: "11".into() };
    assert_eq!(plan.items[0].notes, [several]);
    assert!(plan.items[0].notes[0].to_string().contains("2 contacts have this email"), "{:?}", plan.items[0].notes);
    assert_eq!(plan.items[1].contact_id.as_deref(), Some("20"), "email wins over the linked id");
    assert_eq!(plan.items[1].notes, [RowNote::EmailMatchWins { linked: "77".into(), chosen: "20".into() }]);
    assert!(plan.items[1].notes[0].to_string().contains("linked to contact 77"));
    assert_eq!(plan.items[2].contact_id.as_deref(), Some("88"), "the linked id when the email finds nothing");
    assert_eq!(plan.items[2].notes, [RowNote::MatchedById { linked: "88".into(), email: "old-address@x.com".into() }]);
    assert!(plan.items[2].notes[0].to_string().contains("old-address@x.com"));
    assert!(plan.items[2].changes.iter().all(|c| c.property != "email"), "an update never rewrites the email");
}

#[test]
fn bad_values_make_the_row_invalid_with_every_reason() {
    let leads = [
        lead(1, "a@x.com", None, &[("tier", "Platinum"), ("owner_email", "gone@acme.test"), ("stage", "lead")]),
        lead(2, "b@x.com", None, &[("owner_email", "SAM@acme.test"), ("stage", "customer"), ("tier", "GOLD")]),
        lead(3, "c@x.com", None, &[("score", "")]),
    ];
    let hubspot = found(
        &[
            ("a@x.com", vec![record("1", &[("lifecyclestage", "customer")], "t")]),
            ("b@x.com", vec![record("2", &[("lifecyclestage", "lead")], "t")]),
            ("c@x.com", vec![record("3", &[("lead_score", "5")], "t")]),
        ],
        &[],
    );
    let plan = plan(&leads, &hubspot, UPDATE_ONLY, WriteRule::Overwrite);
    let Action::Invalid { reasons } = &plan.items[0].action else { panic!("{:?}", plan.items[0]) };
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(reasons.iter().any(|r| r.to_string().contains("Platinum")));
    assert!(reasons.iter().any(|r| r.to_string().contains("deactivated")));
    assert!(reasons.iter().any(|r| r.to_string().contains("only moves the stage forward")));
    let converted: Vec<(&str, Option<&str>)> =
        plan.items[1].changes.iter().map(|c| (c.property.as_str(), c.after.as_deref())).collect();
    assert_eq!(
        converted,
        [("lifecyclestage", Some("customer")), ("hubspot_owner_id", Some("101")), ("customer_tier", Some("gold"))]
    );
    assert_eq!(plan.items[2].action, Action::Skip { reason: SkipReason::Unchanged }, "a blank never wipes HubSpot");
    assert_eq!(plan.counts.invalid, 1);
}

#[test]
fn a_mapping_to_a_missing_property_is_reported() {
    let leads = [lead(1, "a@x.com", None, &[("first_name", "A")])];
    let (fields, mut mappings, properties, owners) = (fields(), mappings(WriteRule::Overwrite), properties(), owners());
    mappings.push(Mapping {
        field_key: "first_name".into(),
        property: "deleted_prop".into(),
        write_rule: WriteRule::Overwrite,
    });
    let hubspot = found(&[("a@x.com", vec![record("1", &[], "t")])], &[]);
    let plan = plan_push(&PushInputs {
        leads: &leads,
        fields: &fields,
        mappings: &mappings,
        rules: UPDATE_ONLY,
        properties: &properties,
        owners: &owners,
        found: &hubspot,
    });
    let Action::Invalid { reasons } = &plan.items[0].action else { panic!() };
    assert_eq!(reasons, &[RowReason::NoSuchProperty { field: "first_name".into(), property: "deleted_prop".into() }]);
    assert_eq!(reasons[0].to_string(), "first_name: HubSpot has no property deleted_prop");
}

#[test]
fn two_leads_reaching_one_contact_write_it_once() {
    // Contact 30's primary email is main@x.com; alias@x.com is one of its additional emails.
    let contact = record("30", &[("email", "main@x.com"), ("hs_additional_emails", "alias@x.com")], "t");
    let leads = [
        lead(1, "alias@x.com", None, &[("city", "A")]),
        lead(2, "Main@X.com", None, &[("city", "B")]),
        lead(3, "gone@x.com", Some("404"), &[("city", "C")]),
    ];
    let hubspot = found(&[("alias@x.com", vec![contact.clone()]), ("main@x.com", vec![contact])], &[]);
    let plan = plan(&leads, &hubspot, BOTH, WriteRule::Overwrite);
    assert_eq!(plan.items[1].action, Action::Update { contact_id: "30".into() }, "the primary email's lead wins");
    let Action::Invalid { reasons } = &plan.items[0].action else { panic!("{:?}", plan.items[0].action) };
    assert_eq!(reasons, &[RowReason::SharedContact { contact_id: "30".into(), winner_email: "Main@X.com".into() }]);
    assert!(reasons[0].to_string().contains("contact 30 is also matched by lead Main@X.com"), "{reasons:?}");
    assert_eq!(plan.items[2].action, Action::Create, "its linked contact is gone");
    assert_eq!(plan.items[2].notes, [RowNote::LinkedContactGone { linked: "404".into() }]);
    assert!(plan.items[2].notes[0].to_string().contains("no longer has"), "{:?}", plan.items[2].notes);
    let email = plan.items[2].changes.iter().find(|c| c.property == "email").unwrap();
    assert_eq!(email.after.as_deref(), Some("gone@x.com"));
    assert_eq!((plan.counts.update, plan.counts.create, plan.counts.invalid), (1, 1, 1));
}

#[test]
fn the_same_lead_wins_a_contact_when_the_winner_has_nothing_to_write() {
    let contact = record("30", &[("email", "main@x.com"), ("hs_additional_emails", "alias@x.com"), ("city", "B")], "t");
    let leads = [lead(1, "alias@x.com", None, &[("city", "A")]), lead(2, "main@x.com", None, &[("city", "B")])];
    let hubspot = found(&[("alias@x.com", vec![contact.clone()]), ("main@x.com", vec![contact])], &[]);
    let plan = plan(&leads, &hubspot, UPDATE_ONLY, WriteRule::Overwrite);
    assert_eq!(plan.items[1].action, Action::Skip { reason: SkipReason::Unchanged });
    assert!(matches!(plan.items[0].action, Action::Invalid { .. }), "{:?}", plan.items[0].action);
}

#[test]
fn skip_reason_names_are_the_json_ones() {
    for reason in [SkipReason::Unchanged, SkipReason::NoMatchCreateOff, SkipReason::UpdateOff] {
        assert_eq!(serde_json::to_value(&reason).unwrap(), reason.as_str());
    }
}

#[test]
fn a_lead_whose_email_hubspot_refuses_is_invalid_not_a_create() {
    // Leads a store kept from before it checked emails as HubSpot does: a create would fail
    // with INVALID_EMAIL, so the preview must not promise one.
    let leads = [
        lead(1, "a.@x.com", None, &[("city", "Oslo")]),
        lead(2, "x..y@x.com", None, &[]),
        lead(3, "q@-bad.x.com", None, &[]),
        lead(4, "z@x.c", None, &[]),
        lead(5, "fine@x.com", None, &[]),
    ];
    let plan = plan(&leads, &found(&[], &[]), BOTH, WriteRule::Overwrite);
    for item in &plan.items[..4] {
        let Action::Invalid { reasons } = &item.action else { panic!("{}: {:?}", item.email, item.action) };
        assert!(
            reasons.iter().any(|r| matches!(r, RowReason::EmailRefused { .. })
                && r.to_string().starts_with("email: HubSpot refuses this address: ")),
            "{reasons:?}"
        );
    }
    let Action::Invalid { reasons } = &plan.items[3].action else { unreachable!() };
    assert!(reasons[0].to_string().contains("\"c\" is not a top-level domain"), "{reasons:?}");
    assert_eq!(plan.items[4].action, Action::Create);
    assert_eq!((plan.counts.create, plan.counts.invalid), (1, 4));
}

/// A run's skipped row tells its reason by code: a push's and a pull's rows come back as the
/// skip reasons they were planned with, whatever the words say.
#[test]
fn a_skipped_row_comes_back_with_its_reason_by_code() {
    use hubsync_store::journal::Journal;
    use hubsync_store::{NewRun, RunAction, RunItem, RunKind, RunMode, Store, SystemClock};
    use hubsync_sync::{PullAction, PullSkip, plan_item, pull_item};

    let mut store = Store::open_in_memory(std::sync::Arc::new(SystemClock)).unwrap();
    let skipped = |seq: i64, reason: RowReason| {
        RunItem::planned(seq, seq, format!("l{seq}@x.com"), None, RunAction::Skip, vec![reason], RunMode::Preview)
    };
    let push = [SkipReason::Unchanged, SkipReason::NoMatchCreateOff, SkipReason::UpdateOff];
    let pull = [PullSkip::Unchanged, PullSkip::NoEmail, PullSkip::AlreadyInStore];
    let mut run = |kind, items: Vec<RunItem>| {
        let new = NewRun {
            kind,
            mode: RunMode::Preview,
            portal_id: None,
            settings: serde_json::json!({}),
            estimate: serde_json::json!({}),
            api_calls: 0,
        };
        let run_id = store.create_run(&new, &items).unwrap();
        store.run_items(run_id).unwrap()
    };
    let pushed = run(RunKind::Push, push.iter().zip(0..).map(|(r, seq)| skipped(seq, r.row_reason())).collect());
    let pulled = run(RunKind::Pull, pull.iter().zip(0..).map(|(r, seq)| skipped(seq, r.row_reason())).collect());
    let pushed: Vec<Action> = pushed.into_iter().map(|i| plan_item(i).action).collect();
    assert_eq!(pushed, push.map(|reason| Action::Skip { reason }));
    let pulled: Vec<PullAction> = pulled.into_iter().map(|i| pull_item(i).action).collect();
    assert_eq!(pulled, pull.map(|reason| PullAction::Skip { reason }));
}
