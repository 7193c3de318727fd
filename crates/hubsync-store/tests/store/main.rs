//! The store's integration suite: migrations, fields, leads, bulk imports, mapping, rules, connection, runs.

mod companies;
mod company_settings;
mod file_failures;
mod hostile_text;
mod import;
mod journal_access;
mod lead_query;
mod leases;
mod portals;
mod private_files;
mod pulled;
mod query_paths;
mod row_messages;
mod runs;
mod search_index;
mod snapshots;
mod sync_state;
mod upgrades;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use hubsync_store::{Clock, FieldType, FixedClock, MIGRATIONS, PushRules, Store, StoreError, WriteRule};
use sha2::{Digest, Sha256};

fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::at("2026-05-01T12:00:00Z".parse::<DateTime<Utc>>().unwrap()))
}

fn store() -> Store {
    Store::open_in_memory(clock()).unwrap()
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("hubsync-store-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Migrations that have shipped, with their checksums. Add a line for a new migration; never
/// change a line: a shipped migration has run on admins' stores and must stay as it was.
const SHIPPED: &[(&str, &str)] = &[
    ("0001_initial.sql", "0292232fb2ad5aac56edf0e74bd7003cf4804ab368d371a1c3bdbbb1f4014e5a"),
    ("0002_sync_runs.sql", "a66ce5b2fe28fb559f444d8684b86f276e9617f6c3dda900f088184a7ba9150c"),
    ("0003_pull_rules.sql", "2619d14c87465e2064ef38aa9a37ddbcf2e2aca0b55c0fb537892c29a87cf3d8"),
    ("0004_owners.sql", "574a287944c2e8b3136a27604a5c802416e390fc87b795698535c95439064359"),
    ("0005_undo_and_exports.sql", "f780dc558039233e41565983e513bc49296657b9e2020726c7b682b514a3af18"),
    ("0006_portals.sql", "c5ce0ebbfb479b69c4833e19b5c44d4dbae95d6ad4d8043ccdcb580a5e33529c"),
    ("0007_lead_query_indexes.sql", "aac3c295192430592504ddad41713ea9b7f13bd631206c4e56ffc5f34ffb0a32"),
    ("0008_run_item_filters.sql", "c8115a111175587679860ebafde768e1c4b5459b7f0667aad30f0fdd2d87040b"),
    ("0009_run_item_sent.sql", "bc4eb42f1b402645e116e580270a0580e9f513783f84fa977ab65e396c089cbc"),
    ("0010_lead_search.sql", "b0e0416ae1d8bf0087a5b68fc86797649ed4f246b51a80726b424a6e9f652176"),
    ("0011_run_leases.sql", "18fb3e2d1a2830486814a997930c2ca5d3a703f312378d80e4237edaca28fec2"),
    ("0012_row_message_codes.sql", "1895ebe207ec2e0f76d1a0138c8774bfc4b113719feed4a24873cd9bcf26a6ac"),
    ("0013_daily_reserve.sql", "cf72d8b3093fab6444748349b3764e8bf7d6d5a48e461336f7b8c41b5107a038"),
    ("0014_lead_query_paths.sql", "347a030dbb5b8b053a6142ac4b8a37011d4d133634238cb0f9e8b3504fcb317f"),
    ("0015_contact_snapshots.sql", "61ede241c14996cde4b8b87256d9cd73ef9109432d6479c5a60e8fbb4d7747a9"),
    ("0016_portal_account_type.sql", "94f306f0ca7b55387f7dfa476b44341e6f4c4c0b57097aff8202bb0b3e51b82a"),
    ("0017_sync_state.sql", "376fba1cfd0616117bf6306d64c4748de12eeacc90de9cdeccd2206b44625177"),
    ("0018_companies.sql", "bddc5c0d45ce9fc5dda694e8c45c0c1baf369c7e52627e939ef8b07f98abc7e0"),
    ("0019_run_companies.sql", "2c7cde181112442e1805bf3ff71f67616f9beaafa0c0e42b94a6d97051d79f7e"),
    ("0020_pulled_companies_and_deals.sql", "b783dc6e651fba5e85cbe4166a57d153f43de88b6b28e2a0d1632fde946b4388"),
    ("0021_undo_companies.sql", "e7b0de1720b670de5051b47d18cbd624e145609ca6755ffc30ccb43236e0edbc"),
    ("0022_guardrails_and_schedules.sql", "47125cc92963d864dfa2226efaeedc1f16d8db19302cd7509c78da8093a15976"),
];

#[test]
fn migrations_are_append_only() {
    assert!(MIGRATIONS.len() >= SHIPPED.len(), "a shipped migration was removed");
    for (migration, (name, checksum)) in MIGRATIONS.iter().zip(SHIPPED) {
        assert_eq!(migration.name, *name, "migrations were reordered or renamed");
        let actual = format!("{:x}", Sha256::digest(migration.sql.as_bytes()));
        assert_eq!(actual, *checksum, "{name} was edited after it shipped: add a new migration instead");
    }
    assert_eq!(MIGRATIONS.len(), SHIPPED.len(), "a new migration needs its checksum in SHIPPED");
}

#[test]
fn a_file_store_uses_wal_migrates_once_and_refuses_newer_files_untouched() {
    let dir = temp_dir("file");
    let path = dir.join("hubsync.db");
    {
        let mut store = Store::open(&path, clock()).unwrap();
        assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len() as i64);
        store.add_lead("kept@example.com", &[]).unwrap();
    }
    let store = Store::open(&path, clock()).unwrap();
    assert_eq!(store.lead_count().unwrap(), 1, "reopening keeps the data");
    assert_eq!(store.integrity_check().unwrap(), "ok");
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    assert_eq!(conn.pragma_query_value(None, "journal_mode", |r| r.get::<_, String>(0)).unwrap(), "wal");
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let before = std::fs::read(&path).unwrap();
    let error = Store::open(&path, clock()).err().unwrap();
    assert_eq!(error.code(), "store_too_new");
    assert!(error.to_string().contains("newer Hubsync"), "{error}");
    assert_eq!(std::fs::read(&path).unwrap(), before, "the newer file was left as it was");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn built_in_fields_and_custom_fields_of_every_type() {
    let mut store = store();
    let keys: Vec<String> = store.fields().unwrap().into_iter().map(|f| f.key).collect();
    assert_eq!(
        keys,
        [
            "email",
            "first_name",
            "last_name",
            "company",
            "job_title",
            "phone",
            "website",
            "city",
            "country",
            "company_size",
            "lifecycle_stage",
            "lead_status",
            "owner_email",
            "owner_name"
        ]
    );
    assert!(store.fields().unwrap().iter().all(|f| f.builtin));
    for (i, kind) in FieldType::ALL.into_iter().enumerate() {
        let options: Vec<String> = if kind.has_options() { vec!["Red".into(), "Blue".into()] } else { vec![] };
        let field = store.add_field(&format!("custom_{i}"), None, kind, &options).unwrap();
        assert_eq!((field.kind, field.builtin, field.label.as_str()), (kind, false, format!("Custom {i}").as_str()));
    }
    assert_eq!(store.field("custom_5").unwrap().unwrap().options, ["Red", "Blue"]);

    let refusals = [
        store.add_field("Bad Name", None, FieldType::Text, &[]).unwrap_err(),
        store.add_field("custom_0", None, FieldType::Text, &[]).unwrap_err(),
        store.add_field("tier", None, FieldType::SingleChoice, &[]).unwrap_err(),
        store.add_field("tier", None, FieldType::SingleChoice, &["a".into(), "A".into()]).unwrap_err(),
        store.add_field("tags", None, FieldType::MultipleChoice, &["a;b".into()]).unwrap_err(),
        store.add_field("score", None, FieldType::Number, &["1".into()]).unwrap_err(),
    ];
    let codes: Vec<&str> = refusals.iter().map(StoreError::code).collect();
    assert_eq!(
        codes,
        ["invalid_field", "field_exists", "invalid_field", "invalid_field", "invalid_field", "invalid_field"]
    );
}

#[test]
fn leads_keep_canonical_values_and_unique_emails() {
    let clock = clock();
    let mut store = Store::open_in_memory(clock.clone()).unwrap();
    store.add_field("score", None, FieldType::Number, &[]).unwrap();
    store.add_field("vip", Some("VIP"), FieldType::Boolean, &[]).unwrap();
    let lead = store
        .add_lead(
            " Ann.Lee@Example.com ",
            &[("first_name", "Ann"), ("score", "07.50"), ("vip", "Yes"), ("lifecycle_stage", "LEAD")],
        )
        .unwrap();
    assert_eq!(lead.email, "Ann.Lee@Example.com");
    assert_eq!(lead.value("score"), Some("7.5"));
    assert_eq!(lead.value("vip"), Some("true"));
    assert_eq!(lead.value("lifecycle_stage"), Some("lead"));
    assert_eq!(lead.created_at, clock.now());

    let duplicate = store.add_lead("ann.lee@EXAMPLE.com", &[]).unwrap_err();
    assert!(matches!(duplicate, StoreError::DuplicateEmail { existing, .. } if existing == lead.id));
    assert_eq!(store.add_lead("not an email", &[]).unwrap_err().code(), "invalid_email");
    // What HubSpot refuses with INVALID_EMAIL, the store refuses too, saying why.
    for refused in ["a.@x.com", "x..y@x.com", "q@-bad.x.com", "z@x.c", "ann@example.test"] {
        let error = store.add_lead(refused, &[]).unwrap_err();
        assert_eq!(error.code(), "invalid_email", "{refused}");
        assert!(
            error.to_string().starts_with(&format!("{refused:?} is not an email address HubSpot accepts: ")),
            "{error}"
        );
    }
    assert!(
        store
            .add_lead("z@x.c", &[])
            .unwrap_err()
            .to_string()
            .ends_with("\"c\" is not a top-level domain (HubSpot takes only those IANA lists, such as com or de)")
    );
    assert_eq!(store.add_lead("b@example.com", &[("nope", "x")]).unwrap_err().code(), "unknown_field");
    let invalid = store.add_lead("b@example.com", &[("first_name", "Bo"), ("score", "1,000")]).unwrap_err();
    assert!(invalid.to_string().starts_with("score:"), "{invalid}");
    assert_eq!(store.lead_count().unwrap(), 1, "a refused lead leaves nothing behind");

    clock.advance(Duration::minutes(5));
    let updated =
        store.update_lead(lead.id, &[("score", ""), ("city", "Oslo"), ("email", "ann@new.example.com")]).unwrap();
    assert_eq!(updated.value("score"), None, "an empty value clears");
    assert_eq!(updated.value("city"), Some("Oslo"));
    assert_eq!(updated.email, "ann@new.example.com");
    assert_eq!(updated.updated_at, clock.now());
    assert_eq!(store.lead_by_email("ANN@new.example.COM").unwrap().unwrap().id, lead.id);
    assert!(store.lead_by_email("ann.lee@example.com").unwrap().is_none());

    let other = store.add_lead("bo@example.com", &[("first_name", "Bo")]).unwrap();
    assert_eq!(store.update_lead(other.id, &[("email", "ANN@NEW.EXAMPLE.COM")]).unwrap_err().code(), "duplicate_email");
    assert_eq!(store.update_lead(999, &[("city", "x")]).unwrap_err().code(), "lead_not_found");

    let all = store.leads().unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[1].value("first_name"), Some("Bo"));
}

#[test]
fn a_contact_links_to_one_lead_at_most() {
    let mut store = store();
    let a = store.add_lead("a@example.com", &[]).unwrap();
    let b = store.add_lead("b@example.com", &[]).unwrap();
    store.link_contact(a.id, Some("1001")).unwrap();
    assert_eq!(store.lead(a.id).unwrap().unwrap().hubspot_id.as_deref(), Some("1001"));
    assert_eq!(store.link_contact(b.id, Some("1001")).unwrap_err().code(), "contact_already_linked");
    store.link_contact(a.id, None).unwrap();
    store.link_contact(b.id, Some("1001")).unwrap();
    assert_eq!(store.link_contact(77, Some("5")).unwrap_err().code(), "lead_not_found");
}

#[test]
fn the_email_mapping_always_exists_and_new_rows_default_to_overwrite() {
    let mut store = store();
    let mappings = store.mappings().unwrap();
    assert_eq!(mappings.len(), 1);
    assert_eq!((mappings[0].field_key.as_str(), mappings[0].property.as_str()), ("email", "email"));
    assert_eq!(store.remove_mapping("email").unwrap_err().code(), "email_mapping_locked");
    assert_eq!(store.set_mapping("email", "hs_additional_emails", None).unwrap_err().code(), "email_mapping_locked");
    assert_eq!(
        store.set_mapping("email", "email", Some(WriteRule::IfEmpty)).unwrap_err().code(),
        "email_mapping_locked"
    );

    let first = store.set_mapping("first_name", "firstname", None).unwrap();
    assert_eq!(first.write_rule, WriteRule::Overwrite);
    store.set_mapping("city", "city", Some(WriteRule::IfEmpty)).unwrap();
    // Re-pointing a row keeps its rule unless a new one is given.
    assert_eq!(store.set_mapping("city", "state", None).unwrap().write_rule, WriteRule::IfEmpty);
    assert_eq!(store.set_mapping("last_name", "firstname", None).unwrap_err().code(), "property_already_mapped");
    assert_eq!(store.set_mapping("nope", "x", None).unwrap_err().code(), "unknown_field");
    assert_eq!(store.set_mapping("company", "Company Name", None).unwrap_err().code(), "invalid_property_name");
    let fields: Vec<String> = store.mappings().unwrap().into_iter().map(|m| m.field_key).collect();
    assert_eq!(fields, ["email", "first_name", "city"], "in field order");

    store.remove_mapping("city").unwrap();
    assert_eq!(store.remove_mapping("city").unwrap_err().code(), "not_mapped");
}

#[test]
fn create_is_allowed_only_while_update_is_on() {
    let mut store = store();
    assert_eq!(store.push_rules().unwrap(), PushRules { update: true, create: false });
    assert_eq!(store.set_push_rules(None, Some(true)).unwrap(), PushRules { update: true, create: true });
    assert_eq!(store.set_push_rules(Some(false), None).unwrap_err().code(), "create_needs_update");
    assert_eq!(store.set_push_rules(Some(false), Some(true)).unwrap_err().code(), "create_needs_update");
    assert_eq!(store.set_push_rules(Some(false), Some(false)).unwrap(), PushRules { update: false, create: false });
    assert_eq!(store.push_rules().unwrap(), PushRules { update: false, create: false });
}

#[test]
fn an_upgrade_keeps_a_custom_field_named_like_a_new_built_in_one() {
    let dir = temp_dir("upgrade");
    let path = dir.join("hubsync.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        for migration in &MIGRATIONS[..3] {
            conn.execute_batch(migration.sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 3).unwrap();
        conn.execute(
            "INSERT INTO fields (key, label, type, options, builtin, position, created_at)
             VALUES ('owner_email', 'My owner', 'text', '[]', 0, 12, '2026-01-01T00:00:00.000Z')",
            [],
        )
        .unwrap();
    }
    let store = Store::open(&path, clock()).unwrap();
    let field = store.field("owner_email").unwrap().unwrap();
    assert_eq!((field.label.as_str(), field.builtin), ("My owner", false), "the admin's field stays theirs");
    assert!(store.field("owner_name").unwrap().unwrap().builtin);
}
