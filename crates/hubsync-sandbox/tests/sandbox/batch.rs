//! The five batch operations and their partial-success rules.

use serde_json::{Value, json};

use crate::support::{Portal, assert_error, start};

async fn seeded(portal: &Portal, emails: &[&str]) -> Vec<String> {
    let mut ids = Vec::new();
    for email in emails {
        ids.push(
            portal.create_contact(json!({ "email": email, "firstname": "Seed" })).await.body["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    ids
}

#[tokio::test]
async fn batch_read_answers_207_with_object_not_found_for_missing_ids() {
    let portal = start(0).await;
    let ids = seeded(&portal, &["a@example.com", "B@example.com"]).await;

    let all = portal
        .post(
            "/crm/v3/objects/contacts/batch/read",
            json!({ "properties": ["firstname"], "inputs": [{ "id": ids[0] }, { "id": ids[1] }] }),
        )
        .await;
    assert_eq!(all.status, 200);
    assert_eq!(all.body["status"], "COMPLETE");
    assert_eq!(all.body["results"].as_array().unwrap().len(), 2);
    assert!(all.body.get("errors").is_none());
    assert!(all.body["startedAt"].is_string() && all.body["completedAt"].is_string());

    let by_email = portal
        .post(
            "/crm/v3/objects/contacts/batch/read",
            json!({ "idProperty": "email", "properties": ["firstname"], "inputs": [{ "id": "b@EXAMPLE.com" }, { "id": "x@y.com" }] }),
        )
        .await;
    assert_eq!(by_email.status, 207, "{}", by_email.text);
    assert_eq!(by_email.body["results"][0]["id"], ids[1].as_str());
    assert_eq!(by_email.body["numErrors"], 1);
    let error = &by_email.body["errors"][0];
    assert_eq!(error["status"], "error");
    assert_eq!(error["category"], "OBJECT_NOT_FOUND");
    assert_eq!(error["context"]["ids"], json!(["x@y.com"]));
}

#[tokio::test]
async fn batches_take_at_most_100_inputs() {
    let portal = start(0).await;
    let inputs: Vec<Value> = (0..101).map(|i| json!({ "id": i.to_string() })).collect();
    for op in ["read", "archive"] {
        assert_error(
            &portal.post(&format!("/crm/v3/objects/contacts/batch/{op}"), json!({ "inputs": inputs })).await,
            400,
            "VALIDATION_ERROR",
        );
    }
    let writes: Vec<Value> =
        (0..101).map(|i| json!({ "properties": { "email": format!("n{i}@example.com") } })).collect();
    let reply = portal.post("/crm/v3/objects/contacts/batch/create", json!({ "inputs": writes })).await;
    assert_error(&reply, 400, "VALIDATION_ERROR");
    assert!(portal.all_contacts().await.is_empty());
}

#[tokio::test]
async fn batch_create_fails_whole_on_one_existing_email() {
    let portal = start(0).await;
    let ids = seeded(&portal, &["taken@example.com"]).await;
    let reply = portal
        .post(
            "/crm/v3/objects/contacts/batch/create",
            json!({ "inputs": [
                { "properties": { "email": "new1@example.com" }, "associations": [] },
                { "properties": { "email": "TAKEN@example.com" }, "associations": [] },
            ]}),
        )
        .await;
    assert_error(&reply, 409, "CONFLICT");
    assert_eq!(reply.body["message"], format!("Contact already exists. Existing ID: {}", ids[0]));
    assert_eq!(portal.all_contacts().await.len(), 1, "the good input was not created either");

    // An invalid value sinks the batch too.
    let invalid = portal
        .post(
            "/crm/v3/objects/contacts/batch/create",
            json!({ "inputs": [{ "properties": { "email": "ok@example.com" } }, { "properties": { "email": "bad@example.com", "is_vip": "maybe" } }] }),
        )
        .await;
    assert_error(&invalid, 400, "VALIDATION_ERROR");
    assert_eq!(portal.all_contacts().await.len(), 1);
}

#[tokio::test]
async fn batch_create_with_trace_ids_answers_207_per_input() {
    let portal = start(0).await;
    let ids = seeded(&portal, &["taken@example.com"]).await;
    let reply = portal
        .post(
            "/crm/v3/objects/contacts/batch/create",
            json!({ "inputs": [
                { "properties": { "email": "fresh@example.com" }, "objectWriteTraceId": "row-1" },
                { "properties": { "email": "taken@example.com" }, "objectWriteTraceId": "row-2" },
                { "properties": { "email": "bad@example.com", "lead_score": "ten" }, "objectWriteTraceId": "row-3" },
            ]}),
        )
        .await;
    assert_eq!(reply.status, 207, "{}", reply.text);
    let results = reply.body["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["properties"]["email"], "fresh@example.com");
    assert_eq!(reply.body["numErrors"], 2);
    let errors = reply.body["errors"].as_array().unwrap();
    assert_eq!(errors[0]["category"], "CONFLICT");
    assert_eq!(errors[0]["message"], format!("Contact already exists. Existing ID: {}", ids[0]));
    assert_eq!(errors[0]["context"]["objectWriteTraceId"], json!(["row-2"]));
    assert_eq!(errors[1]["category"], "VALIDATION_ERROR");
    assert_eq!(errors[1]["context"]["objectWriteTraceId"], json!(["row-3"]));
    assert_eq!(portal.all_contacts().await.len(), 2);

    // Emails must be unique within a batch, too.
    let twice = portal
        .post(
            "/crm/v3/objects/contacts/batch/create",
            json!({ "inputs": [{ "properties": { "email": "dup@example.com" } }, { "properties": { "email": "DUP@example.com" } }] }),
        )
        .await;
    assert_eq!(twice.status, 400, "{}", twice.text);
}

#[tokio::test]
async fn batch_update_takes_record_ids_only() {
    let portal = start(0).await;
    let ids = seeded(&portal, &["a@example.com", "b@example.com"]).await;
    let by_email = portal
        .post(
            "/crm/v3/objects/contacts/batch/update",
            json!({ "inputs": [{ "id": "a@example.com", "idProperty": "email", "properties": { "city": "Rome" } }] }),
        )
        .await;
    assert_error(&by_email, 400, "VALIDATION_ERROR");
    assert!(
        by_email.body["message"]
            .as_str()
            .unwrap()
            .contains("Unable to perform update/upsert by non-unique 0-1 property")
    );

    let dup = portal
        .post(
            "/crm/v3/objects/contacts/batch/update",
            json!({ "inputs": [{ "id": ids[0], "properties": {} }, { "id": ids[0], "properties": {} }] }),
        )
        .await;
    assert_error(&dup, 400, "VALIDATION_ERROR");

    let reply = portal
        .post(
            "/crm/v3/objects/contacts/batch/update",
            json!({ "inputs": [
                { "id": ids[0], "properties": { "city": "Rome" } },
                { "id": ids[1], "properties": { "city": "Lima" } },
            ]}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["results"].as_array().unwrap().len(), 2);

    let missing = portal
        .post(
            "/crm/v3/objects/contacts/batch/update",
            json!({ "inputs": [{ "id": ids[0], "properties": { "city": "Pisa" } }, { "id": "999999", "properties": { "city": "Nowhere" } }] }),
        )
        .await;
    assert_eq!(missing.status, 207, "{}", missing.text);
    assert_eq!(missing.body["errors"][0]["category"], "OBJECT_NOT_FOUND");
    assert_eq!(missing.body["errors"][0]["context"]["ids"], json!(["999999"]));
    assert_eq!(portal.get(&format!("/crm/v3/objects/contacts/{}?properties=city", ids[0])).await.prop("city"), "Pisa");

    // One invalid value fails the whole batch: nothing changes.
    let invalid = portal
        .post(
            "/crm/v3/objects/contacts/batch/update",
            json!({ "inputs": [{ "id": ids[0], "properties": { "city": "Siena" } }, { "id": ids[1], "properties": { "numemployees": "lots" } }] }),
        )
        .await;
    assert_error(&invalid, 400, "VALIDATION_ERROR");
    assert_eq!(portal.get(&format!("/crm/v3/objects/contacts/{}?properties=city", ids[0])).await.prop("city"), "Pisa");
}

#[tokio::test]
async fn batch_upsert_by_email_reports_new_and_fails_whole_on_one_bad_input() {
    let portal = start(0).await;
    let ids = seeded(&portal, &["Existing@example.com"]).await;
    let reply = portal
        .post(
            "/crm/v3/objects/contacts/batch/upsert",
            json!({ "inputs": [
                { "id": "existing@example.com", "idProperty": "email", "properties": { "jobtitle": "CFO" } },
                { "id": "brand.new@example.com", "idProperty": "email", "properties": { "jobtitle": "COO" } },
            ]}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let results = reply.body["results"].as_array().unwrap();
    assert_eq!(results[0]["id"], ids[0].as_str());
    assert_eq!(results[0]["new"], false);
    assert_eq!(results[1]["new"], true);
    assert_eq!(results[1]["properties"]["email"], "brand.new@example.com");

    let bad = portal
        .post(
            "/crm/v3/objects/contacts/batch/upsert",
            json!({ "inputs": [
                { "id": "third@example.com", "idProperty": "email", "properties": { "jobtitle": "CTO" } },
                { "id": "fourth@example.com", "idProperty": "email", "properties": { "customer_tier": "platinum" } },
            ]}),
        )
        .await;
    assert_error(&bad, 400, "VALIDATION_ERROR");
    assert_eq!(portal.all_contacts().await.len(), 2, "no partial success");

    let no_id_property = portal
        .post(
            "/crm/v3/objects/contacts/batch/upsert",
            json!({ "inputs": [{ "id": "x@example.com", "properties": {} }] }),
        )
        .await;
    assert_error(&no_id_property, 400, "VALIDATION_ERROR");
}

#[tokio::test]
async fn batch_archive_answers_204_and_ignores_unknown_ids() {
    let portal = start(0).await;
    let ids = seeded(&portal, &["a@example.com", "b@example.com"]).await;
    let reply = portal
        .post("/crm/v3/objects/contacts/batch/archive", json!({ "inputs": [{ "id": ids[0] }, { "id": "424242" }] }))
        .await;
    assert_eq!(reply.status, 204);
    let all = portal.all_contacts().await;
    assert_eq!(all.iter().filter(|c| c["archived"] == true).count(), 1);
    assert_eq!(portal.counters().await["recordsArchived"], 1);
}
