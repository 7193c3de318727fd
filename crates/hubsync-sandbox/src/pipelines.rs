//! Deal pipelines and their stages, in HubSpot's shapes: every portal has the default "Sales
//! Pipeline" (id `default`, its seven stages with HubSpot's ids), and the sandbox adds a second,
//! "Renewals", so a client has to look a stage's label up by its pipeline and id. Tests add,
//! rename or replace pipelines through fixtures and the control API (`put`).
//!
//! Stage `metadata` is a map of strings, as HubSpot sends it: `probability` ("0.0" lost to "1.0"
//! won, in steps of 0.1) and `isClosed`. Pipelines and stages sort by `displayOrder`, then label.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::properties::format_timestamp;

/// The id of the pipeline every portal has, which deals without a `pipeline` join.
pub const DEFAULT_PIPELINE_ID: &str = "default";
/// Who may move deals into a stage; the only value the sandbox's own stages use.
pub const DEFAULT_WRITE_PERMISSIONS: &str = "CRM_PERMISSIONS_ENFORCEMENT";
const WRITE_PERMISSIONS: &[&str] = &["CRM_PERMISSIONS_ENFORCEMENT", "READ_ONLY", "INTERNAL_ONLY"];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stage {
    pub id: String,
    pub label: String,
    pub display_order: i64,
    pub metadata: BTreeMap<String, String>,
    pub write_permissions: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub archived: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pipeline {
    pub id: String,
    pub label: String,
    pub display_order: i64,
    pub stages: Vec<Stage>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub archived: bool,
}

/// A pipeline as a fixture or the control API gives it: HubSpot's shape, with the times, the
/// archive flags and stage write permissions optional.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PipelineInput {
    pub id: String,
    pub label: String,
    #[serde(default)]
    pub display_order: i64,
    pub stages: Vec<StageInput>,
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub archived: bool,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StageInput {
    pub id: String,
    pub label: String,
    #[serde(default)]
    pub display_order: i64,
    /// `probability` is required ("0.0" to "1.0" in steps of 0.1); numbers are taken as strings.
    #[serde(default)]
    pub metadata: BTreeMap<String, Value>,
    #[serde(default)]
    pub write_permissions: Option<String>,
    #[serde(default)]
    pub archived: bool,
}

impl Stage {
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "label": self.label,
            "displayOrder": self.display_order,
            "metadata": self.metadata,
            "writePermissions": self.write_permissions,
            "createdAt": format_timestamp(self.created_at),
            "updatedAt": format_timestamp(self.updated_at),
            "archived": self.archived,
        })
    }

    /// `probability` as HubSpot keeps it: "1.0" is won, "0.0" lost.
    pub fn probability(&self) -> Option<&str> {
        self.metadata.get("probability").map(String::as_str)
    }
}

impl Pipeline {
    /// The pipeline with its live stages, in display order.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "label": self.label,
            "displayOrder": self.display_order,
            "stages": self.live_stages().map(Stage::to_json).collect::<Vec<_>>(),
            "createdAt": format_timestamp(self.created_at),
            "updatedAt": format_timestamp(self.updated_at),
            "archived": self.archived,
        })
    }

    /// Stages that are not archived, sorted by display order, then label.
    pub fn live_stages(&self) -> impl Iterator<Item = &Stage> {
        let mut stages: Vec<&Stage> = self.stages.iter().filter(|s| !s.archived).collect();
        stages.sort_by(|a, b| (a.display_order, &a.label).cmp(&(b.display_order, &b.label)));
        stages.into_iter()
    }

    pub fn stage(&self, stage_id: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.id == stage_id && !s.archived)
    }
}

/// A portal's deal pipelines, archived ones included (reads leave them out).
#[derive(Clone, Debug, PartialEq)]
pub struct DealPipelines {
    pipelines: Vec<Pipeline>,
}

impl Default for DealPipelines {
    fn default() -> Self {
        DealPipelines { pipelines: vec![sales_pipeline(), renewals_pipeline()] }
    }
}

impl DealPipelines {
    /// Pipelines as they were saved (reopening a `--db` file).
    pub fn from_saved(pipelines: Vec<Pipeline>) -> Self {
        DealPipelines { pipelines }
    }

    pub fn all(&self) -> &[Pipeline] {
        &self.pipelines
    }

    /// Live pipelines, sorted by display order, then label.
    pub fn live(&self) -> Vec<&Pipeline> {
        let mut live: Vec<&Pipeline> = self.pipelines.iter().filter(|p| !p.archived).collect();
        live.sort_by(|a, b| (a.display_order, &a.label).cmp(&(b.display_order, &b.label)));
        live
    }

    /// A live pipeline; archived and unknown ids are not found, as in HubSpot.
    pub fn get(&self, id: &str) -> Option<&Pipeline> {
        self.pipelines.iter().find(|p| p.id == id && !p.archived)
    }

    /// The first stage of a pipeline in display order: where a new deal lands when it names none.
    pub fn first_stage(&self, pipeline_id: &str) -> Option<&Stage> {
        self.get(pipeline_id).and_then(|p| p.live_stages().next())
    }

    /// Checks `input` and adds it, or replaces the pipeline with its id (a stage's `createdAt`
    /// survives a replacement that keeps its id). Returns the stored pipeline.
    pub fn put(&mut self, input: &PipelineInput, now: DateTime<Utc>) -> Result<&Pipeline, String> {
        let existing = self.pipelines.iter().position(|p| p.id == input.id);
        let previous = existing.map(|i| &self.pipelines[i]);
        let pipeline = build(input, previous, now)?;
        if let Some(other) = self.pipelines.iter().find(|p| {
            p.id != pipeline.id && !p.archived && !pipeline.archived && p.label.eq_ignore_ascii_case(&pipeline.label)
        }) {
            return Err(format!("a pipeline labelled {:?} already exists (id {})", pipeline.label, other.id));
        }
        let index = match existing {
            Some(i) => {
                self.pipelines[i] = pipeline;
                i
            }
            None => {
                self.pipelines.push(pipeline);
                self.pipelines.len() - 1
            }
        };
        Ok(&self.pipelines[index])
    }
}

fn build(input: &PipelineInput, previous: Option<&Pipeline>, now: DateTime<Utc>) -> Result<Pipeline, String> {
    if input.id.trim().is_empty() || input.label.trim().is_empty() {
        return Err("a pipeline needs an id and a label".into());
    }
    if input.stages.is_empty() {
        return Err(format!("pipeline {}: a pipeline needs at least one stage", input.id));
    }
    let mut ids = HashSet::new();
    let mut labels = HashSet::new();
    let created_at = input.created_at.or(previous.map(|p| p.created_at)).unwrap_or(now);
    let updated_at = input.updated_at.unwrap_or(now);
    let mut stages = Vec::with_capacity(input.stages.len());
    for stage in &input.stages {
        let context = |e: String| format!("pipeline {}, stage {:?}: {e}", input.id, stage.id);
        if stage.id.trim().is_empty() || stage.label.trim().is_empty() {
            return Err(context("a stage needs an id and a label".into()));
        }
        if !ids.insert(stage.id.as_str()) {
            return Err(context("stage ids must be unique within a pipeline".into()));
        }
        if !stage.archived && !labels.insert(stage.label.to_lowercase()) {
            return Err(context(format!("stage labels must be unique within a pipeline: {:?}", stage.label)));
        }
        let metadata = stage_metadata(&stage.metadata).map_err(context)?;
        let write_permissions = stage.write_permissions.clone().unwrap_or_else(|| DEFAULT_WRITE_PERMISSIONS.into());
        if !WRITE_PERMISSIONS.contains(&write_permissions.as_str()) {
            return Err(context(format!("writePermissions must be one of {WRITE_PERMISSIONS:?}")));
        }
        let kept = previous.and_then(|p| p.stages.iter().find(|s| s.id == stage.id)).map(|s| s.created_at);
        stages.push(Stage {
            id: stage.id.clone(),
            label: stage.label.clone(),
            display_order: stage.display_order,
            metadata,
            write_permissions,
            created_at: kept.unwrap_or(created_at),
            updated_at,
            archived: stage.archived,
        });
    }
    Ok(Pipeline {
        id: input.id.clone(),
        label: input.label.clone(),
        display_order: input.display_order,
        stages,
        created_at,
        updated_at,
        archived: input.archived,
    })
}

/// Deal stages need `probability` between 0.0 and 1.0 in steps of 0.1; `isClosed` follows from
/// it when not given (1.0 and 0.0 close a deal).
fn stage_metadata(given: &BTreeMap<String, Value>) -> Result<BTreeMap<String, String>, String> {
    let mut metadata = BTreeMap::new();
    for (key, value) in given {
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            other => return Err(format!("metadata {key} must be a string, not {other}")),
        };
        metadata.insert(key.clone(), text);
    }
    let probability = metadata.get("probability").ok_or("deal stages need metadata.probability")?;
    let value: f64 =
        probability.parse().map_err(|_| format!("probability {probability:?} is not a number between 0.0 and 1.0"))?;
    let tenths = value * 10.0;
    if !(0.0..=1.0).contains(&value) || (tenths - tenths.round()).abs() > 1e-9 {
        return Err(format!("probability {probability:?} must be between 0.0 and 1.0 in steps of 0.1"));
    }
    let normalized = format!("{:.1}", tenths.round() / 10.0);
    let closed = normalized == "0.0" || normalized == "1.0";
    metadata.insert("probability".into(), normalized);
    metadata.entry("isClosed".into()).or_insert_with(|| closed.to_string());
    Ok(metadata)
}

/// HubSpot's default pipelines were made before any portal: their `createdAt` is 0.
fn epoch() -> DateTime<Utc> {
    Utc.timestamp_opt(0, 0).single().expect("the epoch exists")
}

fn stage(id: &str, label: &str, display_order: i64, probability: &str, at: DateTime<Utc>) -> Stage {
    let closed = probability == "0.0" || probability == "1.0";
    Stage {
        id: id.into(),
        label: label.into(),
        display_order,
        metadata: BTreeMap::from([
            ("isClosed".to_string(), closed.to_string()),
            ("probability".to_string(), probability.to_string()),
        ]),
        write_permissions: DEFAULT_WRITE_PERMISSIONS.into(),
        created_at: at,
        updated_at: at,
        archived: false,
    }
}

/// A pipeline made at `at`, its stages `(id, label, probability)` in display order.
fn pipeline(id: &str, label: &str, display_order: i64, at: DateTime<Utc>, stages: &[(&str, &str, &str)]) -> Pipeline {
    Pipeline {
        id: id.into(),
        label: label.into(),
        display_order,
        stages: stages
            .iter()
            .enumerate()
            .map(|(order, (id, label, probability))| stage(id, label, order as i64, probability, at))
            .collect(),
        created_at: at,
        updated_at: at,
        archived: false,
    }
}

/// HubSpot's default deals pipeline, with its stage ids and probabilities.
fn sales_pipeline() -> Pipeline {
    pipeline(
        DEFAULT_PIPELINE_ID,
        "Sales Pipeline",
        0,
        epoch(),
        &[
            ("appointmentscheduled", "Appointment Scheduled", "0.2"),
            ("qualifiedtobuy", "Qualified To Buy", "0.4"),
            ("presentationscheduled", "Presentation Scheduled", "0.6"),
            ("decisionmakerboughtin", "Decision Maker Bought-In", "0.8"),
            ("contractsent", "Contract Sent", "0.9"),
            ("closedwon", "Closed Won", "1.0"),
            ("closedlost", "Closed Lost", "0.0"),
        ],
    )
}

/// Id of the sandbox's second deals pipeline; its stage ids are numbers, as a pipeline made in
/// a portal gets.
pub const RENEWALS_PIPELINE_ID: &str = "1467091";

/// A second pipeline, made in the portal (numeric ids, as HubSpot gives custom pipelines).
fn renewals_pipeline() -> Pipeline {
    let at = crate::seed::anchor() - chrono::Duration::days(400);
    pipeline(
        RENEWALS_PIPELINE_ID,
        "Renewals",
        1,
        at,
        &[
            ("2710548", "Renewal Due", "0.5"),
            ("2710549", "Terms Proposed", "0.7"),
            ("2710550", "Renewed", "1.0"),
            ("2710551", "Churned", "0.0"),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has_stage(pipelines: &DealPipelines, pipeline_id: &str, stage_id: &str) -> bool {
        pipelines.get(pipeline_id).is_some_and(|p| p.stage(stage_id).is_some())
    }

    fn input(id: &str, label: &str, stages: &[(&str, &str, Value)]) -> PipelineInput {
        PipelineInput {
            id: id.into(),
            label: label.into(),
            stages: stages
                .iter()
                .map(|(id, label, probability)| StageInput {
                    id: id.to_string(),
                    label: label.to_string(),
                    metadata: BTreeMap::from([("probability".to_string(), probability.clone())]),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn the_default_pipeline_is_hubspots_and_a_second_one_exists() {
        let pipelines = DealPipelines::default();
        let live = pipelines.live();
        assert_eq!(live.iter().map(|p| p.label.as_str()).collect::<Vec<_>>(), ["Sales Pipeline", "Renewals"]);
        let sales = pipelines.get(DEFAULT_PIPELINE_ID).unwrap();
        let ids: Vec<&str> = sales.live_stages().map(|s| s.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "appointmentscheduled",
                "qualifiedtobuy",
                "presentationscheduled",
                "decisionmakerboughtin",
                "contractsent",
                "closedwon",
                "closedlost"
            ]
        );
        assert_eq!(sales.to_json()["createdAt"], "1970-01-01T00:00:00.000Z");
        assert_eq!(sales.stage("closedwon").unwrap().metadata["isClosed"], "true");
        assert_eq!(sales.stage("contractsent").unwrap().probability(), Some("0.9"));
        assert!(has_stage(&pipelines, RENEWALS_PIPELINE_ID, "2710550"));
        assert!(!has_stage(&pipelines, DEFAULT_PIPELINE_ID, "2710550"), "a stage belongs to one pipeline");
        assert_eq!(pipelines.first_stage(DEFAULT_PIPELINE_ID).unwrap().id, "appointmentscheduled");
    }

    #[test]
    fn put_checks_the_pipeline_whole_and_replaces_by_id() {
        let now = crate::seed::anchor();
        let mut pipelines = DealPipelines::default();
        let renamed = input(
            DEFAULT_PIPELINE_ID,
            "Sales Pipeline",
            &[("appointmentscheduled", "First call", json!(0.2)), ("closedwon", "Signed", json!("1"))],
        );
        let stored = pipelines.put(&renamed, now).unwrap();
        assert_eq!(stored.created_at, epoch(), "the pipeline keeps its creation time");
        assert_eq!(stored.stage("appointmentscheduled").unwrap().label, "First call");
        assert_eq!(stored.stage("closedwon").unwrap().probability(), Some("1.0"));
        assert!(!has_stage(&pipelines, DEFAULT_PIPELINE_ID, "contractsent"), "replaced whole");

        for (bad, why) in [
            (input("x", "X", &[("a", "A", json!(0.25))]), "steps of 0.1"),
            (input("x", "X", &[("a", "A", json!(1.5))]), "between 0.0 and 1.0"),
            (input("x", "X", &[("a", "A", json!(0.1)), ("b", "a", json!(0.2))]), "labels must be unique"),
            (input("x", "X", &[("a", "A", json!(0.1)), ("a", "B", json!(0.2))]), "ids must be unique"),
            (input("x", "Renewals", &[("a", "A", json!(0.1))]), "already exists"),
            (input("x", "X", &[]), "at least one stage"),
        ] {
            let error = pipelines.put(&bad, now).unwrap_err();
            assert!(error.contains(why), "{error}");
        }
        let mut no_probability = input("x", "X", &[("a", "A", json!(0.1))]);
        no_probability.stages[0].metadata.clear();
        assert!(pipelines.put(&no_probability, now).unwrap_err().contains("probability"));
        assert!(pipelines.get("x").is_none(), "refused pipelines are not stored");
    }
}
