//! `--db FILE`: the portal's records in SQLite, written through on every change, so a sandbox
//! can be stopped and started again with its data. OAuth grants stay in memory: a restarted
//! sandbox asks apps to connect again, as an uninstalled app would be.

use std::path::Path;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use crate::associations::{RecordRef, StoredAssociation};
use crate::catalog::Catalog;
use crate::model::{Owner, Properties, Record};
use crate::object_type::{ByType, ObjectType};
use crate::pipelines::Pipeline;
use crate::properties::PropertyDef;
use crate::store::RecordStore;

/// Append-only: each entry upgrades the schema by one version (`PRAGMA user_version`).
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
     CREATE TABLE properties (name TEXT PRIMARY KEY, definition TEXT NOT NULL);
     CREATE TABLE owners (id TEXT PRIMARY KEY, owner TEXT NOT NULL);
     CREATE TABLE contacts (
         id INTEGER PRIMARY KEY,
         properties TEXT NOT NULL,
         created_at TEXT NOT NULL,
         updated_at TEXT NOT NULL,
         archived INTEGER NOT NULL DEFAULT 0,
         archived_at TEXT
     );",
    // Companies and deals, and a property catalog per object type (the old one was contacts').
    "CREATE TABLE object_properties (
         object_type TEXT NOT NULL,
         name TEXT NOT NULL,
         definition TEXT NOT NULL,
         PRIMARY KEY (object_type, name)
     );
     INSERT INTO object_properties (object_type, name, definition)
         SELECT 'contact', name, definition FROM properties ORDER BY rowid;
     DROP TABLE properties;
     CREATE TABLE companies (
         id INTEGER PRIMARY KEY,
         properties TEXT NOT NULL,
         created_at TEXT NOT NULL,
         updated_at TEXT NOT NULL,
         archived INTEGER NOT NULL DEFAULT 0,
         archived_at TEXT
     );
     CREATE TABLE deals (
         id INTEGER PRIMARY KEY,
         properties TEXT NOT NULL,
         created_at TEXT NOT NULL,
         updated_at TEXT NOT NULL,
         archived INTEGER NOT NULL DEFAULT 0,
         archived_at TEXT
     );",
    // Associations, each pair once (the smaller object type first), and the deal pipelines.
    "CREATE TABLE associations (
         first_type TEXT NOT NULL,
         first_id INTEGER NOT NULL,
         second_type TEXT NOT NULL,
         second_id INTEGER NOT NULL,
         is_primary INTEGER NOT NULL DEFAULT 0,
         PRIMARY KEY (first_type, first_id, second_type, second_id)
     );
     CREATE TABLE pipelines (
         object_type TEXT NOT NULL,
         id TEXT NOT NULL,
         pipeline TEXT NOT NULL,
         PRIMARY KEY (object_type, id)
     );",
];

#[derive(Debug, thiserror::Error)]
pub enum PersistError {
    #[error("cannot open sandbox database {path}: {source}")]
    Open { path: String, source: rusqlite::Error },
    #[error(
        "sandbox database {path} has schema version {found}, newer than this sandbox knows ({known}); use a newer hubsync-sandbox"
    )]
    TooNew { path: String, found: i64, known: i64 },
    #[error("sandbox database: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("sandbox database holds a record that does not parse: {0}")]
    Corrupt(String),
}

pub struct Persistence {
    conn: Connection,
}

/// What a database file held when it was opened. A type whose catalog is empty (a file from
/// before the type was served) keeps the fresh portal's.
pub struct Stored {
    pub properties: ByType<Vec<PropertyDef>>,
    pub owners: Vec<Owner>,
    pub records: ByType<Vec<Record>>,
}

/// The table of one object type's records; a fixed name, never input.
fn table(object: ObjectType) -> &'static str {
    object.plural()
}

impl Persistence {
    pub fn open(path: &Path) -> Result<Persistence, PersistError> {
        let display = path.display().to_string();
        let mut conn = Connection::open(path).map_err(|source| PersistError::Open { path: display.clone(), source })?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(PersistError::TooNew { path: display, found: version, known });
        }
        let tx = conn.transaction()?;
        for migration in &MIGRATIONS[version as usize..] {
            tx.execute_batch(migration)?;
        }
        tx.pragma_update(None, "user_version", known)?;
        tx.commit()?;
        Ok(Persistence { conn })
    }

    /// True when the file has never been filled (a new file): seed it.
    pub fn is_empty(&self) -> Result<bool, PersistError> {
        let seeded: Option<String> =
            self.conn.query_row("SELECT value FROM meta WHERE key = 'seeded'", [], |r| r.get(0)).optional()?;
        Ok(seeded.is_none())
    }

    pub fn load(&self) -> Result<Stored, PersistError> {
        let corrupt = |what: &str, e: serde_json::Error| PersistError::Corrupt(format!("{what}: {e}"));
        let mut properties: ByType<Vec<PropertyDef>> = ByType::default();
        let mut stmt = self.conn.prepare("SELECT object_type, definition FROM object_properties ORDER BY rowid")?;
        for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
            let (object, definition) = row?;
            let object = ObjectType::from_path(&object)
                .ok_or_else(|| PersistError::Corrupt(format!("property of unknown object type {object}")))?;
            properties.get_mut(object).push(serde_json::from_str(&definition).map_err(|e| corrupt("property", e))?);
        }
        let mut owners = Vec::new();
        let mut stmt = self.conn.prepare("SELECT owner FROM owners ORDER BY rowid")?;
        for row in stmt.query_map([], |r| r.get::<_, String>(0))? {
            owners.push(serde_json::from_str(&row?).map_err(|e| corrupt("owner", e))?);
        }
        let mut records: ByType<Vec<Record>> = ByType::default();
        for object in ObjectType::ALL {
            *records.get_mut(object) = self.load_records(object)?;
        }
        Ok(Stored { properties, owners, records })
    }

    fn load_records(&self, object: ObjectType) -> Result<Vec<Record>, PersistError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT id, properties, created_at, updated_at, archived, archived_at FROM {} ORDER BY id",
            table(object)
        ))?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, bool>(4)?,
                r.get::<_, Option<String>>(5)?,
            ))
        })?;
        let time = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| PersistError::Corrupt(format!("timestamp {s}: {e}")))
        };
        let mut records = Vec::new();
        for row in rows {
            let (id, props, created, updated, archived, archived_at) = row?;
            let properties: Properties = serde_json::from_str(&props)
                .map_err(|e| PersistError::Corrupt(format!("{}: {e}", object.singular())))?;
            let properties = std::sync::Arc::new(properties);
            records.push(Record {
                object,
                id: id as u64,
                search_visible: Some(properties.clone()),
                properties,
                created_at: time(&created)?,
                updated_at: time(&updated)?,
                archived,
                archived_at: archived_at.as_deref().map(time).transpose()?,
                search_pending: None,
            });
        }
        Ok(records)
    }

    /// Replaces everything the file holds (used at first start and on reset).
    pub fn save_all(
        &mut self,
        catalogs: &ByType<Catalog>,
        owners: &[Owner],
        records: &ByType<RecordStore>,
    ) -> Result<(), PersistError> {
        let tx = self.conn.transaction()?;
        tx.execute_batch("DELETE FROM object_properties; DELETE FROM owners;")?;
        for object in ObjectType::ALL {
            tx.execute(&format!("DELETE FROM {}", table(object)), [])?;
            for def in catalogs.get(object).defs() {
                upsert_property(&tx, object, def)?;
            }
            for record in records.get(object).iter() {
                upsert_record(&tx, record)?;
            }
        }
        for owner in owners {
            tx.execute(
                "INSERT INTO owners (id, owner) VALUES (?1, ?2)",
                params![owner.id, serde_json::to_string(owner).expect("serializes")],
            )?;
        }
        tx.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('seeded', 'yes')", [])?;
        tx.commit()?;
        Ok(())
    }

    /// Writes one record. A failure here is logged, not served: the in-memory portal stays the
    /// truth for the running sandbox.
    pub fn save_record(&mut self, record: &Record) {
        if let Err(e) = upsert_record(&self.conn, record) {
            tracing::error!(object = record.object.singular(), id = record.id, error = %e, "could not persist record");
        }
    }

    /// Writes one property definition (a created custom property); logged on failure, as records.
    pub fn save_property(&mut self, object: ObjectType, def: &PropertyDef) {
        if let Err(e) = upsert_property(&self.conn, object, def) {
            tracing::error!(object = object.singular(), property = def.name, error = %e, "could not persist property");
        }
    }
}

/// Associations and deal pipelines: saved beside the records, read back when a file is reopened.
impl Persistence {
    pub fn load_associations(&self) -> Result<Vec<StoredAssociation>, PersistError> {
        let mut stmt = self.conn.prepare(
            "SELECT first_type, first_id, second_type, second_id, is_primary FROM associations
             ORDER BY first_type, first_id, second_type, second_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, bool>(4)?,
            ))
        })?;
        let object_type = |name: &str| {
            ObjectType::from_path(name).ok_or_else(|| PersistError::Corrupt(format!("association of type {name}")))
        };
        let mut saved = Vec::new();
        for row in rows {
            let (first_type, first_id, second_type, second_id, primary) = row?;
            saved.push(StoredAssociation {
                first: (object_type(&first_type)?, first_id as u64),
                second: (object_type(&second_type)?, second_id as u64),
                primary,
            });
        }
        Ok(saved)
    }

    /// The deal pipelines saved, or none when the file has never held any (then the portal
    /// keeps its defaults).
    pub fn load_deal_pipelines(&self) -> Result<Vec<Pipeline>, PersistError> {
        let mut stmt = self.conn.prepare("SELECT pipeline FROM pipelines WHERE object_type = 'deal' ORDER BY rowid")?;
        let mut pipelines = Vec::new();
        for row in stmt.query_map([], |r| r.get::<_, String>(0))? {
            pipelines.push(serde_json::from_str(&row?).map_err(|e| PersistError::Corrupt(format!("pipeline: {e}")))?);
        }
        Ok(pipelines)
    }

    /// Replaces every association and pipeline the file holds (at first start and on reset,
    /// before `save_all` marks the file seeded).
    pub fn save_links_and_pipelines(
        &mut self,
        associations: impl Iterator<Item = StoredAssociation>,
        pipelines: &[Pipeline],
    ) -> Result<(), PersistError> {
        let tx = self.conn.transaction()?;
        tx.execute_batch("DELETE FROM associations; DELETE FROM pipelines;")?;
        for saved in associations {
            upsert_association(&tx, &saved)?;
        }
        for pipeline in pipelines {
            upsert_pipeline(&tx, pipeline)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Writes associations that changed, and removes those that went. A failure here is
    /// logged, not served, as for contacts.
    pub fn save_associations(&mut self, changed: &[StoredAssociation], removed: &[(RecordRef, RecordRef)]) {
        let result = (|| -> Result<(), rusqlite::Error> {
            let tx = self.conn.transaction()?;
            for saved in changed {
                upsert_association(&tx, saved)?;
            }
            for (first, second) in removed {
                tx.execute(
                    "DELETE FROM associations WHERE first_type = ?1 AND first_id = ?2 AND second_type = ?3 AND second_id = ?4",
                    params![first.0.singular(), first.1 as i64, second.0.singular(), second.1 as i64],
                )?;
            }
            tx.commit()
        })();
        if let Err(e) = result {
            tracing::error!(error = %e, "could not persist associations");
        }
    }

    pub fn save_deal_pipeline(&mut self, pipeline: &Pipeline) {
        if let Err(e) = upsert_pipeline(&self.conn, pipeline) {
            tracing::error!(pipeline = %pipeline.id, error = %e, "could not persist pipeline");
        }
    }
}

fn upsert_association(conn: &Connection, saved: &StoredAssociation) -> Result<(), rusqlite::Error> {
    conn.execute(
        "INSERT INTO associations (first_type, first_id, second_type, second_id, is_primary) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(first_type, first_id, second_type, second_id) DO UPDATE SET is_primary = excluded.is_primary",
        params![
            saved.first.0.singular(),
            saved.first.1 as i64,
            saved.second.0.singular(),
            saved.second.1 as i64,
            saved.primary
        ],
    )?;
    Ok(())
}

fn upsert_property(conn: &Connection, object: ObjectType, def: &PropertyDef) -> Result<(), rusqlite::Error> {
    conn.execute(
        "INSERT INTO object_properties (object_type, name, definition) VALUES (?1, ?2, ?3)
         ON CONFLICT(object_type, name) DO UPDATE SET definition = excluded.definition",
        params![object.singular(), def.name, serde_json::to_string(def).expect("serializes")],
    )?;
    Ok(())
}

fn upsert_pipeline(conn: &Connection, pipeline: &Pipeline) -> Result<(), rusqlite::Error> {
    conn.execute(
        "INSERT INTO pipelines (object_type, id, pipeline) VALUES ('deal', ?1, ?2)
         ON CONFLICT(object_type, id) DO UPDATE SET pipeline = excluded.pipeline",
        params![pipeline.id, serde_json::to_string(pipeline).expect("serializes")],
    )?;
    Ok(())
}

fn upsert_record(conn: &Connection, r: &Record) -> Result<(), rusqlite::Error> {
    let fmt = crate::properties::format_timestamp;
    conn.execute(
        &format!(
            "INSERT INTO {} (id, properties, created_at, updated_at, archived, archived_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(id) DO UPDATE SET properties = excluded.properties, updated_at = excluded.updated_at,
                 archived = excluded.archived, archived_at = excluded.archived_at",
            table(r.object)
        ),
        params![
            r.id as i64,
            serde_json::to_string(&*r.properties).expect("serializes"),
            fmt(r.created_at),
            fmt(r.updated_at),
            r.archived,
            r.archived_at.map(fmt),
        ],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A path for a new database file in a folder of the test's own.
    fn fresh_db(name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("hubsync-sandbox-persist-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("portal.db");
        let _ = std::fs::remove_file(&path);
        (dir, path)
    }

    #[test]
    fn migrations_apply_in_order_and_refuse_newer_files() {
        let (dir, path) = fresh_db("migrations");
        let persist = Persistence::open(&path).unwrap();
        assert!(persist.is_empty().unwrap());
        let version: i64 = persist.conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
        persist.conn.pragma_update(None, "user_version", 99).unwrap();
        drop(persist);
        assert!(matches!(Persistence::open(&path), Err(PersistError::TooNew { found: 99, .. })));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn associations_and_pipelines_round_trip() {
        use crate::associations::{AssociationStore, Kind};
        use crate::pipelines::DealPipelines;
        let dir = std::env::temp_dir().join(format!("hubsync-sandbox-persist-links-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("portal.db");
        let _ = std::fs::remove_file(&path);
        let mut persist = Persistence::open(&path).unwrap();
        assert!(persist.load_deal_pipelines().unwrap().is_empty(), "a new file keeps the portal's defaults");

        let mut store = AssociationStore::new();
        let (ann, acme, globex) = ((ObjectType::Contact, 1001), (ObjectType::Company, 5), (ObjectType::Company, 6));
        store.associate(ann, acme, &[Kind::Primary]);
        store.associate((ObjectType::Deal, 9), ann, &[]);
        let pipelines = DealPipelines::default();
        persist.save_links_and_pipelines(store.iter(), pipelines.all()).unwrap();
        // Write-through: a primary moving changes two rows, an archive removes one.
        let changed = store.associate(ann, globex, &[Kind::Primary]);
        persist.save_associations(&changed, &[]);
        store.remove((ObjectType::Deal, 9), ann);
        persist.save_associations(&[], &[(ann, (ObjectType::Deal, 9))]);
        drop(persist);

        let reopened = Persistence::open(&path).unwrap();
        assert_eq!(reopened.load_associations().unwrap(), store.iter().collect::<Vec<_>>());
        assert_eq!(DealPipelines::from_saved(reopened.load_deal_pipelines().unwrap()), pipelines);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_contacts_only_file_keeps_its_data_and_gains_companies_and_deals() {
        let (dir, path) = fresh_db("v1");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            conn.execute_batch(
                r#"INSERT INTO meta VALUES ('seeded', 'yes');
                   INSERT INTO properties VALUES ('tshirt_size', '{"name":"tshirt_size","label":"T","type":"string","fieldType":"text"}');
                   INSERT INTO contacts (id, properties, created_at, updated_at)
                       VALUES (1001, '{"email":"a@example.com"}', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');"#,
            )
            .unwrap();
        }
        let persist = Persistence::open(&path).unwrap();
        assert!(!persist.is_empty().unwrap());
        let stored = persist.load().unwrap();
        assert_eq!(stored.properties.contact.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(), ["tshirt_size"]);
        assert!(stored.properties.company.is_empty() && stored.records.company.is_empty());
        assert_eq!(stored.records.contact[0].get("email"), Some("a@example.com"));
        assert_eq!(stored.records.contact[0].object, ObjectType::Contact);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
