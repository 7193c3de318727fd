//! Deal pipelines and stages: HubSpot's default pipeline and a second one, every path form,
//! 404s, scopes, and pipelines changed by tests (control API, fixture, in-process).

use hubsync_sandbox::{PipelineInput, PrivateToken, StageInput};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{assert_error, start, start_with};

const ONLY_OAUTH: &str = "pat-na1-only-oauth";
const ONLY_CONTACTS_READ: &str = "pat-na1-contacts-read";

fn labels(pipelines: &Value) -> Vec<String> {
    pipelines["results"].as_array().unwrap().iter().map(|p| p["label"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn the_default_sales_pipeline_and_a_second_one_in_hubspots_shape() {
    let portal = start(0).await;
    let reply = portal.get("/crm/v3/pipelines/deals").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(reply.body.get("paging").is_none(), "pipelines have no paging");
    assert_eq!(labels(&reply.body), ["Sales Pipeline", "Renewals"]);

    let sales = &reply.body["results"][0];
    assert_eq!(sales["id"], "default");
    assert_eq!((sales["displayOrder"].clone(), sales["archived"].clone()), (json!(0), json!(false)));
    assert_eq!(sales["createdAt"], "1970-01-01T00:00:00.000Z", "HubSpot's default pipeline has createdAt 0");
    let stages = sales["stages"].as_array().unwrap();
    let summary: Vec<(&str, &str, &str, &str)> = stages
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap(),
                s["label"].as_str().unwrap(),
                s["metadata"]["probability"].as_str().unwrap(),
                s["metadata"]["isClosed"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("appointmentscheduled", "Appointment Scheduled", "0.2", "false"),
            ("qualifiedtobuy", "Qualified To Buy", "0.4", "false"),
            ("presentationscheduled", "Presentation Scheduled", "0.6", "false"),
            ("decisionmakerboughtin", "Decision Maker Bought-In", "0.8", "false"),
            ("contractsent", "Contract Sent", "0.9", "false"),
            ("closedwon", "Closed Won", "1.0", "true"),
            ("closedlost", "Closed Lost", "0.0", "true"),
        ]
    );
    for stage in stages {
        assert_eq!(stage["writePermissions"], "CRM_PERMISSIONS_ENFORCEMENT");
        for key in ["displayOrder", "createdAt", "updatedAt", "archived"] {
            assert!(stage.get(key).is_some(), "a stage has {key}: {stage}");
        }
    }
    let renewals = &reply.body["results"][1];
    assert_ne!(renewals["id"], "default");
    assert!(renewals["stages"].as_array().unwrap().iter().all(|s| s["id"].as_str().unwrap().parse::<u64>().is_ok()));

    // The same pipelines under every name of deals and under the dated path.
    for path in ["/crm/v3/pipelines/0-3", "/crm/v3/pipelines/deal", "/crm/pipelines/2026-03/deals"] {
        let again = portal.get(path).await;
        assert_eq!(again.status, 200, "{path}: {}", again.text);
        assert_eq!(again.body["results"], reply.body["results"], "{path}");
    }
}

#[tokio::test]
async fn one_pipeline_its_stages_and_404s() {
    let portal = start(0).await;
    let renewals_id =
        portal.get("/crm/v3/pipelines/deals").await.body["results"][1]["id"].as_str().unwrap().to_string();
    let one = portal.get(&format!("/crm/v3/pipelines/deals/{renewals_id}")).await;
    assert_eq!((one.status, one.body["label"].as_str()), (200, Some("Renewals")));
    let stages = portal.get(&format!("/crm/pipelines/2026-03/deals/{renewals_id}/stages")).await;
    assert_eq!(stages.body["results"], one.body["stages"], "{}", stages.text);
    let won = portal.get("/crm/v3/pipelines/deals/default/stages/closedwon").await;
    assert_eq!(
        (won.body["label"].as_str(), won.body["metadata"]["probability"].as_str()),
        (Some("Closed Won"), Some("1.0"))
    );

    assert_error(&portal.get("/crm/v3/pipelines/deals/404404").await, 404, "OBJECT_NOT_FOUND");
    assert_error(&portal.get("/crm/v3/pipelines/deals/404404/stages").await, 404, "OBJECT_NOT_FOUND");
    assert_error(&portal.get("/crm/v3/pipelines/deals/default/stages/nope").await, 404, "OBJECT_NOT_FOUND");
    assert_error(
        &portal.get(&format!("/crm/v3/pipelines/deals/{renewals_id}/stages/closedwon")).await,
        404,
        "OBJECT_NOT_FOUND",
    );
    // HubSpot's answer to a type it does not know has no category.
    let unknown = portal.get("/crm/v3/pipelines/widgets").await;
    assert_eq!(unknown.status, 400);
    assert_eq!(unknown.body["message"], "Unable to infer object type from: widgets");
    assert!(unknown.body.get("category").is_none(), "{}", unknown.text);
    assert_error(&portal.get("/crm/v3/pipelines/contacts").await, 400, "VALIDATION_ERROR");
}

#[tokio::test]
async fn any_crm_read_scope_reads_pipelines() {
    let portal = start_with(0, |config| {
        config.private_tokens.push(PrivateToken { token: ONLY_OAUTH.into(), scopes: vec!["oauth".into()] });
        config
            .private_tokens
            .push(PrivateToken { token: ONLY_CONTACTS_READ.into(), scopes: vec!["crm.objects.contacts.read".into()] });
    })
    .await;
    let contacts_reader = portal.send(Method::GET, "/crm/v3/pipelines/deals", None, Some(ONLY_CONTACTS_READ)).await;
    assert_eq!(contacts_reader.status, 200, "{}", contacts_reader.text);
    let refused = portal.send(Method::GET, "/crm/v3/pipelines/deals/default", None, Some(ONLY_OAUTH)).await;
    assert_error(&refused, 403, "MISSING_SCOPES");
    let listed = &refused.body["errors"][0]["context"]["requiredGranularScopes"];
    assert!(listed.as_array().unwrap().contains(&json!("crm.objects.deals.read")), "{}", refused.text);
}

fn stage(id: &str, label: &str, probability: &str) -> Value {
    json!({ "id": id, "label": label, "metadata": { "probability": probability } })
}

#[tokio::test]
async fn tests_rename_stages_and_add_pipelines_through_the_control_api() {
    let portal = start(0).await;
    let renamed = json!({
        "id": "default",
        "label": "Sales Pipeline",
        "stages": [stage("appointmentscheduled", "Discovery", "0.2"), stage("closedwon", "Signed", "1.0"),
                   stage("closedlost", "Lost", "0.0")],
    });
    let reply = portal.control(Method::PUT, "/pipelines/deals", Some(renamed)).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["createdAt"], "1970-01-01T00:00:00.000Z", "a replaced pipeline keeps its creation time");
    let won = portal.get("/crm/v3/pipelines/deals/default/stages/closedwon").await;
    assert_eq!(won.body["label"], "Signed", "the id stays, the label is new");
    assert_error(&portal.get("/crm/v3/pipelines/deals/default/stages/contractsent").await, 404, "OBJECT_NOT_FOUND");

    // A pipeline that sorts first by displayOrder; equal orders sort by label.
    let first =
        json!({ "id": "9000001", "label": "Alpha", "displayOrder": -1, "stages": [stage("9000002", "Open", "0.5")] });
    assert_eq!(portal.control(Method::PUT, "/pipelines/deals", Some(first)).await.status, 200);
    let tied =
        json!({ "id": "9000003", "label": "Aardvark", "displayOrder": 1, "stages": [stage("9000004", "Open", "0.5")] });
    assert_eq!(portal.control(Method::PUT, "/pipelines/deals", Some(tied)).await.status, 200);
    assert_eq!(
        labels(&portal.get("/crm/v3/pipelines/deals").await.body),
        ["Alpha", "Sales Pipeline", "Aardvark", "Renewals"]
    );

    // Archived pipelines leave the list and their id reads as unknown.
    let archived =
        json!({ "id": "9000001", "label": "Alpha", "archived": true, "stages": [stage("9000002", "Open", "0.5")] });
    assert_eq!(portal.control(Method::PUT, "/pipelines/deals", Some(archived)).await.status, 200);
    assert_error(&portal.get("/crm/v3/pipelines/deals/9000001").await, 404, "OBJECT_NOT_FOUND");
    assert_eq!(labels(&portal.get("/crm/v3/pipelines/deals").await.body), ["Sales Pipeline", "Aardvark", "Renewals"]);

    // What HubSpot would refuse is refused, whole.
    for bad in [
        json!({ "id": "x", "label": "X", "stages": [stage("a", "A", "0.25")] }),
        json!({ "id": "x", "label": "X", "stages": [stage("a", "A", "0.5"), stage("b", "a", "0.5")] }),
        json!({ "id": "x", "label": "Renewals", "stages": [stage("a", "A", "0.5")] }),
        json!({ "id": "x", "label": "X", "stages": [{ "id": "a", "label": "A" }] }),
        json!({ "id": "x", "label": "X", "stages": [stage("a", "A", "0.5")], "colour": "red" }),
    ] {
        assert_error(
            &portal.control(Method::PUT, "/pipelines/deals", Some(bad.clone())).await,
            400,
            "VALIDATION_ERROR",
        );
    }
    assert_error(&portal.get("/crm/v3/pipelines/deals/x").await, 404, "OBJECT_NOT_FOUND");

    // A reset brings HubSpot's defaults back.
    assert_eq!(portal.control(Method::POST, "/reset", Some(json!({}))).await.status, 200);
    assert_eq!(labels(&portal.get("/crm/v3/pipelines/deals").await.body), ["Sales Pipeline", "Renewals"]);
}

#[tokio::test]
async fn fixtures_and_in_process_calls_set_pipelines_too() {
    let portal = start(0).await;
    let fixture = json!({ "dealPipelines": [{ "id": "default", "label": "Sales Pipeline",
        "stages": [stage("appointmentscheduled", "Booked", "0.2"), stage("closedwon", "Won", "1")] }] });
    let loaded = portal.control(Method::POST, "/fixture", Some(fixture)).await;
    assert_eq!(loaded.status, 200, "{}", loaded.text);
    let sales = portal.get("/crm/v3/pipelines/deals/default").await;
    assert_eq!(sales.body["stages"][0]["label"], "Booked");
    assert_eq!(
        sales.body["stages"][1]["metadata"]["probability"], "1.0",
        "probabilities are kept as HubSpot writes them"
    );

    let refused = portal
        .control(
            Method::POST,
            "/fixture",
            Some(json!({ "dealPipelines": [{ "id": "y", "label": "Y", "stages": [] }] })),
        )
        .await;
    assert_error(&refused, 400, "VALIDATION_ERROR");

    let renewals = PipelineInput {
        id: "1467091".into(),
        label: "Renewals".into(),
        display_order: 1,
        stages: vec![StageInput {
            id: "2710550".into(),
            label: "Renewed at last".into(),
            metadata: [("probability".to_string(), json!("1.0"))].into_iter().collect(),
            ..Default::default()
        }],
        ..Default::default()
    };
    portal.sandbox.put_deal_pipeline(&renewals).expect("a valid pipeline");
    let stage = portal.get("/crm/v3/pipelines/deals/1467091/stages/2710550").await;
    assert_eq!(stage.body["label"], "Renewed at last", "{}", stage.text);
    assert!(portal.sandbox.put_deal_pipeline(&PipelineInput { stages: vec![], ..renewals }).is_err());
}
