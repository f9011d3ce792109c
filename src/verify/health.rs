//! The images' own HEALTHCHECK, held beside the chosen check: where the original's
//! container becomes healthy, the rewrite's must too. (A final stage that lacks the
//! probe's program, `curl` on a slim image, runs and answers but is never healthy.)

use std::thread;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::docker::{Docker, State};

/// Where a container's health check settled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Health {
    Healthy,
    /// The last probe's output says why.
    Unhealthy {
        output: String,
    },
    /// Still starting when the time was up (or the container stopped first).
    Starting,
}

impl Health {
    pub fn summary(&self) -> String {
        match self {
            Health::Healthy => "healthy".into(),
            Health::Unhealthy { output } => format!("unhealthy ({})", output.trim()),
            Health::Starting => "health still starting".into(),
        }
    }
}

/// `docker inspect`'s `.State.Health`, as far as it is read here.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Inspected {
    status: String,
    #[serde(default)]
    log: Vec<Probe>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Probe {
    #[serde(default)]
    output: String,
}

/// Reads the state of a container's health check from `docker inspect`'s JSON of
/// `.State.Health`; `None` when the image has no HEALTHCHECK (`null`).
fn parse(json: &str) -> Option<Health> {
    let state: Inspected = serde_json::from_str::<Option<Inspected>>(json).ok()??;
    Some(match state.status.as_str() {
        "healthy" => Health::Healthy,
        "unhealthy" => Health::Unhealthy {
            output: state
                .log
                .last()
                .map(|probe| probe.output.clone())
                .unwrap_or_default(),
        },
        _ => Health::Starting,
    })
}

/// Waits (to `timeout`) until both containers' health checks settle; `None` for a
/// container whose image has no HEALTHCHECK or that is gone.
pub fn observe(docker: &Docker, names: [&str; 2], timeout: Duration) -> [Option<Health>; 2] {
    let started = Instant::now();
    loop {
        let found = names.map(|name| docker.health_json(name).ok().and_then(|j| parse(&j)));
        // A container that stopped probes no more: its health is what it is.
        let settled = found.iter().zip(names).all(|(health, name)| {
            !matches!(health, Some(Health::Starting))
                || !matches!(docker.state(name), Ok(State::Running))
        });
        if settled || started.elapsed() >= timeout {
            return found;
        }
        thread::sleep(Duration::from_millis(500));
    }
}

/// Why the rewrite's health differs from the original's, if it does: only a healthy
/// original holds the rewrite to anything.
pub fn difference(original: Option<&Health>, rewrite: Option<&Health>) -> Option<String> {
    match (original, rewrite) {
        (Some(Health::Healthy), Some(Health::Healthy)) => None,
        (Some(Health::Healthy), Some(other)) => Some(format!(
            "the original's HEALTHCHECK passes, the rewrite's does not: {}",
            other.summary()
        )),
        (Some(Health::Healthy), None) => {
            Some("the original has a HEALTHCHECK that passes; the rewrite has none".into())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_docker_inspect_health() {
        assert_eq!(parse("null"), None);
        assert_eq!(
            parse(r#"{"Status":"healthy","FailingStreak":0,"Log":[]}"#),
            Some(Health::Healthy)
        );
        let unhealthy = r#"{"Status":"unhealthy","FailingStreak":3,"Log":[{"ExitCode":1,"Output":"x"},{"ExitCode":127,"Output":"/bin/sh: 1: curl: not found\n"}]}"#;
        assert_eq!(
            parse(unhealthy),
            Some(Health::Unhealthy {
                output: "/bin/sh: 1: curl: not found\n".into()
            })
        );
        assert_eq!(
            parse(r#"{"Status":"starting","Log":[]}"#),
            Some(Health::Starting)
        );
    }

    #[test]
    fn a_healthy_original_holds_the_rewrite_to_its_health() {
        let sick = Health::Unhealthy {
            output: "curl: not found".into(),
        };
        assert_eq!(
            difference(Some(&Health::Healthy), Some(&Health::Healthy)),
            None
        );
        let why = difference(Some(&Health::Healthy), Some(&sick)).unwrap();
        assert!(why.contains("unhealthy (curl: not found)"), "{why}");
        assert!(difference(Some(&Health::Healthy), None).is_some());
        assert_eq!(difference(Some(&sick), Some(&Health::Healthy)), None);
        assert_eq!(difference(None, None), None);
    }
}
