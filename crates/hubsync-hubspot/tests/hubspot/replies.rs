//! Fuzz-style property tests of how HubSpot's replies are read: records and pages, 207 batches,
//! pipelines, association replies, error bodies and 429s, through the same `Reply::json` and
//! `ErrorBody::parse` the client uses, and the retry decision they lead to. Any bytes must give
//! a value or a decode error, never a panic, and no reply may make the client wait without
//! bound. (cargo-fuzz needs a nightly toolchain, which the project doesn't use; proptest runs on
//! stable.) Cases: 64 by default, so CI stays brief; `PROPTEST_CASES=100000` runs them long on
//! demand.

use std::time::Duration;

use hubsync_hubspot::models::PropertyOption;
use hubsync_hubspot::{
    AccountDetails, AssociationMade, AssociationType, BatchOutcome, BatchReply, ClientError, DefaultAssociation,
    ErrorBody, Outcome, Owner, Page, Pipeline, Property, RateLimitPolicy, Record, Reply, RetryDecision, RetryPolicy,
};
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{Value, json};

fn config() -> Config {
    let mut config = Config::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 64;
    }
    config
}

/// Any JSON value, a few levels deep, with HubSpot's key names likely so the typed fields are hit.
fn any_json() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        proptest::sample::select(
            &[
                "id",
                "properties",
                "results",
                "errors",
                "paging",
                "next",
                "after",
                "total",
                "status",
                "message",
                "category",
                "context",
                "ids",
                "policyName",
                "errorType",
                "portalId",
                "type",
                "name",
                "options",
                "label",
                "value",
                "new",
                "archived",
                "userId",
                "email",
                "objectWriteTraceId",
                "subCategory",
                "from",
                "to",
                "toObjectId",
                "fromObjectId",
                "associationTypes",
                "associationSpec",
                "typeId",
                "stages",
                "metadata",
            ][..]
        )
        .prop_map(String::from),
        "[a-zA-Z]{0,8}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(key.clone(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Reads `body` as every reply shape the client reads; each gives a value or a decode error.
fn read_every_shape(body: &[u8]) -> Result<(), TestCaseError> {
    let reply = Reply { status: 200, body: body.to_vec(), resent: false };
    fn check<T>(read: Result<T, ClientError>) -> Result<(), TestCaseError> {
        if let Err(e) = read {
            prop_assert!(matches!(e, ClientError::Decode(_)), "{e:?}");
            prop_assert_eq!(e.code(), "hubspot_bad_reply");
            prop_assert!(e.to_string().starts_with("HubSpot's reply could not be read: "));
        }
        Ok(())
    }
    check(reply.json::<Page<Record>>())?;
    check(reply.json::<Page<Owner>>())?;
    check(reply.json::<Page<Property>>())?;
    check(reply.json::<AccountDetails>())?;
    check(reply.json::<Page<Pipeline>>())?;
    check(reply.json::<Page<AssociationType>>())?;
    check(reply.json::<BatchReply<DefaultAssociation>>())?;
    if let Ok(made) = reply.json::<BatchReply<AssociationMade>>() {
        let _ = (made.pairs(), made.failed_traces());
    }
    if let Ok(batch) = reply.json::<BatchOutcome>() {
        let _ = batch.missing();
        for error in &batch.errors {
            let _ = (error.ids(), error.trace_ids(), error.sub_category(), error.property_problems());
        }
    } else {
        check(reply.json::<BatchOutcome>())?;
    }
    if let Some(error) = ErrorBody::parse(body) {
        let _ = (error.rate_limit_policy(), error.missing_scopes());
    }
    Ok(())
}

/// Every decision a reply can lead to waits a bounded time and ends within the attempts allowed.
fn decisions_are_bounded(
    status: u16,
    body: Option<&ErrorBody>,
    retry_after: Option<Duration>,
) -> Result<(), TestCaseError> {
    for idempotent in [false, true] {
        let policy = RetryPolicy::new(idempotent);
        let outcome = Outcome::Answered { status, body, retry_after };
        for (attempt, jitter) in [(1, 0.0), (2, 0.5), (5, 0.999), (policy.max_attempts * 2, 0.3)] {
            match policy.decide(&outcome, attempt, jitter) {
                RetryDecision::Retry { after } => {
                    prop_assert!(after <= RetryPolicy::MAX_WAIT, "{status} waits {after:?}");
                    prop_assert!(attempt < policy.max_attempts * 2);
                }
                RetryDecision::StopDaily => {
                    prop_assert_eq!(status, 429);
                    prop_assert_eq!(body.and_then(ErrorBody::rate_limit_policy), Some(RateLimitPolicy::Daily));
                }
                RetryDecision::DontRetry => {}
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_bytes_are_read_or_refused(body in proptest::collection::vec(any::<u8>(), 0..1024)) {
        read_every_shape(&body)?;
    }

    #[test]
    fn any_json_is_read_or_refused(value in any_json()) {
        let body = value.to_string();
        read_every_shape(body.as_bytes())?;
        // Cut off anywhere, as a dropped connection leaves it.
        let cut = body.len() / 2;
        read_every_shape(&body.as_bytes()[..cut])?;
    }

    #[test]
    fn any_error_reply_leads_to_a_bounded_decision(
        status in prop_oneof![Just(429u16), Just(423), 400u16..600],
        body in prop_oneof![any_json().prop_map(|v| v.to_string().into_bytes()), proptest::collection::vec(any::<u8>(), 0..64)],
        retry_after in proptest::option::of(prop_oneof![0u64..30, Just(u64::MAX), any::<u64>()].prop_map(Duration::from_secs)),
        jitter in any::<f64>(),
    ) {
        let parsed = ErrorBody::parse(&body);
        decisions_are_bounded(status, parsed.as_ref(), retry_after)?;
        // The jitter comes from the caller: even a value outside [0, 1) can't upset the wait.
        let _ = RetryPolicy::new(true).decide(&Outcome::Answered { status, body: parsed.as_ref(), retry_after }, 2, jitter);
        let _ = RetryPolicy::new(true).decide(&Outcome::NotSent, 3, jitter);
    }

    /// A 429 body as HubSpot writes it is read for its policy, and only the daily one stops a run.
    #[test]
    fn rate_limit_bodies_say_their_policy(
        policy in prop_oneof![
            Just("TEN_SECONDLY_ROLLING".to_string()),
            Just("SECONDLY".to_string()),
            Just("DAILY".to_string()),
            "[A-Z_]{0,12}",
        ],
        message in ".{0,40}",
        extra in proptest::collection::btree_map("[a-z]{1,6}", any_json(), 0..3),
    ) {
        let mut body = json!({ "status": "error", "message": message, "errorType": "RATE_LIMIT",
            "correlationId": "c0ffee", "policyName": policy, "requestId": "r1" });
        for (key, value) in extra {
            body.as_object_mut().unwrap().entry(key).or_insert(value);
        }
        let parsed = ErrorBody::parse(body.to_string().as_bytes());
        let parsed = parsed.ok_or_else(|| TestCaseError::fail(format!("{body} was not read")))?;
        prop_assert_eq!(parsed.message.as_deref(), Some(message.as_str()));
        let expected = match policy.as_str() {
            "TEN_SECONDLY_ROLLING" => RateLimitPolicy::TenSecondlyRolling,
            "SECONDLY" => RateLimitPolicy::Secondly,
            "DAILY" => RateLimitPolicy::Daily,
            _ => RateLimitPolicy::Other,
        };
        prop_assert_eq!(parsed.rate_limit_policy(), Some(expected));
        let decision = RetryPolicy::new(false).decide(&Outcome::Answered { status: 429, body: Some(&parsed), retry_after: None }, 1, 0.5);
        prop_assert_eq!(decision == RetryDecision::StopDaily, expected == RateLimitPolicy::Daily);
        decisions_are_bounded(429, Some(&parsed), None)?;
    }

    /// A 207 batch reply as HubSpot writes it is read whole: every record with its values (null
    /// and absent alike empty), and each OBJECT_NOT_FOUND error's ids reported missing.
    #[test]
    fn multi_status_batches_are_read_whole(
        records in proptest::collection::vec(
            ("[0-9]{1,12}", proptest::collection::btree_map("[a-z_]{1,10}", proptest::option::of(".{0,20}"), 0..5), proptest::option::of(any::<bool>())),
            0..8,
        ),
        missing in proptest::collection::vec(proptest::collection::vec("[a-z0-9@.+]{1,16}", 1..4), 0..4),
        other_errors in proptest::collection::vec(
            (proptest::sample::select(&["VALIDATION_ERROR", "CONFLICT", "INVALID_EMAIL"][..]), ".{0,30}"),
            0..3,
        ),
    ) {
        let results: Vec<Value> = records
            .iter()
            .map(|(id, properties, new)| {
                let mut record = json!({ "id": id, "properties": properties, "createdAt": "2026-01-01T00:00:00Z",
                    "updatedAt": "2026-01-02T00:00:00Z", "archived": false });
                if let Some(new) = new {
                    record["new"] = json!(new);
                }
                record
            })
            .collect();
        let mut errors: Vec<Value> = missing
            .iter()
            .map(|ids| json!({ "status": "error", "category": "OBJECT_NOT_FOUND", "message": "Could not get some CONTACT objects, they may be deleted or not exist.", "context": { "ids": ids } }))
            .collect();
        errors.extend(other_errors.iter().map(|(category, message)| json!({ "status": "error", "category": category, "message": message, "context": { "ids": ["not-missing"] } })));
        let body = json!({ "status": "COMPLETE", "results": results, "numErrors": errors.len(), "errors": errors,
            "startedAt": "2026-01-01T00:00:00Z", "completedAt": "2026-01-01T00:00:01Z" });
        let reply = Reply { status: 207, body: body.to_string().into_bytes(), resent: false };
        let batch: BatchOutcome = reply.json().map_err(|e| TestCaseError::fail(format!("{e}: {body}")))?;
        prop_assert_eq!(batch.results.len(), records.len());
        for (record, (id, properties, new)) in batch.results.iter().zip(&records) {
            prop_assert_eq!(&record.id, id);
            prop_assert_eq!(record.new, *new);
            for (name, value) in properties {
                prop_assert_eq!(record.get(name), value.as_deref().filter(|v| !v.is_empty()));
            }
        }
        let expected: Vec<String> = missing.into_iter().flatten().collect();
        prop_assert_eq!(batch.missing(), expected);
    }

    /// A property definition is read with its options and flags, whatever extra fields it has.
    #[test]
    fn property_definitions_are_read(
        name in "[a-z_]{1,20}",
        kind in proptest::sample::select(&["bool", "date", "datetime", "enumeration", "number", "phone_number", "string", "object_coordinates"][..]),
        options in proptest::collection::vec(("[^;]{1,12}", "[a-z_]{1,10}", any::<bool>()), 0..5),
        (calculated, read_only, checkbox) in (any::<bool>(), any::<bool>(), any::<bool>()),
    ) {
        let body = json!({ "results": [{ "name": name, "label": "L", "type": kind,
            "fieldType": if checkbox { "checkbox" } else { "select" }, "groupName": "g", "description": "",
            "options": options.iter().map(|(label, value, hidden)| json!({ "label": label, "value": value, "hidden": hidden, "displayOrder": 1 })).collect::<Vec<_>>(),
            "calculated": calculated, "hasUniqueValue": false, "hidden": false, "hubspotDefined": true,
            "modificationMetadata": { "readOnlyValue": read_only, "readOnlyDefinition": true, "archivable": false } }] });
        let page: Page<Property> = Reply { status: 200, body: body.to_string().into_bytes(), resent: false }.json().unwrap();
        let property = &page.results[0];
        prop_assert_eq!(&property.name, &name);
        prop_assert_eq!(property.is_read_only(), calculated || read_only);
        prop_assert_eq!(property.is_multi_select(), kind == "enumeration" && checkbox);
        let read: Vec<(String, String, bool)> = property.options.iter().map(|o: &PropertyOption| (o.label.clone(), o.value.clone(), o.hidden)).collect();
        prop_assert_eq!(read, options);
    }
}
