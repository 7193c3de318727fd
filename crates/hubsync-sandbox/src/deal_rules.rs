//! What a deal's write must satisfy beyond its values' types: its pipeline and stage exist, and
//! the calculated properties follow the stage. Reads pipelines only through `DealPipelines`'
//! lookups, so it holds whichever pipelines the portal has.

use crate::model::Properties;
use crate::pipelines::{DEFAULT_PIPELINE_ID, DealPipelines, Stage};
use crate::properties::PropertyValueError;

/// A stage with probability 1.0 wins the deal.
pub fn is_won(stage: &Stage) -> bool {
    stage.probability().and_then(|p| p.parse::<f64>().ok()).is_some_and(|p| p >= 1.0)
}

/// A stage closes the deal when its metadata says so, or when it wins or loses it (probability
/// 1.0 or 0.0), which HubSpot's probabilities mean.
pub fn is_closed(stage: &Stage) -> bool {
    let probability = stage.probability().and_then(|p| p.parse::<f64>().ok());
    stage.metadata.get("isClosed").is_some_and(|c| c == "true") || probability.is_some_and(|p| p <= 0.0 || p >= 1.0)
}

/// Applies the rules to the properties a write would store: a new deal without a pipeline goes
/// to the default one (the first live one if the default is gone), without a stage to its
/// pipeline's first stage; the pipeline must be a live pipeline and the stage one of its live
/// stages; `hs_is_closed_won`, `hs_is_closed` and `hs_deal_stage_probability` follow the stage.
/// Returns what is wrong (nothing is changed then).
pub fn settle_deal(pipelines: &DealPipelines, props: &mut Properties, is_new: bool) -> Vec<PropertyValueError> {
    if is_new && !props.contains_key("pipeline") {
        let default = pipelines.get(DEFAULT_PIPELINE_ID).or_else(|| pipelines.live().into_iter().next());
        if let Some(pipeline) = default {
            props.insert("pipeline".into(), pipeline.id.clone());
        }
    }
    let pipeline = match props.get("pipeline") {
        None => None,
        Some(id) => match pipelines.get(id) {
            Some(pipeline) => Some(pipeline),
            None => {
                let allowed: Vec<&str> = pipelines.live().iter().map(|p| p.id.as_str()).collect();
                let message = format!("{id} was not one of the allowed options: [{}]", allowed.join(", "));
                return vec![PropertyValueError::new("pipeline", "INVALID_OPTION", message)];
            }
        },
    };
    if is_new
        && !props.contains_key("dealstage")
        && let Some(first) = pipeline.and_then(|p| pipelines.first_stage(&p.id))
    {
        props.insert("dealstage".into(), first.id.clone());
    }
    let stage = match (props.get("dealstage"), pipeline) {
        (None, _) => None,
        (Some(stage_id), Some(pipeline)) => match pipeline.stage(stage_id) {
            Some(stage) => Some(stage),
            None => {
                let allowed: Vec<&str> = pipeline.live_stages().map(|s| s.id.as_str()).collect();
                let message = format!("{stage_id} was not one of the allowed options: [{}]", allowed.join(", "));
                return vec![PropertyValueError::new("dealstage", "INVALID_OPTION", message)];
            }
        },
        (Some(stage_id), None) => {
            let message = format!("{stage_id} is not a stage of any pipeline: set the deal's pipeline too");
            return vec![PropertyValueError::new("dealstage", "INVALID_OPTION", message)];
        }
    };
    let flag = |on: bool| if on { "true" } else { "false" }.to_string();
    props.insert("hs_is_closed_won".into(), flag(stage.is_some_and(is_won)));
    props.insert("hs_is_closed".into(), flag(stage.is_some_and(is_closed)));
    match stage.and_then(Stage::probability) {
        Some(probability) => props.insert("hs_deal_stage_probability".into(), probability.to_string()),
        None => props.remove("hs_deal_stage_probability"),
    };
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> Properties {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn deals_go_to_the_default_pipeline_and_follow_their_stage() {
        let pipelines = DealPipelines::default();
        let mut won = props(&[("dealstage", "closedwon")]);
        assert!(settle_deal(&pipelines, &mut won, true).is_empty());
        assert_eq!(won["pipeline"], "default");
        assert_eq!((won["hs_is_closed_won"].as_str(), won["hs_is_closed"].as_str()), ("true", "true"));
        assert_eq!(won["hs_deal_stage_probability"], "1.0");

        won.insert("dealstage".into(), "qualifiedtobuy".into());
        assert!(settle_deal(&pipelines, &mut won, false).is_empty());
        assert_eq!((won["hs_is_closed_won"].as_str(), won["hs_deal_stage_probability"].as_str()), ("false", "0.4"));

        let mut lost = props(&[("dealstage", "closedlost")]);
        settle_deal(&pipelines, &mut lost, true);
        assert_eq!((lost["hs_is_closed_won"].as_str(), lost["hs_is_closed"].as_str()), ("false", "true"));

        let mut bare = props(&[("dealname", "x")]);
        settle_deal(&pipelines, &mut bare, true);
        assert_eq!((bare["pipeline"].as_str(), bare["dealstage"].as_str()), ("default", "appointmentscheduled"));
        let mut update_without_stage = props(&[("pipeline", "default")]);
        settle_deal(&pipelines, &mut update_without_stage, false);
        assert!(!update_without_stage.contains_key("dealstage"), "only new deals get a stage");

        let errors = settle_deal(&pipelines, &mut props(&[("dealstage", "won")]), true);
        assert_eq!((errors[0].name.as_str(), errors[0].code), ("dealstage", "INVALID_OPTION"));
        assert!(errors[0].message.contains("appointmentscheduled, qualifiedtobuy"), "{}", errors[0].message);
        let errors = settle_deal(&pipelines, &mut props(&[("pipeline", "nope")]), true);
        assert_eq!(errors[0].message, "nope was not one of the allowed options: [default, 1467091]");
    }
}
