//! Deal pipelines and their stages: the ids a deal's `pipeline` and `dealstage` hold. A fresh
//! portal has HubSpot's default "Sales Pipeline" (id `default`, its seven stages with HubSpot's
//! ids). Stage `metadata` is a map of strings, as HubSpot sends it: `probability` ("0.0" lost to
//! "1.0" won) and `isClosed`; portals rename labels and probabilities but ids stay, so a deal's
//! outcome comes from the metadata, never from a label.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};

/// The id of the pipeline every portal has, which deals without a `pipeline` join.
pub const DEFAULT_PIPELINE_ID: &str = "default";
/// Who may move deals into a stage; the only value the default stages use.
pub const DEFAULT_WRITE_PERMISSIONS: &str = "CRM_PERMISSIONS_ENFORCEMENT";

#[derive(Clone, Debug, PartialEq)]
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

#[derive(Clone, Debug, PartialEq)]
pub struct Pipeline {
    pub id: String,
    pub label: String,
    pub display_order: i64,
    pub stages: Vec<Stage>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub archived: bool,
}

impl Stage {
    /// `probability` as HubSpot keeps it: "1.0" is won, "0.0" lost.
    pub fn probability(&self) -> Option<&str> {
        self.metadata.get("probability").map(String::as_str)
    }
}

impl Pipeline {
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

/// A portal's deal pipelines, archived ones included (lookups leave them out).
#[derive(Clone, Debug, PartialEq)]
pub struct DealPipelines {
    pipelines: Vec<Pipeline>,
}

impl Default for DealPipelines {
    fn default() -> Self {
        DealPipelines { pipelines: vec![sales_pipeline()] }
    }
}

impl DealPipelines {
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
}

/// HubSpot's default pipeline and stages were made before any portal: `createdAt` 0.
fn epoch() -> DateTime<Utc> {
    Utc.timestamp_opt(0, 0).single().expect("the epoch exists")
}

fn stage(id: &str, label: &str, display_order: i64, probability: &str, at: DateTime<Utc>) -> Stage {
    let closed = probability == "1.0" || probability == "0.0";
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

/// HubSpot's default deals pipeline: ids and probabilities as a new portal has them.
fn sales_pipeline() -> Pipeline {
    let at = epoch();
    Pipeline {
        id: DEFAULT_PIPELINE_ID.into(),
        label: "Sales Pipeline".into(),
        display_order: 0,
        stages: vec![
            stage("appointmentscheduled", "Appointment Scheduled", 0, "0.2", at),
            stage("qualifiedtobuy", "Qualified To Buy", 1, "0.4", at),
            stage("presentationscheduled", "Presentation Scheduled", 2, "0.6", at),
            stage("decisionmakerboughtin", "Decision Maker Bought-In", 3, "0.8", at),
            stage("contractsent", "Contract Sent", 4, "0.9", at),
            stage("closedwon", "Closed Won", 5, "1.0", at),
            stage("closedlost", "Closed Lost", 6, "0.0", at),
        ],
        created_at: at,
        updated_at: at,
        archived: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_pipeline_is_hubspots() {
        let pipelines = DealPipelines::default();
        let sales = pipelines.get(DEFAULT_PIPELINE_ID).unwrap();
        let ids: Vec<&str> = sales.live_stages().map(|s| s.id.as_str()).collect();
        assert_eq!(ids.first(), Some(&"appointmentscheduled"));
        assert_eq!(ids.len(), 7);
        assert_eq!(sales.stage("closedwon").unwrap().probability(), Some("1.0"));
        assert_eq!(sales.stage("closedlost").unwrap().metadata["isClosed"], "true");
        assert_eq!(sales.stage("contractsent").unwrap().metadata["isClosed"], "false");
        assert_eq!(pipelines.first_stage(DEFAULT_PIPELINE_ID).unwrap().id, "appointmentscheduled");
        assert!(pipelines.get("nope").is_none());
    }
}
