//! Deals, read only: batch reads, the list, their properties, and the pipelines whose stages a
//! deal's `pipeline` and `dealstage` name by internal id.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::client::{ApiRequest, ClientError, HubSpotClient};
use crate::models::{BatchOutcome, Page, Property, Record, Results};
use crate::objects::ObjectType;

/// A pipeline with its stages. Portals rename labels and reorder stages; ids stay.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pipeline {
    pub id: String,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub display_order: i64,
    #[serde(default)]
    pub stages: Vec<PipelineStage>,
    #[serde(default)]
    pub archived: bool,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

impl Pipeline {
    /// The stages as HubSpot shows them: by `displayOrder`, equal ones by label.
    pub fn stages_in_order(&self) -> Vec<&PipelineStage> {
        let mut stages: Vec<&PipelineStage> = self.stages.iter().collect();
        stages.sort_by(|a, b| a.display_order.cmp(&b.display_order).then_with(|| a.label.cmp(&b.label)));
        stages
    }

    pub fn stage(&self, id: &str) -> Option<&PipelineStage> {
        self.stages.iter().find(|s| s.id == id)
    }
}

/// One stage of a pipeline.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PipelineStage {
    pub id: String,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub display_order: i64,
    /// String to string in HubSpot's specs (`{"probability":"0.2","isClosed":"false"}`); its own
    /// examples write numbers and booleans, so any JSON value is kept.
    #[serde(default)]
    pub metadata: BTreeMap<String, Value>,
    #[serde(default)]
    pub archived: bool,
    /// `CRM_PERMISSIONS_ENFORCEMENT`, `READ_ONLY` or `INTERNAL_ONLY`; not in every version.
    #[serde(default)]
    pub write_permissions: Option<String>,
}

impl PipelineStage {
    /// A deal stage's win probability, 0.0 to 1.0.
    pub fn probability(&self) -> Option<f64> {
        match self.metadata.get("probability")? {
            Value::String(text) => text.trim().parse().ok(),
            Value::Number(n) => n.as_f64(),
            _ => None,
        }
    }

    /// Whether deals in this stage are closed (`isClosed`, seen in replies though not in the specs).
    pub fn is_closed(&self) -> Option<bool> {
        match self.metadata.get("isClosed")? {
            Value::String(text) => text.trim().parse().ok(),
            Value::Bool(closed) => Some(*closed),
            _ => None,
        }
    }

    /// A closed-won stage: probability 1.0, whatever its label says.
    pub fn is_won(&self) -> bool {
        self.probability() == Some(1.0)
    }

    /// A closed-lost stage: probability 0.0, whatever its label says.
    pub fn is_lost(&self) -> bool {
        self.probability() == Some(0.0)
    }
}

impl HubSpotClient {
    /// Every deal property (no paging on this endpoint).
    pub async fn deal_properties(&self) -> Result<Vec<Property>, ClientError> {
        self.object_properties(ObjectType::Deals).await
    }

    /// One page of the deals list, up to `limit` (at most 100).
    pub async fn list_deals(
        &self,
        limit: u32,
        after: Option<&str>,
        properties: &[String],
    ) -> Result<Page<Record>, ClientError> {
        self.list_objects(ObjectType::Deals, limit, after, properties).await
    }

    /// Reads up to 100 deals by record id with `properties`; missing ones come back in `errors`.
    pub async fn batch_read_deals(&self, ids: &[String], properties: &[String]) -> Result<BatchOutcome, ClientError> {
        self.batch_read_objects(ObjectType::Deals, ids, None, properties).await
    }

    /// Every pipeline of `object` with its stages, archived ones included (HubSpot's list has no
    /// `archived` parameter and no paging).
    pub async fn pipelines(&self, object: ObjectType) -> Result<Vec<Pipeline>, ClientError> {
        let reply = self.send(&ApiRequest::get(self.config().version.pipelines(object))).await?;
        Ok(reply.json::<Results<Pipeline>>()?.results)
    }

    /// Every deal pipeline with its stages.
    pub async fn deal_pipelines(&self) -> Result<Vec<Pipeline>, ClientError> {
        self.pipelines(ObjectType::Deals).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_metadata_is_read_as_strings_numbers_or_booleans() {
        let pipeline: Pipeline = serde_json::from_value(serde_json::json!({
            "id": "default", "label": "Sales Pipeline", "displayOrder": 0, "archived": false,
            "createdAt": "1970-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z",
            "stages": [
                { "id": "closedwon", "label": "Closed won", "displayOrder": 5, "archived": false,
                  "metadata": { "probability": "1.0", "isClosed": "true" }, "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT" },
                { "id": "b", "label": "B", "displayOrder": 1, "metadata": { "probability": 0.4, "isClosed": false } },
                { "id": "a", "label": "A", "displayOrder": 1, "metadata": { "probability": "x" } },
                { "id": "closedlost", "label": "Closed lost", "displayOrder": 6, "metadata": { "probability": "0.0", "isClosed": "true" } }
            ]
        }))
        .unwrap();
        let order: Vec<&str> = pipeline.stages_in_order().iter().map(|s| s.id.as_str()).collect();
        assert_eq!(order, ["a", "b", "closedwon", "closedlost"]);
        let won = pipeline.stage("closedwon").unwrap();
        assert_eq!((won.probability(), won.is_closed(), won.is_won()), (Some(1.0), Some(true), true));
        let open = pipeline.stage("b").unwrap();
        assert_eq!(
            (open.probability(), open.is_closed(), open.is_won(), open.is_lost()),
            (Some(0.4), Some(false), false, false)
        );
        assert_eq!(pipeline.stage("a").unwrap().probability(), None);
        assert!(pipeline.stage("closedlost").unwrap().is_lost());
    }
}
