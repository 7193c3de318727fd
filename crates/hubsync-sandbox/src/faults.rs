//! Fault injection: transient HubSpot failures, slow replies, dropped connections and cut-off
//! bodies, drawn from a seeded generator so a failing run can be replayed.

use std::time::Duration;

use axum::http::StatusCode;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::errors::{ApiError, RatePolicy};

/// Probabilities (0 to 1) of each fault per request. Those decided before the request is handled
/// (`rate_limited` … `drop_before`) must add up to at most 1, and so must those after
/// (`drop_after`, `truncate`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct FaultConfig {
    /// 429 with a TEN_SECONDLY_ROLLING body.
    pub rate_limited: f64,
    /// 423 Locked.
    pub locked: f64,
    /// 502 Bad Gateway (an HTML body, as HubSpot's edge sends).
    pub bad_gateway: f64,
    /// 503 Service Unavailable (a JSON body).
    pub unavailable: f64,
    /// 504 Gateway Timeout (an HTML body).
    pub gateway_timeout: f64,
    /// The connection is closed before the request is handled: nothing was written.
    pub drop_before: f64,
    /// The request is handled, then the connection is closed without a reply: the write landed
    /// but the client can't know.
    pub drop_after: f64,
    /// The request is handled and the reply's body is cut off halfway.
    pub truncate: f64,
    /// Added latency, and the probability a request gets it.
    pub latency_ms: u64,
    pub latency_probability: f64,
    /// Only requests whose path contains one of these strings get faults; all when empty.
    pub paths: Vec<String>,
}

impl Default for FaultConfig {
    fn default() -> Self {
        FaultConfig {
            rate_limited: 0.0,
            locked: 0.0,
            bad_gateway: 0.0,
            unavailable: 0.0,
            gateway_timeout: 0.0,
            drop_before: 0.0,
            drop_after: 0.0,
            truncate: 0.0,
            latency_ms: 0,
            latency_probability: 1.0,
            paths: Vec::new(),
        }
    }
}

impl FaultConfig {
    pub fn validate(&self) -> Result<(), String> {
        let named = [
            ("rateLimited", self.rate_limited),
            ("locked", self.locked),
            ("badGateway", self.bad_gateway),
            ("unavailable", self.unavailable),
            ("gatewayTimeout", self.gateway_timeout),
            ("dropBefore", self.drop_before),
            ("dropAfter", self.drop_after),
            ("truncate", self.truncate),
            ("latencyProbability", self.latency_probability),
        ];
        for (name, p) in named {
            if !(0.0..=1.0).contains(&p) {
                return Err(format!("fault probability {name} must be between 0 and 1, got {p}"));
            }
        }
        let before = self.rate_limited
            + self.locked
            + self.bad_gateway
            + self.unavailable
            + self.gateway_timeout
            + self.drop_before;
        if before > 1.0 + 1e-9 {
            return Err(format!(
                "rateLimited + locked + badGateway + unavailable + gatewayTimeout + dropBefore must be at most 1, got {before}"
            ));
        }
        if self.drop_after + self.truncate > 1.0 + 1e-9 {
            return Err(format!("dropAfter + truncate must be at most 1, got {}", self.drop_after + self.truncate));
        }
        Ok(())
    }
}

/// What happens to the connection after the handler ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectionFault {
    Drop,
    Truncate,
}

/// The faults drawn for one request.
#[derive(Debug, Default)]
pub struct FaultPlan {
    pub latency: Option<Duration>,
    /// A reply served instead of handling the request.
    pub replace: Option<ApiError>,
    /// Close the connection instead of handling the request.
    pub drop_before: bool,
    pub after: Option<ConnectionFault>,
}

impl FaultPlan {
    /// A short name for counters and the request log.
    pub fn label(&self) -> Option<String> {
        if self.drop_before {
            return Some("dropBefore".into());
        }
        if let Some(err) = &self.replace {
            return Some(format!("status{}", err.status().as_u16()));
        }
        match self.after {
            Some(ConnectionFault::Drop) => Some("dropAfter".into()),
            Some(ConnectionFault::Truncate) => Some("truncate".into()),
            None => self.latency.map(|_| "latency".into()),
        }
    }
}

#[derive(Debug)]
pub struct FaultDice {
    rng: ChaCha8Rng,
    pub config: FaultConfig,
}

impl FaultDice {
    pub fn new(seed: u64, config: FaultConfig) -> Self {
        FaultDice { rng: ChaCha8Rng::seed_from_u64(seed ^ 0x4855_4253_594e_4321), config }
    }

    pub fn reseed(&mut self, seed: u64) {
        *self = FaultDice::new(seed, self.config.clone());
    }

    /// Draws the faults for one request to `path`. Always draws the same number of values, so a
    /// run's sequence of faults depends only on the seed and the order of requests.
    pub fn roll(&mut self, path: &str) -> FaultPlan {
        let (latency_roll, before_roll, after_roll): (f64, f64, f64) =
            (self.rng.random(), self.rng.random(), self.rng.random());
        let c = &self.config;
        if !c.paths.is_empty() && !c.paths.iter().any(|p| path.contains(p.as_str())) {
            return FaultPlan::default();
        }
        let mut plan = FaultPlan::default();
        if c.latency_ms > 0 && latency_roll < c.latency_probability {
            plan.latency = Some(Duration::from_millis(c.latency_ms));
        }
        let outcomes = [
            (c.rate_limited, Some(ApiError::RateLimited(RatePolicy::TenSecondlyRolling))),
            (c.locked, Some(ApiError::Locked)),
            (c.bad_gateway, Some(ApiError::Upstream(StatusCode::BAD_GATEWAY))),
            (c.unavailable, Some(ApiError::Upstream(StatusCode::SERVICE_UNAVAILABLE))),
            (c.gateway_timeout, Some(ApiError::Upstream(StatusCode::GATEWAY_TIMEOUT))),
            (c.drop_before, None),
        ];
        let mut edge = 0.0;
        for (p, error) in outcomes {
            edge += p;
            if before_roll < edge {
                match error {
                    Some(e) => plan.replace = Some(e),
                    None => plan.drop_before = true,
                }
                return plan;
            }
        }
        if after_roll < c.drop_after {
            plan.after = Some(ConnectionFault::Drop);
        } else if after_roll < c.drop_after + c.truncate {
            plan.after = Some(ConnectionFault::Truncate);
        }
        plan
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_faults() {
        let config = FaultConfig { rate_limited: 0.3, bad_gateway: 0.1, truncate: 0.2, ..Default::default() };
        let run = |seed| {
            let mut dice = FaultDice::new(seed, config.clone());
            (0..200).map(|_| dice.roll("/crm/v3/objects/contacts").label()).collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
        let faults = run(7);
        let rate_limited = faults.iter().filter(|l| l.as_deref() == Some("status429")).count();
        assert!((30..=90).contains(&rate_limited), "about 30% of 200, got {rate_limited}");
    }

    #[test]
    fn path_filter_limits_faults() {
        let config = FaultConfig { unavailable: 1.0, paths: vec!["/batch/".into()], ..Default::default() };
        let mut dice = FaultDice::new(1, config);
        assert!(dice.roll("/crm/v3/objects/contacts/batch/read").replace.is_some());
        assert!(dice.roll("/crm/v3/owners").replace.is_none());
    }

    #[test]
    fn validation_rejects_impossible_probabilities() {
        assert!(FaultConfig { locked: 1.5, ..Default::default() }.validate().is_err());
        assert!(FaultConfig { locked: 0.6, unavailable: 0.6, ..Default::default() }.validate().is_err());
        assert!(FaultConfig { locked: 0.5, unavailable: 0.5, truncate: 1.0, ..Default::default() }.validate().is_ok());
    }
}
