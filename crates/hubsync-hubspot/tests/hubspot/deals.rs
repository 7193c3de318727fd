//! Deals (read only) and deal pipelines against the sandbox.

use hubsync_hubspot::ApiVersion;
use serde_json::json;

use crate::{client_for, control, portal};

#[tokio::test]
async fn deals_are_read_by_id_with_their_properties_on_both_path_styles() {
    let sandbox = portal(0, false).await;
    control(
        &sandbox,
        reqwest::Method::POST,
        "/fixture",
        json!({ "deals": [
            { "id": "7001", "properties": { "dealname": "Acme renewal", "amount": "5000", "dealstage": "closedwon" } },
            { "id": "7002", "properties": { "dealname": "Globex pilot", "dealstage": "qualifiedtobuy" } }
        ] }),
    )
    .await;
    for version in [ApiVersion::V3, ApiVersion::Dated("2026-03".into())] {
        let client = client_for(&sandbox, version.clone());
        let properties = client.deal_properties().await.unwrap();
        for name in ["dealname", "amount", "pipeline", "dealstage", "closedate"] {
            assert!(properties.iter().any(|p| p.name == name), "{name} ({version:?})");
        }
        let wanted: Vec<String> = ["dealname", "amount", "pipeline", "dealstage"].map(String::from).to_vec();
        let read = client.batch_read_deals(&["7001".into(), "7002".into(), "7999".into()], &wanted).await.unwrap();
        let won = read.results.iter().find(|r| r.id == "7001").expect("7001");
        assert_eq!(
            (won.get("dealname"), won.get("amount"), won.get("pipeline"), won.get("dealstage")),
            (Some("Acme renewal"), Some("5000"), Some("default"), Some("closedwon"))
        );
        assert_eq!(read.results.len(), 2);
        assert_eq!(read.missing(), ["7999"]);
        let page = client.list_deals(100, None, &[]).await.unwrap();
        assert_eq!(page.results.len(), 2);
    }
}

#[tokio::test]
async fn the_default_deal_pipeline_has_its_stages_in_order_with_their_outcomes() {
    let sandbox = portal(0, false).await;
    for version in [ApiVersion::V3, ApiVersion::Dated("2026-03".into())] {
        let client = client_for(&sandbox, version.clone());
        let pipelines = client.deal_pipelines().await.unwrap();
        let sales = pipelines.iter().find(|p| p.id == "default").expect("the default pipeline");
        assert!(!sales.archived);
        let stages: Vec<&str> = sales.stages_in_order().iter().map(|s| s.id.as_str()).collect();
        assert_eq!(
            stages,
            [
                "appointmentscheduled",
                "qualifiedtobuy",
                "presentationscheduled",
                "decisionmakerboughtin",
                "contractsent",
                "closedwon",
                "closedlost"
            ],
            "{version:?}"
        );
        let won = sales.stage("closedwon").unwrap();
        assert!(won.is_won() && won.is_closed() == Some(true));
        assert!(sales.stage("closedlost").unwrap().is_lost());
        let open = sales.stage("qualifiedtobuy").unwrap();
        assert_eq!((open.probability(), open.is_closed(), open.is_won()), (Some(0.4), Some(false), false));
        assert!(sales.stages.iter().all(|s| !s.label.is_empty() && !s.archived));
    }
}
