//! What "behaves the same" means: the three checks (`run`: it starts and keeps running
//! or exits 0; `smoke`: a command's stdout and exit code; `http`: a request's status and
//! body), how each is observed on a container, and the verdict on two observations.

use std::thread;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::cleanup::Cleanup;
use super::docker::{Docker, State};
use super::http::{self, Target};

/// How much of a container's log an observation keeps.
const LOG_LINES: usize = 15;

#[derive(Clone, Debug)]
pub enum Check {
    /// The container starts and is still running after this long, or has exited 0.
    Run {
        wait: Duration,
    },
    /// These arguments replace the image's CMD (its ENTRYPOINT stays).
    Smoke {
        args: Vec<String>,
        command: String,
    },
    Http {
        target: Target,
    },
}

impl Check {
    pub fn kind(&self) -> &'static str {
        match self {
            Check::Run { .. } => "run",
            Check::Smoke { .. } => "smoke",
            Check::Http { .. } => "http",
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Check::Run { wait } => format!("starts and runs for {}s (or exits 0)", wait.as_secs()),
            Check::Smoke { command, .. } => format!("`{command}`: stdout and exit code"),
            Check::Http { target } => format!("GET :{target}: status and body"),
        }
    }
}

/// What one container did under a check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Observation {
    /// Still running when the check looked.
    Running,
    Exited {
        code: i64,
        logs: String,
    },
    /// `docker run` itself failed (e.g. the CMD's program is missing from the image).
    StartFailed {
        message: String,
    },
    /// A `--smoke` command's result; no exit code when it ran past the timeout.
    Output {
        exit_code: Option<i32>,
        stdout: String,
        stderr: String,
    },
    Answer {
        status: u16,
        body: String,
    },
    /// The container never answered the request.
    NoAnswer {
        reason: String,
        logs: String,
    },
}

impl Observation {
    /// Whether the container passed the check on its own (before any comparison).
    fn passes(&self, expect: Option<&str>) -> Result<(), String> {
        let contains = |text: &str, what: &str| match expect {
            Some(expected) if !text.contains(expected) => {
                Err(format!("its {what} does not contain `{expected}`"))
            }
            _ => Ok(()),
        };
        match self {
            Observation::Running | Observation::Exited { code: 0, .. } => Ok(()),
            Observation::Exited { code, .. } => Err(format!("it exited with code {code}")),
            Observation::StartFailed { message } => Err(format!("it did not start: {message}")),
            Observation::Output {
                exit_code: None, ..
            } => Err("the command did not finish in time".into()),
            Observation::Output { stdout, .. } => contains(stdout, "output"),
            Observation::Answer { body, .. } => contains(body, "answer"),
            Observation::NoAnswer { reason, .. } => Err(reason.clone()),
        }
    }

    /// One line for the text report.
    pub fn summary(&self) -> String {
        match self {
            Observation::Running => "kept running".into(),
            Observation::Exited { code, .. } => format!("exited {code}"),
            Observation::StartFailed { .. } => "did not start".into(),
            Observation::Output {
                exit_code: Some(code),
                stdout,
                ..
            } => format!("exit {code}, stdout {}", excerpt(stdout)),
            Observation::Output { .. } => "timed out".into(),
            Observation::Answer { status, body } => format!("{status}, {}", excerpt(body)),
            Observation::NoAnswer { .. } => "no answer".into(),
        }
    }

    /// The container's last log lines, when the observation kept them.
    pub fn logs(&self) -> Option<&str> {
        match self {
            Observation::Exited { logs, .. } | Observation::NoAnswer { logs, .. } => {
                Some(logs.as_str()).filter(|l| !l.is_empty())
            }
            Observation::Output { stderr, .. } => Some(stderr.as_str()).filter(|l| !l.is_empty()),
            _ => None,
        }
    }

    /// The part two containers must share to behave the same.
    fn same_as(&self, other: &Observation) -> bool {
        match (self, other) {
            (Observation::Exited { code: a, .. }, Observation::Exited { code: b, .. }) => a == b,
            (
                Observation::Output {
                    exit_code: a,
                    stdout: out_a,
                    ..
                },
                Observation::Output {
                    exit_code: b,
                    stdout: out_b,
                    ..
                },
            ) => a == b && out_a == out_b,
            (a, b) => a == b,
        }
    }
}

/// The verdict on the two containers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Both pass the check and their observations agree.
    Same,
    /// The original passes; the rewrite fails or observes something else.
    Different,
    /// The original itself fails the check: nothing to hold the rewrite to.
    OriginalFails,
}

pub fn judge(
    original: &Observation,
    rewrite: &Observation,
    expect: Option<&str>,
) -> (Verdict, String) {
    if let Err(why) = original.passes(expect) {
        return (
            Verdict::OriginalFails,
            format!("the original fails the check: {why}"),
        );
    }
    if let Err(why) = rewrite.passes(expect) {
        return (
            Verdict::Different,
            format!("the rewrite fails the check: {why}"),
        );
    }
    if !original.same_as(rewrite) {
        return (
            Verdict::Different,
            format!(
                "the rewrite behaves differently: {} (original) vs {} (rewrite)",
                original.summary(),
                rewrite.summary()
            ),
        );
    }
    (Verdict::Same, format!("both {}", original.summary()))
}

/// Runs `check` on both images (in that order) and returns what each did.
pub fn observe(
    docker: &Docker,
    cleanup: &Cleanup,
    check: &Check,
    images: [&str; 2],
    names: [&str; 2],
    label: &str,
    timeout: Duration,
) -> [Observation; 2] {
    match check {
        Check::Run { wait } => observe_run(docker, cleanup, images, names, label, *wait),
        Check::Smoke { args, .. } => [0, 1].map(|i| {
            let name = cleanup.container(names[i]);
            match docker.run_to_end(&name, images[i], label, args, timeout) {
                Ok(finished) => Observation::Output {
                    exit_code: finished.exit_code,
                    stdout: String::from_utf8_lossy(&finished.stdout).into_owned(),
                    stderr: super::docker::last_lines(
                        &String::from_utf8_lossy(&finished.stderr),
                        LOG_LINES,
                    ),
                },
                Err(error) => Observation::StartFailed {
                    message: error.to_string(),
                },
            }
        }),
        Check::Http { target } => {
            observe_http(docker, cleanup, images, names, label, target, timeout)
        }
    }
}

fn start_both(
    docker: &Docker,
    cleanup: &Cleanup,
    images: [&str; 2],
    names: [&str; 2],
    label: &str,
    publish: Option<u16>,
) -> [Option<Observation>; 2] {
    [0, 1].map(|i| {
        let name = cleanup.container(names[i]);
        docker
            .start(&name, images[i], label, publish, &[])
            .err()
            .map(|message| Observation::StartFailed { message })
    })
}

fn exited(docker: &Docker, name: &str, code: i64) -> Observation {
    Observation::Exited {
        code,
        logs: docker.logs_tail(name, LOG_LINES),
    }
}

fn observe_run(
    docker: &Docker,
    cleanup: &Cleanup,
    images: [&str; 2],
    names: [&str; 2],
    label: &str,
    wait: Duration,
) -> [Observation; 2] {
    let mut found = start_both(docker, cleanup, images, names, label, None);
    let deadline = Instant::now() + wait;
    loop {
        for i in 0..2 {
            if found[i].is_none() {
                match docker.state(names[i]) {
                    Ok(State::Exited(code)) => found[i] = Some(exited(docker, names[i], code)),
                    Ok(State::Running) => {}
                    Err(error) => {
                        found[i] = Some(Observation::StartFailed {
                            message: error.to_string(),
                        })
                    }
                }
            }
        }
        if found.iter().all(Option::is_some) || Instant::now() >= deadline {
            break;
        }
        thread::sleep(Duration::from_millis(500));
    }
    found.map(|found| found.unwrap_or(Observation::Running))
}

fn observe_http(
    docker: &Docker,
    cleanup: &Cleanup,
    images: [&str; 2],
    names: [&str; 2],
    label: &str,
    target: &Target,
    timeout: Duration,
) -> [Observation; 2] {
    let mut found = start_both(docker, cleanup, images, names, label, Some(target.port));
    let mut ports: [Option<u16>; 2] = [None, None];
    for i in 0..2 {
        if found[i].is_none() {
            match docker.host_port(names[i], target.port) {
                Ok(port) => ports[i] = Some(port),
                Err(error) => {
                    found[i] = Some(Observation::NoAnswer {
                        reason: error.to_string(),
                        logs: docker.logs_tail(names[i], LOG_LINES),
                    })
                }
            }
        }
    }
    let started = Instant::now();
    let mut last_state_check = [started; 2];
    let mut last_error: [String; 2] = Default::default();
    loop {
        for i in 0..2 {
            let (None, Some(port)) = (&found[i], ports[i]) else {
                continue;
            };
            match http::get(port, &target.path, Duration::from_secs(10)) {
                Ok(answer) => {
                    found[i] = Some(Observation::Answer {
                        status: answer.status,
                        body: String::from_utf8_lossy(&answer.body).into_owned(),
                    });
                    continue;
                }
                Err(error) => last_error[i] = error.to_string(),
            }
            // A container that has exited will never answer; say so at once.
            if last_state_check[i].elapsed() >= Duration::from_secs(1) {
                last_state_check[i] = Instant::now();
                if let Ok(State::Exited(code)) = docker.state(names[i]) {
                    found[i] = Some(Observation::NoAnswer {
                        reason: format!("it exited with code {code} before answering"),
                        logs: docker.logs_tail(names[i], LOG_LINES),
                    });
                }
            }
        }
        if found.iter().all(Option::is_some) {
            break;
        }
        if started.elapsed() >= timeout {
            for i in 0..2 {
                if found[i].is_none() {
                    found[i] = Some(Observation::NoAnswer {
                        reason: format!(
                            "no answer on port {} within {}s (last: {})",
                            target.port,
                            timeout.as_secs(),
                            last_error[i]
                        ),
                        logs: docker.logs_tail(names[i], LOG_LINES),
                    });
                }
            }
            break;
        }
        thread::sleep(Duration::from_millis(250));
    }
    found.map(|found| found.expect("every observation is set before the loop ends"))
}

/// The start of `text` on one line, for reports.
pub fn excerpt(text: &str) -> String {
    let flat: String = text
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut cut: String = flat.chars().take(60).collect();
    if cut.len() < flat.len() {
        cut.push('…');
    }
    format!("{cut:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Observation {
        Observation::Answer {
            status,
            body: body.into(),
        }
    }

    #[test]
    fn equal_answers_are_the_same() {
        let (verdict, _) = judge(&answer(200, "hi"), &answer(200, "hi"), Some("hi"));
        assert_eq!(verdict, Verdict::Same);
    }

    #[test]
    fn a_different_body_or_status_differs() {
        assert_eq!(
            judge(&answer(200, "hi"), &answer(200, "ho"), None).0,
            Verdict::Different
        );
        assert_eq!(
            judge(&answer(200, "hi"), &answer(500, "hi"), None).0,
            Verdict::Different
        );
    }

    #[test]
    fn the_expected_text_must_be_in_both() {
        assert_eq!(
            judge(&answer(200, "a"), &answer(200, "a"), Some("b")).0,
            Verdict::OriginalFails
        );
        assert_eq!(
            judge(&answer(200, "ab"), &answer(200, "a"), Some("b")).0,
            Verdict::Different
        );
    }

    #[test]
    fn run_check_accepts_running_or_exit_zero_alike() {
        let done = |code| Observation::Exited {
            code,
            logs: String::new(),
        };
        assert_eq!(
            judge(&Observation::Running, &Observation::Running, None).0,
            Verdict::Same
        );
        assert_eq!(judge(&done(0), &done(0), None).0, Verdict::Same);
        assert_eq!(
            judge(&Observation::Running, &done(0), None).0,
            Verdict::Different
        );
        assert_eq!(
            judge(&Observation::Running, &done(1), None).0,
            Verdict::Different
        );
        assert_eq!(judge(&done(3), &done(3), None).0, Verdict::OriginalFails);
        let missing = Observation::StartFailed {
            message: "exec: \"./server\": not found".into(),
        };
        let (verdict, why) = judge(&Observation::Running, &missing, None);
        assert_eq!(verdict, Verdict::Different);
        assert!(why.contains("did not start"), "{why}");
    }

    #[test]
    fn smoke_compares_stdout_and_exit_code_not_stderr() {
        let output = |code, stdout: &str, stderr: &str| Observation::Output {
            exit_code: Some(code),
            stdout: stdout.into(),
            stderr: stderr.into(),
        };
        assert_eq!(
            judge(
                &output(0, "3.0.3\n", "warn"),
                &output(0, "3.0.3\n", ""),
                None
            )
            .0,
            Verdict::Same
        );
        assert_eq!(
            judge(&output(1, "", ""), &output(1, "", "x"), None).0,
            Verdict::Same
        );
        assert_eq!(
            judge(&output(0, "a", ""), &output(1, "a", ""), None).0,
            Verdict::Different
        );
        let timed_out = Observation::Output {
            exit_code: None,
            stdout: String::new(),
            stderr: String::new(),
        };
        assert_eq!(
            judge(&output(0, "", ""), &timed_out, None).0,
            Verdict::Different
        );
    }

    #[test]
    fn excerpts_are_one_short_line() {
        assert_eq!(excerpt("hello\nworld\n"), "\"hello world\"");
        assert!(excerpt(&"x".repeat(100)).ends_with("…\""));
    }
}
