//! A pull's rows with their contacts' companies and deals: applied with the lead in one
//! transaction, a row the store refuses (a bad deal, a company value its field refuses) failing
//! alone, and a live run copied from a preview keeping them.

use hubsync_store::journal::{Journal, PlanJournal};
use hubsync_store::{
    CompanySource, Deal, FieldChange, ItemOutcome, NewRun, PulledCompany, PulledLead, PulledRelated, RowFailure,
    RunAction, RunKind, RunMode,
};
use serde_json::json;

fn deal(id: &str, amount: &str) -> Deal {
    Deal {
        deal_id: id.into(),
        name: Some(format!("Deal {id}")),
        pipeline_id: Some("default".into()),
        pipeline_label: Some("Sales Pipeline".into()),
        stage_id: Some("closedwon".into()),
        stage_label: Some("Closed Won".into()),
        amount: Some(amount.into()),
        currency: Some("eur".into()),
        close_date: None,
        closed: true,
        won: Some(true),
    }
}

fn company(hubspot_id: &str, domain: Option<&str>, industry: &str) -> PulledCompany {
    PulledCompany {
        hubspot_company_id: hubspot_id.into(),
        domain: domain.map(String::from),
        name: None,
        company_id: None,
        changes: vec![FieldChange {
            field: "industry".into(),
            property: "industry".into(),
            before: None,
            after: Some(industry.into()),
            kept: false,
        }],
    }
}

fn pull_run() -> NewRun {
    NewRun {
        kind: RunKind::Pull,
        mode: RunMode::Live,
        portal_id: Some(42),
        settings: json!({}),
        estimate: json!({}),
        api_calls: 0,
    }
}

#[test]
fn a_pulled_rows_company_and_deals_land_with_its_lead_and_a_refused_one_fails_alone() {
    let mut store = super::runs::store();
    store.add_company_field("founded", None, hubsync_store::FieldType::Date, &[]).unwrap();
    let rows = (0..3).map(|seq| super::runs::item(seq, 0, &format!("p{seq}@example.com"), RunAction::Create, None));
    let run_id = store.create_run(&pull_run(), rows).unwrap();
    let related = |company: PulledCompany, deals: Vec<Deal>| PulledRelated {
        company: Some(company),
        company_dropped: None,
        deals: Some(deals),
    };
    let mut bad_value = company("703", Some("bad.example.com"), "Retail");
    bad_value.changes.push(FieldChange {
        field: "founded".into(),
        property: "founded".into(),
        before: None,
        after: Some("last spring".into()),
        kept: false,
    });
    let pulled = |seq: i64, related: PulledRelated| PulledLead {
        seq,
        lead_id: None,
        email: format!("p{seq}@example.com"),
        contact_id: format!("{}", 500 + seq),
        values: vec![],
        related: Some(related),
    };
    store
        .apply_pull(
            run_id,
            &[
                pulled(
                    0,
                    related(company("701", Some("WWW.Acme.example.com"), "Software"), vec![deal("801", "10.50")]),
                ),
                pulled(1, related(company("702", None, "Banking"), vec![deal("802", "lots")])),
                pulled(2, related(bad_value, vec![])),
            ],
        )
        .unwrap();

    let items = store.run_items(run_id).unwrap();
    let outcomes: Vec<Option<ItemOutcome>> = items.iter().map(|i| i.outcome).collect();
    assert_eq!(outcomes, [Some(ItemOutcome::Created), Some(ItemOutcome::Failed), Some(ItemOutcome::Failed)]);
    let Some(RowFailure::NotApplied { error_code, .. }) = &items[1].error else { panic!("{:?}", items[1].error) };
    assert_eq!(error_code, "invalid_deal");
    let Some(RowFailure::NotApplied { error_code, .. }) = &items[2].error else { panic!("{:?}", items[2].error) };
    assert_eq!(error_code, "invalid_value");
    assert_eq!(store.lead_count().unwrap(), 1, "a refused row adds no lead");
    assert_eq!(store.company_count().unwrap(), 1, "nor a company");

    let lead = store.lead_by_email("p0@example.com").unwrap().unwrap();
    let found = store.lead_company(lead.id).unwrap().unwrap();
    assert_eq!(found.source, CompanySource::Pull);
    assert_eq!(found.company.domain.as_deref(), Some("acme.example.com"), "normalised");
    assert_eq!(found.company.value("industry"), Some("Software"));
    let link = store.company_link(42, found.company.id).unwrap().unwrap();
    assert_eq!(link.hubspot_company_id, "701");
    assert!(link.synced_at.is_some());
    let deals = store.lead_deals(42, lead.id).unwrap();
    assert_eq!(
        (deals.len(), deals[0].deal.amount.as_deref(), deals[0].deal.currency.as_deref()),
        (1, Some("10.5"), Some("EUR"))
    );
    assert_eq!(store.integrity_check().unwrap(), "ok");
}

#[test]
fn a_live_run_copied_from_a_preview_keeps_each_rows_company_and_deals() {
    let mut store = super::runs::store();
    let plan = store.start_plan(&NewRun { mode: RunMode::Preview, ..pull_run() }).unwrap();
    let related =
        PulledRelated { company: Some(company("701", None, "Software")), company_dropped: None, deals: Some(vec![]) };
    let item = hubsync_store::RunItem {
        related: Some(related.clone()),
        ..super::runs::item(0, 0, "p0@example.com", RunAction::Create, Some(ItemOutcome::Previewed))
    };
    store.add_plan_rows(plan, [hubsync_store::PlanRow { item, claim: None }]).unwrap();
    store.finish_plan(plan, &json!({}), 0).unwrap();
    store.record_plan(plan).unwrap();
    let live = store.live_run_from_plan(plan).unwrap();
    assert_ne!(live, plan, "a recorded preview is copied");
    let rows = store.run_items(live).unwrap();
    assert_eq!((rows[0].related.as_ref(), rows[0].outcome), (Some(&related), None));
}
