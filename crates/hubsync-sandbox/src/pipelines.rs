//! Deal pipelines and their stages: the ids a deal's `pipeline` and `dealstage` hold, and what a
//! stage says about a deal (closed, won). A fresh portal has HubSpot's default "Sales Pipeline";
//! portals rename labels and probabilities but the ids stay, so won and lost come from a stage's
//! metadata, never from its label.

use crate::model::Properties;
use crate::properties::PropertyValueError;

/// The pipeline a deal created without `pipeline` goes to.
pub const DEFAULT_PIPELINE_ID: &str = "default";

#[derive(Clone, Debug, PartialEq)]
pub struct Pipeline {
    pub id: String,
    pub label: String,
    pub display_order: i32,
    pub stages: Vec<Stage>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Stage {
    pub id: String,
    pub label: String,
    pub display_order: i32,
    /// HubSpot's `metadata.probability`: "0.0" to "1.0" in steps of 0.1, kept as the text it
    /// is served as.
    pub probability: String,
    /// HubSpot's `metadata.isClosed`.
    pub is_closed: bool,
}

impl Pipeline {
    pub fn stage(&self, id: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.id == id)
    }

    /// Stage ids in display order, for "not one of the allowed options" messages.
    pub fn stage_ids(&self) -> Vec<&str> {
        let mut stages: Vec<&Stage> = self.stages.iter().collect();
        stages.sort_by(|a, b| a.display_order.cmp(&b.display_order).then_with(|| a.label.cmp(&b.label)));
        stages.into_iter().map(|s| s.id.as_str()).collect()
    }
}

impl Stage {
    /// A closed stage with probability 1.0.
    pub fn is_won(&self) -> bool {
        self.is_closed && self.probability.parse::<f64>().is_ok_and(|p| p >= 1.0)
    }
}

/// The pipeline with this id.
pub fn find<'a>(pipelines: &'a [Pipeline], id: &str) -> Option<&'a Pipeline> {
    pipelines.iter().find(|p| p.id == id)
}

/// The rules a deal's pipeline and stage follow, applied to the properties a write would store:
/// a new deal without a pipeline goes to the default one; the pipeline must exist and the stage
/// must be one of its stages; and the calculated `hs_is_closed_won`, `hs_is_closed` and
/// `hs_deal_stage_probability` follow the stage. Returns what is wrong, nothing changed then.
pub fn settle_deal(pipelines: &[Pipeline], props: &mut Properties, is_new: bool) -> Vec<PropertyValueError> {
    if is_new && !props.contains_key("pipeline") {
        let default = find(pipelines, DEFAULT_PIPELINE_ID).or(pipelines.first());
        if let Some(pipeline) = default {
            props.insert("pipeline".into(), pipeline.id.clone());
        }
    }
    let pipeline = match props.get("pipeline") {
        None => None,
        Some(id) => match find(pipelines, id) {
            Some(pipeline) => Some(pipeline),
            None => {
                let allowed: Vec<&str> = pipelines.iter().map(|p| p.id.as_str()).collect();
                let message = format!("{id} was not one of the allowed options: [{}]", allowed.join(", "));
                return vec![PropertyValueError::new("pipeline", "INVALID_OPTION", message)];
            }
        },
    };
    let stage = match (props.get("dealstage"), pipeline) {
        (None, _) => None,
        (Some(stage_id), Some(pipeline)) => match pipeline.stage(stage_id) {
            Some(stage) => Some(stage),
            None => {
                let message =
                    format!("{stage_id} was not one of the allowed options: [{}]", pipeline.stage_ids().join(", "));
                return vec![PropertyValueError::new("dealstage", "INVALID_OPTION", message)];
            }
        },
        (Some(stage_id), None) => {
            let message = format!("{stage_id} is not a stage of any pipeline: set the deal's pipeline too");
            return vec![PropertyValueError::new("dealstage", "INVALID_OPTION", message)];
        }
    };
    let flag = |on: bool| if on { "true" } else { "false" }.to_string();
    props.insert("hs_is_closed_won".into(), flag(stage.is_some_and(Stage::is_won)));
    props.insert("hs_is_closed".into(), flag(stage.is_some_and(|s| s.is_closed)));
    match stage {
        Some(stage) => props.insert("hs_deal_stage_probability".into(), stage.probability.clone()),
        None => props.remove("hs_deal_stage_probability"),
    };
    Vec::new()
}

/// HubSpot's default deals pipeline: ids and probabilities as a new portal has them.
pub fn default_deal_pipelines() -> Vec<Pipeline> {
    let stages = [
        ("appointmentscheduled", "Appointment Scheduled", "0.2", false),
        ("qualifiedtobuy", "Qualified To Buy", "0.4", false),
        ("presentationscheduled", "Presentation Scheduled", "0.6", false),
        ("decisionmakerboughtin", "Decision Maker Bought-In", "0.8", false),
        ("contractsent", "Contract Sent", "0.9", false),
        ("closedwon", "Closed Won", "1.0", true),
        ("closedlost", "Closed Lost", "0.0", true),
    ];
    vec![Pipeline {
        id: DEFAULT_PIPELINE_ID.into(),
        label: "Sales Pipeline".into(),
        display_order: 0,
        stages: stages
            .iter()
            .enumerate()
            .map(|(order, (id, label, probability, is_closed))| Stage {
                id: id.to_string(),
                label: label.to_string(),
                display_order: order as i32,
                probability: probability.to_string(),
                is_closed: *is_closed,
            })
            .collect(),
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_pipeline_wins_and_loses_by_metadata() {
        let pipelines = default_deal_pipelines();
        let sales = find(&pipelines, DEFAULT_PIPELINE_ID).unwrap();
        assert_eq!(sales.stage_ids().len(), 7);
        assert!(sales.stage("closedwon").unwrap().is_won());
        let lost = sales.stage("closedlost").unwrap();
        assert!(lost.is_closed && !lost.is_won());
        assert!(!sales.stage("contractsent").unwrap().is_closed);
        assert!(find(&pipelines, "nope").is_none());
    }

    #[test]
    fn deals_go_to_the_default_pipeline_and_follow_their_stage() {
        let pipelines = default_deal_pipelines();
        let mut props = Properties::from([("dealstage".to_string(), "closedwon".to_string())]);
        assert!(settle_deal(&pipelines, &mut props, true).is_empty());
        assert_eq!(props["pipeline"], "default");
        assert_eq!((props["hs_is_closed_won"].as_str(), props["hs_is_closed"].as_str()), ("true", "true"));
        assert_eq!(props["hs_deal_stage_probability"], "1.0");

        props.insert("dealstage".into(), "qualifiedtobuy".into());
        assert!(settle_deal(&pipelines, &mut props, false).is_empty());
        assert_eq!((props["hs_is_closed_won"].as_str(), props["hs_deal_stage_probability"].as_str()), ("false", "0.4"));

        let mut unknown_stage = Properties::from([("dealstage".to_string(), "won".to_string())]);
        let errors = settle_deal(&pipelines, &mut unknown_stage, true);
        assert_eq!((errors[0].name.as_str(), errors[0].code), ("dealstage", "INVALID_OPTION"));
        let mut unknown_pipeline = Properties::from([("pipeline".to_string(), "nope".to_string())]);
        assert_eq!(settle_deal(&pipelines, &mut unknown_pipeline, true)[0].name, "pipeline");
    }
}
