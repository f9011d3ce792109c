//! The command line, end to end: every flag and exit code, stdin, the JSON schema,
//! folder discovery, bad input, and `--write`'s promise to leave a file intact when it
//! cannot write it. Each test runs the real binary in a temp folder.

#[path = "cli/harness.rs"]
mod harness;

use std::fs;

use harness::{MULTISTAGE, PYTHON_APP, PYTHON_FULL, Project, UNKNOWN_BASE};

// ---- the default dry run ----------------------------------------------------------

#[test]
fn the_dry_run_prints_a_git_style_diff_and_writes_nothing() {
    let project = Project::new();
    project.python_app("app");
    let output = project.run(&["app/Dockerfile"]);
    output.code(0);
    assert!(
        output
            .stdout
            .starts_with("--- a/app/Dockerfile\n+++ b/app/Dockerfile\n@@ "),
        "{}",
        output.stdout
    );
    assert!(
        output
            .stdout
            .contains("+FROM python:3.12-slim AS builder\n")
    );
    assert!(
        output
            .stdout
            .contains("+COPY --from=builder /opt/pydeps /opt/pydeps\n")
    );
    assert_eq!(project.read("app/Dockerfile"), PYTHON_APP);
    assert_eq!(
        output.summary(),
        "1 would be rewritten, 0 unchanged, 0 declined, 0 errors"
    );
}

#[test]
fn the_diff_applies_with_git_apply_conventions() {
    // The diff's paths are relative to where restage ran, so `patch -p1` takes them.
    let project = Project::new();
    project.python_app("svc");
    let diff = project.stdout_of(&["svc"]);
    let rewrite = project.stdout_of(&["--stdout", "svc/Dockerfile"]);
    project.file("change.diff", &diff);
    let patched = std::process::Command::new("patch")
        .args(["-p1", "-i", "change.diff"])
        .current_dir(project.path())
        .output();
    match patched {
        Ok(result) if result.status.success() => {
            assert_eq!(project.read("svc/Dockerfile"), rewrite)
        }
        Ok(result) => panic!("patch failed: {}", String::from_utf8_lossy(&result.stderr)),
        Err(_) => eprintln!("skipped: no `patch` program on this machine"),
    }
}

#[test]
fn no_path_means_the_current_folder() {
    let project = Project::new();
    project.python_app("a").python_app("b");
    let output = project.run(&[]);
    output.code(0);
    assert!(output.stdout.contains("--- a/a/Dockerfile\n"));
    assert!(output.stdout.contains("--- a/b/Dockerfile\n"));
    assert_eq!(
        output.summary(),
        "2 would be rewritten, 0 unchanged, 0 declined, 0 errors"
    );
}

#[test]
fn declined_and_unchanged_files_are_told_apart() {
    let project = Project::new();
    project
        .python_app("app")
        .file("tool/Dockerfile", UNKNOWN_BASE)
        .file("done/Dockerfile", MULTISTAGE);
    let output = project.run(&["."]);
    output.code(0);
    assert!(
        output
            .stderr
            .contains("declined: tool/Dockerfile: no recognised ecosystem"),
        "{}",
        output.stderr
    );
    assert!(
        !output.stderr.contains("done/Dockerfile"),
        "{}",
        output.stderr
    );
    assert!(
        !output.stdout.contains("tool/Dockerfile") && !output.stdout.contains("done/Dockerfile")
    );
    assert_eq!(
        output.summary(),
        "1 would be rewritten, 1 unchanged, 1 declined, 0 errors"
    );
}

#[test]
fn output_comes_in_a_stable_order_whatever_the_threads() {
    let project = Project::new();
    for index in 0..40 {
        project.python_app(&format!("svc{index:02}"));
    }
    let one = project.stdout_of(&["-j", "1", "."]);
    let many = project.stdout_of(&["--jobs", "8", "."]);
    assert_eq!(one, many);
    let headers: Vec<&str> = one
        .lines()
        .filter(|line| line.starts_with("--- a/"))
        .collect();
    let mut sorted = headers.clone();
    sorted.sort();
    assert_eq!(headers.len(), 40);
    assert_eq!(headers, sorted);
}

#[cfg(unix)]
#[test]
fn more_jobs_than_the_system_allows_do_not_panic() {
    // Under a memory limit a thousand threads' stacks do not fit: restage starts no more
    // workers than files (and no more than 256), and goes on with the ones it has.
    let project = Project::new();
    project.python_app("a").python_app("b").python_app("c");
    for jobs in ["1000", &usize::MAX.to_string()] {
        let output = std::process::Command::new("sh")
            .args(["-c", "ulimit -v 400000 && exec \"$0\" \"$@\""])
            .arg(assert_cmd::cargo::cargo_bin("restage"))
            .args(["--check", "-j", jobs, "."])
            .current_dir(project.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "-j {jobs}: {stderr}");
        assert_eq!(
            String::from_utf8_lossy(&output.stdout),
            "would rewrite a/Dockerfile\nwould rewrite b/Dockerfile\nwould rewrite c/Dockerfile\n"
        );
    }
}

// ---- --write ----------------------------------------------------------------------

#[test]
fn write_rewrites_in_place_and_a_second_run_changes_nothing() {
    let project = Project::new();
    project
        .python_app("app")
        .file("tool/Dockerfile", UNKNOWN_BASE);
    let rewrite = project.stdout_of(&["--stdout", "app/Dockerfile"]);
    let output = project.run(&["--write", "."]);
    output.code(0);
    assert_eq!(output.stdout, "rewrote app/Dockerfile\n");
    assert_eq!(
        output.summary(),
        "1 rewritten, 0 unchanged, 1 declined, 0 errors"
    );
    assert_eq!(project.read("app/Dockerfile"), rewrite);
    assert_eq!(project.read("tool/Dockerfile"), UNKNOWN_BASE);
    assert!(project.leftovers("app").is_empty());

    let again = project.run(&["-w", "."]);
    again.code(0);
    assert_eq!(again.stdout, "");
    assert_eq!(
        again.summary(),
        "0 rewritten, 1 unchanged, 1 declined, 0 errors"
    );
    assert_eq!(project.read("app/Dockerfile"), rewrite);
    project.run(&["--check", "."]).code(0);
}

/// `--write` over a few thousand apps, stopped by `signal` once a file is written: it
/// exits `code`, leaves no temp file, and every Dockerfile is the original or the whole
/// rewrite, as many rewritten as it reports.
#[cfg(unix)]
fn a_signal_stops_write_cleanly(signal: &str, code: i32) {
    const APPS: usize = 4_000;
    let project = Project::new();
    for index in 0..APPS {
        project.python_app(&format!("app{index:04}"));
    }
    let rewrite = project.stdout_of(&["--stdout", "app0000/Dockerfile"]);
    let output = project.run_signalled(&["--write", "-j2", "."], signal);
    output.code(code);
    let mut rewritten = 0;
    for index in 0..APPS {
        let folder = format!("app{index:04}");
        assert_eq!(project.leftovers(&folder), Vec::<String>::new(), "{folder}");
        let dockerfile = project.read(&format!("{folder}/Dockerfile"));
        if dockerfile == rewrite {
            rewritten += 1;
        } else {
            assert_eq!(dockerfile, PYTHON_APP, "{folder}");
        }
    }
    assert!(rewritten > 0 && rewritten < APPS, "{rewritten} rewritten");
    assert_eq!(output.stdout.lines().count(), rewritten);
    assert_eq!(
        output.summary(),
        format!("{rewritten} rewritten, 0 unchanged, 0 declined, 0 errors")
    );
    assert!(
        output.stderr.contains("warning: interrupted"),
        "{}",
        output.stderr
    );
}

#[cfg(unix)]
#[test]
fn ctrl_c_during_write_leaves_no_temp_file_and_exits_130() {
    a_signal_stops_write_cleanly("INT", 130);
}

#[cfg(unix)]
#[test]
fn sigterm_during_write_leaves_no_temp_file_and_exits_143() {
    a_signal_stops_write_cleanly("TERM", 143);
}

#[cfg(unix)]
#[test]
fn write_keeps_the_mode_and_the_line_endings() {
    use std::os::unix::fs::PermissionsExt;
    let project = Project::new();
    project.python_app("");
    let crlf = PYTHON_APP.replace('\n', "\r\n");
    project.file("Dockerfile", &crlf);
    fs::set_permissions(
        project.join("Dockerfile"),
        fs::Permissions::from_mode(0o640),
    )
    .unwrap();
    project.run(&["--write", "Dockerfile"]).code(0);
    let written = project.read("Dockerfile");
    assert!(written.contains("AS builder\r\n"), "{written:?}");
    assert!(
        !written.replace("\r\n", "").contains('\n'),
        "a bare LF crept in: {written:?}"
    );
    let mode = fs::metadata(project.join("Dockerfile"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o640);
}

#[test]
fn write_refuses_a_read_only_file_and_leaves_it_intact() {
    // restage checks the read-only bit itself (a rename would replace the file
    // regardless), so this holds for root too.
    let project = Project::new();
    project.python_app("locked").python_app("open");
    let path = project.join("locked/Dockerfile");
    let mut permissions = fs::metadata(&path).unwrap().permissions();
    permissions.set_readonly(true);
    fs::set_permissions(&path, permissions).unwrap();

    let output = project.run(&["--write", "."]);
    output.code(2);
    assert!(
        output
            .stderr
            .contains("error: cannot write locked/Dockerfile: the file is read-only"),
        "{}",
        output.stderr
    );
    assert_eq!(project.read("locked/Dockerfile"), PYTHON_APP);
    assert!(project.leftovers("locked").is_empty());
    assert_eq!(
        output.stdout, "rewrote open/Dockerfile\n",
        "the batch goes on"
    );
    assert_ne!(project.read("open/Dockerfile"), PYTHON_APP);
    assert_eq!(
        output.summary(),
        "1 rewritten, 0 unchanged, 0 declined, 1 error"
    );
}

/// The Dockerfile of a Python app in `app`, given to `uid`:`gid`; `None` where only
/// root could do that (the test then skips).
#[cfg(unix)]
fn app_owned_by(project: &Project, uid: u32, gid: u32) -> Option<std::path::PathBuf> {
    project.python_app("app");
    let path = project.join("app/Dockerfile");
    if std::os::unix::fs::chown(&path, Some(uid), Some(gid)).is_err() {
        eprintln!("skipped: only root can give a file to another user");
        return None;
    }
    Some(path)
}

#[cfg(unix)]
#[test]
fn write_refuses_another_users_file_it_may_write_through_its_group() {
    // rw-rw-r-- of user 1000 in `nobody`'s group: `nobody` may write it, but a
    // replacement by a file of its own would take it over (only root can give it back).
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let project = Project::new();
    let Some(path) = app_owned_by(&project, 1000, 65534) else {
        return;
    };
    fs::set_permissions(&path, fs::Permissions::from_mode(0o664)).unwrap();
    fs::set_permissions(project.join("app"), fs::Permissions::from_mode(0o777)).unwrap();
    let Some(output) = project.run_unprivileged(&["--write", "app"]) else {
        eprintln!("skipped: no setpriv to run as another user");
        return;
    };
    output.code(2);
    assert!(
        output.stderr.contains(
            "error: cannot write app/Dockerfile: it belongs to another user, and the rewrite, which replaces the file, would take it over"
        ),
        "{}",
        output.stderr
    );
    let after = fs::metadata(&path).unwrap();
    assert_eq!((after.uid(), after.gid()), (1000, 65534));
    assert_eq!(project.read("app/Dockerfile"), PYTHON_APP);
    assert!(project.leftovers("app").is_empty());
}

#[cfg(unix)]
#[test]
fn write_into_a_read_only_folder_fails_cleanly() {
    use std::os::unix::fs::PermissionsExt;
    let project = Project::new();
    project.python_app("app");
    fs::set_permissions(project.join("app"), fs::Permissions::from_mode(0o555)).unwrap();
    let output = project.run_unprivileged(&["--write", "--format", "json", "app"]);
    fs::set_permissions(project.join("app"), fs::Permissions::from_mode(0o755)).unwrap();
    let Some(output) = output else {
        eprintln!(
            "skipped: running as root without setpriv, a read-only folder does not stop writes here"
        );
        return;
    };
    output.code(2);
    let record = &output.records()[0];
    assert_eq!(record["status"], "error");
    assert_eq!(record["written"], false);
    assert!(
        record["message"]
            .as_str()
            .unwrap()
            .contains("permission denied"),
        "{record}"
    );
    assert_eq!(project.read("app/Dockerfile"), PYTHON_APP);
    assert!(project.leftovers("app").is_empty());
}

#[cfg(unix)]
#[test]
fn write_refuses_a_file_the_user_may_not_write_in_a_folder_they_may() {
    // r--rw-r--: not read-only (the group may write), but neither its owner (the caller)
    // nor `nobody` may; the folder is open to all, so a rename would replace the file.
    use std::os::unix::fs::PermissionsExt;
    let project = Project::new();
    project.python_app("app");
    let path = project.join("app/Dockerfile");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o464)).unwrap();
    fs::set_permissions(project.join("app"), fs::Permissions::from_mode(0o777)).unwrap();
    let before = fs::metadata(&path).unwrap();
    let Some(output) = project.run_unprivileged(&["--write", "app"]) else {
        eprintln!("skipped: running as root without setpriv, every file is writable here");
        return;
    };
    output.code(2);
    assert!(
        output
            .stderr
            .contains("error: cannot write app/Dockerfile: permission denied\n"),
        "{}",
        output.stderr
    );
    assert_eq!(project.read("app/Dockerfile"), PYTHON_APP);
    let after = fs::metadata(&path).unwrap();
    use std::os::unix::fs::MetadataExt;
    assert_eq!((after.ino(), after.uid()), (before.ino(), before.uid()));
    assert!(project.leftovers("app").is_empty());
}

#[cfg(unix)]
#[test]
fn a_named_symlink_is_followed_and_stays_a_link() {
    let project = Project::new();
    project.python_app("real");
    std::os::unix::fs::symlink("real/Dockerfile", project.join("Dockerfile")).unwrap();
    project.run(&["--write", "Dockerfile"]).code(0);
    let link = fs::symlink_metadata(project.join("Dockerfile")).unwrap();
    assert!(link.file_type().is_symlink());
    assert!(project.read("real/Dockerfile").contains("AS builder"));
}

#[cfg(unix)]
#[test]
fn symlinks_met_in_a_folder_are_skipped() {
    let project = Project::new();
    project.python_app("real");
    fs::create_dir(project.join("alias")).unwrap();
    std::os::unix::fs::symlink("../real/Dockerfile", project.join("alias/Dockerfile")).unwrap();
    let output = project.run(&["--check", "."]);
    output.code(1);
    assert_eq!(output.stdout, "would rewrite real/Dockerfile\n");
}

#[test]
fn write_cannot_write_back_to_stdin() {
    let project = Project::new();
    let output = project.run_stdin(&["--write", "-"], PYTHON_APP);
    output.code(2);
    assert!(
        output.stderr.contains("--write cannot write back to stdin"),
        "{}",
        output.stderr
    );
}

#[test]
fn stdin_can_be_named_only_once() {
    let project = Project::new();
    let output = project.run_stdin(&["--check", "-", "-"], PYTHON_APP);
    output.code(2);
    assert!(
        output
            .stderr
            .contains("error: - (stdin) can be named only once"),
        "{}",
        output.stderr
    );
    assert_eq!(output.stdout, "");
}

#[cfg(unix)]
#[test]
fn write_keeps_the_owner_and_the_setuid_and_setgid_bits() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let project = Project::new();
    let Some(path) = app_owned_by(&project, 1234, 5678) else {
        return;
    };
    fs::set_permissions(&path, fs::Permissions::from_mode(0o6775)).unwrap();
    project.run(&["-q", "--write", "app"]).code(0);
    let written = fs::metadata(&path).unwrap();
    assert!(project.read("app/Dockerfile").contains("AS builder"));
    assert_eq!(
        (written.mode() & 0o7777, written.uid(), written.gid()),
        (0o6775, 1234, 5678)
    );
}

// ---- --check ----------------------------------------------------------------------

#[test]
fn check_lists_what_would_change_and_exits_1() {
    let project = Project::new();
    project
        .python_app("a")
        .python_app("b")
        .file("c/Dockerfile", MULTISTAGE);
    let output = project.run(&["--check"]);
    output.code(1);
    assert_eq!(
        output.stdout,
        "would rewrite a/Dockerfile\nwould rewrite b/Dockerfile\n"
    );
    assert_eq!(project.read("a/Dockerfile"), PYTHON_APP);
}

#[test]
fn check_exits_0_when_nothing_would_change() {
    let project = Project::new();
    project
        .file("Dockerfile", MULTISTAGE)
        .file("tool/Dockerfile", UNKNOWN_BASE);
    let output = project.run(&["--check", "."]);
    output.code(0);
    assert_eq!(output.stdout, "");
}

#[test]
fn an_error_outranks_check_s_exit_1() {
    let project = Project::new();
    project
        .python_app("a")
        .file("b/Dockerfile", "FROM python:3.12\nFORM x\n");
    project.run(&["--check", "."]).code(2);
}

#[test]
fn write_and_check_do_not_go_together() {
    let project = Project::new();
    project.python_app("");
    let output = project.run(&["--write", "--check"]);
    output.code(2);
    assert!(
        output.stderr.contains("cannot be used with"),
        "{}",
        output.stderr
    );
    assert_eq!(project.read("Dockerfile"), PYTHON_APP);
}

// ---- --stdout and stdin -----------------------------------------------------------

#[test]
fn stdout_prints_the_rewritten_file() {
    let project = Project::new();
    project.python_app("");
    let output = project.run(&["--stdout", "Dockerfile"]);
    output.code(0);
    assert!(
        output
            .stdout
            .starts_with("FROM python:3.12-slim AS builder\n"),
        "{}",
        output.stdout
    );
    assert!(output.stdout.ends_with("CMD [\"python\", \"app.py\"]\n"));
    assert_eq!(output.stderr, "", "no summary with --stdout");
}

#[test]
fn stdout_prints_a_declined_or_multistage_file_unchanged() {
    let project = Project::new();
    project
        .file("Dockerfile", UNKNOWN_BASE)
        .file("Dockerfile.done", MULTISTAGE);
    let declined = project.run(&["--stdout", "Dockerfile"]);
    declined.code(0);
    assert_eq!(declined.stdout, UNKNOWN_BASE);
    assert!(
        declined.stderr.contains("declined: Dockerfile"),
        "{}",
        declined.stderr
    );
    assert_eq!(
        project.run(&["--stdout", "Dockerfile.done"]).code(0).stdout,
        MULTISTAGE
    );
}

#[test]
fn stdout_reads_stdin() {
    let project = Project::new();
    let output = project.run_stdin(&["--stdout", "-"], PYTHON_APP);
    output.code(0);
    assert!(
        output
            .stdout
            .starts_with("FROM python:3.12-slim AS builder\n")
    );
}

#[test]
fn stdout_takes_one_file_only() {
    let project = Project::new();
    project.python_app("a").python_app("b");
    let two = project.run(&["--stdout", "a/Dockerfile", "b/Dockerfile"]);
    two.code(2);
    assert!(
        two.stderr.contains("--stdout takes exactly one file"),
        "{}",
        two.stderr
    );
    project.run(&["--stdout", "a"]).code(2);
    project.run(&["--stdout"]).code(2);
}

#[test]
fn stdout_with_a_parse_error_prints_nothing_and_exits_2() {
    let project = Project::new();
    project.file("Dockerfile", "FROM python:3.12\nFORM x\n");
    let output = project.run(&["--stdout", "Dockerfile"]);
    output.code(2);
    assert_eq!(output.stdout, "");
    assert!(
        output.stderr.contains("--> Dockerfile:2:1"),
        "{}",
        output.stderr
    );
}

#[test]
fn stdin_gets_a_diff_like_any_file() {
    let project = Project::new();
    let output = project.run_stdin(&["-"], PYTHON_APP);
    output.code(0);
    assert!(
        output.stdout.starts_with("--- a/<stdin>\n+++ b/<stdin>\n"),
        "{}",
        output.stdout
    );
    let checked = project.run_stdin(&["--check", "-"], PYTHON_APP);
    checked.code(1);
    assert_eq!(checked.stdout, "would rewrite <stdin>\n");
}

#[test]
fn stdin_errors_name_stdin() {
    let project = Project::new();
    let output = project.run_stdin(&["-"], "FROM python:3.12\nRUN <<EOF\necho hi\n");
    output.code(2);
    assert!(
        output.stderr.contains("--> <stdin>:2:1"),
        "{}",
        output.stderr
    );
}

// ---- --format json ----------------------------------------------------------------

#[test]
fn json_gives_one_record_per_file_in_schema_order() {
    let project = Project::new();
    project
        .python_app("a")
        .file("b/Dockerfile", MULTISTAGE)
        .file("c/Dockerfile", UNKNOWN_BASE)
        .file("d/Dockerfile", "FROM python:3.12\n  FORM x\n");
    let output = project.run(&["--format", "json"]);
    output.code(2);
    let lines: Vec<&str> = output.stdout.lines().collect();
    assert_eq!(lines.len(), 4);
    for line in &lines {
        assert!(line.starts_with("{\"path\":"), "path first: {line}");
    }
    let records = output.records();
    let keys = |index: usize| -> Vec<&str> {
        records[index]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect()
    };
    let common = [
        "decisions",
        "diff",
        "ecosystem",
        "path",
        "path_bytes",
        "reason",
        "status",
        "written",
    ];
    for index in 0..3 {
        let mut sorted = keys(index);
        sorted.sort();
        assert_eq!(sorted, common, "record {index}");
    }

    let rewritten = &records[0];
    assert_eq!(rewritten["path"], "a/Dockerfile");
    assert_eq!(rewritten["path_bytes"], serde_json::Value::Null);
    assert_eq!(rewritten["status"], "rewritten");
    assert_eq!(rewritten["ecosystem"], "python");
    assert_eq!(rewritten["written"], false);
    assert_eq!(rewritten["reason"], serde_json::Value::Null);
    let decisions = rewritten["decisions"].as_array().unwrap();
    assert!(!decisions.is_empty());
    for decision in decisions {
        assert!(
            decision["what"].as_str().is_some_and(|s| !s.is_empty()),
            "{decision}"
        );
        assert!(
            decision["why"].as_str().is_some_and(|s| !s.is_empty()),
            "{decision}"
        );
    }
    let text_diff = project.run(&["a/Dockerfile"]).stdout.clone();
    assert_eq!(rewritten["diff"].as_str().unwrap(), text_diff);

    assert_eq!(records[1]["status"], "unchanged");
    assert_eq!(records[1]["reason"], "already multistage");
    assert_eq!(records[1]["diff"], serde_json::Value::Null);

    assert_eq!(records[2]["status"], "declined");
    assert!(
        records[2]["reason"]
            .as_str()
            .unwrap()
            .contains("no recognised ecosystem")
    );
    assert_eq!(records[2]["ecosystem"], serde_json::Value::Null);

    let error = &records[3];
    assert_eq!(error["path"], "d/Dockerfile");
    assert_eq!(error["status"], "error");
    assert_eq!(
        (error["line"].as_u64(), error["column"].as_u64()),
        (Some(2), Some(3))
    );
    assert_eq!(error["message"], "unknown instruction: FORM");
    let mut sorted = keys(3);
    sorted.sort();
    let mut expected = common.to_vec();
    expected.extend(["column", "line", "message"]);
    expected.sort();
    assert_eq!(sorted, expected);
}

#[test]
fn json_with_check_exits_1_and_still_gives_records() {
    let project = Project::new();
    project.python_app("");
    let output = project.run(&["--check", "--format", "json"]);
    output.code(1);
    assert_eq!(output.records()[0]["status"], "rewritten");
    assert_eq!(project.read("Dockerfile"), PYTHON_APP);
}

#[test]
fn stdout_with_explain_keeps_stdout_for_the_dockerfile() {
    let project = Project::new();
    project.python_app("");
    let plain = project.stdout_of(&["--stdout", "Dockerfile"]);
    let explained = project.run(&["--stdout", "--explain", "Dockerfile"]);
    explained.code(0);
    assert_eq!(explained.stdout, plain);
    assert!(
        explained
            .stderr
            .contains("Dockerfile: would be rewritten (python)\n  - "),
        "{}",
        explained.stderr
    );
}

#[test]
fn json_marks_written_files() {
    let project = Project::new();
    project.python_app("");
    let output = project.run(&["--write", "--format", "json"]);
    output.code(0);
    let records = output.records();
    assert_eq!(records[0]["status"], "rewritten");
    assert_eq!(records[0]["written"], true);
}

#[test]
fn json_records_an_unreadable_path_without_a_position() {
    let project = Project::new();
    let output = project.run(&["--format", "json", "missing/Dockerfile"]);
    output.code(2);
    let record = &output.records()[0];
    assert_eq!(record["status"], "error");
    assert_eq!(record["line"], serde_json::Value::Null);
    assert_eq!(record["column"], serde_json::Value::Null);
    assert!(
        record["message"]
            .as_str()
            .unwrap()
            .contains("no such file or folder")
    );
}

// ---- --explain --------------------------------------------------------------------

#[test]
fn explain_gives_each_decision_and_its_reason_beside_the_diff() {
    let project = Project::new();
    project
        .python_app("app")
        .file("tool/Dockerfile", UNKNOWN_BASE)
        .file("done/Dockerfile", MULTISTAGE);
    let output = project.run(&["--explain", "."]);
    output.code(0);
    let stdout = &output.stdout;
    let explained = stdout
        .find("app/Dockerfile: would be rewritten (python)\n")
        .expect(stdout);
    let diff = stdout.find("--- a/app/Dockerfile").expect(stdout);
    assert!(explained < diff, "the explanation comes first\n{stdout}");
    assert!(stdout.contains("  - `pip install -r requirements.txt` installs with `--target` in the builder\n    why: "), "{stdout}");
    assert!(
        stdout.contains("tool/Dockerfile: declined\n  no recognised ecosystem"),
        "{stdout}"
    );
    assert!(
        stdout.contains("done/Dockerfile: unchanged\n  already multistage\n"),
        "{stdout}"
    );
    assert!(
        !output.stderr.contains("declined:"),
        "said once, on stdout: {}",
        output.stderr
    );
}

#[test]
fn explain_says_a_base_was_recognised_by_its_name() {
    let project = Project::new();
    project
        .file(
            "Dockerfile",
            "FROM tiangolo/uvicorn-gunicorn-fastapi:python3.11\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY ./app /app\n",
        )
        .file("requirements.txt", "fastapi\n");
    let output = project.run(&["--explain", "Dockerfile"]);
    output.code(0);
    let stdout = &output.stdout;
    assert!(
        stdout.contains("Dockerfile: would be rewritten (python)\n  - rewritten as python\n    why: the base image `tiangolo/uvicorn-gunicorn-fastapi:python3.11` is not an official image, but its name says python"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  - final stage on `tiangolo/uvicorn-gunicorn-fastapi:python3.11`\n"),
        "{stdout}"
    );
    let told = project.run(&["--explain", "--ecosystem", "python", "Dockerfile"]);
    assert!(
        !told.stdout.contains("rewritten as python"),
        "the user said so: {}",
        told.stdout
    );
}

#[test]
fn explain_with_check_and_write() {
    let project = Project::new();
    project.python_app("");
    let checked = project.run(&["--check", "--explain"]);
    checked.code(1);
    assert!(
        checked
            .stdout
            .contains("Dockerfile: would be rewritten (python)\n  - ")
    );
    assert!(checked.stdout.contains("would rewrite Dockerfile\n"));
    let written = project.run(&["--write", "--explain"]);
    written.code(0);
    assert!(
        written
            .stdout
            .contains("Dockerfile: rewritten (python)\n  - "),
        "{}",
        written.stdout
    );
}

// ---- transformer options and restage.toml ----------------------------------------

#[test]
fn no_slim_keeps_the_full_base() {
    let project = Project::new();
    project
        .file("Dockerfile", PYTHON_FULL)
        .file("requirements.txt", "flask\n")
        .file("app.py", "");
    let slim = project.stdout_of(&["--stdout", "Dockerfile"]);
    assert!(slim.contains("\nFROM python:3.11-slim\n"), "{slim}");
    let full = project.stdout_of(&["--stdout", "--no-slim", "Dockerfile"]);
    assert!(!full.contains("-slim"), "{full}");
    assert!(full.contains("\nFROM python:3.11\n"), "{full}");
    // The last of --slim and --no-slim wins.
    let again = project.stdout_of(&["--stdout", "--no-slim", "--slim", "Dockerfile"]);
    assert_eq!(again, slim);
}

#[test]
fn ecosystem_forces_a_rewrite_around_an_unknown_base() {
    let project = Project::new();
    let custom = PYTHON_APP.replace("python:3.12-slim", "myorg/pybase:3.12");
    project
        .file("Dockerfile", &custom)
        .file("requirements.txt", "flask\n");
    let declined = project.run(&["--format", "json"]);
    declined.code(0);
    assert_eq!(declined.records()[0]["status"], "declined");
    let forced = project.run(&["--format", "json", "--ecosystem", "python"]);
    forced.code(0);
    assert_eq!(forced.records()[0]["status"], "rewritten");
    assert_eq!(forced.records()[0]["ecosystem"], "python");
    project.run(&["--ecosystem", "cobol"]).code(2);
}

/// A run computes diffs only where it shows them: a JSON record of `--check` carries
/// one (the diff mode's JSON is checked above), the text of `--check` names the file
/// and prints none.
#[test]
fn check_json_records_carry_the_diff_and_check_text_does_not() {
    let project = Project::new();
    project.python_app("a");
    let json = project.run(&["--check", "--format", "json"]);
    json.code(1);
    let diff = json.records()[0]["diff"].as_str().unwrap().to_owned();
    assert!(diff.contains("+FROM python:3.12-slim"), "{diff}");
    let text = project.run(&["--check"]);
    text.code(1);
    assert_eq!(text.stdout, "would rewrite a/Dockerfile\n");
}

#[test]
fn go_final_reaches_the_go_rewrite() {
    let project = Project::new();
    project
        .file(
            "Dockerfile",
            "FROM golang:1.22\nWORKDIR /app\nCOPY go.mod ./\nCOPY . .\nRUN go build -o server .\nEXPOSE 8080\nCMD [\"./server\"]\n",
        )
        .file("go.mod", "module example.com/app\n\ngo 1.22\n")
        .file("main.go", "package main\n\nfunc main() {}\n");
    let output = project.run(&["--format", "json", "--go-final", "scratch"]);
    output.code(0);
    let record = &output.records()[0];
    assert_eq!(record["status"], "rewritten", "{record}");
    assert!(
        record["diff"].as_str().unwrap().contains("+FROM scratch"),
        "{record}"
    );
}

#[test]
fn serve_static_is_opt_in_on_the_command_line_and_in_restage_toml() {
    let project = Project::new();
    project
        .file(
            "web/Dockerfile",
            "FROM node:20\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\nEXPOSE 5173\nCMD [\"npm\", \"run\", \"dev\", \"--\", \"--host\"]\n",
        )
        .file(
            "web/package.json",
            r#"{"scripts": {"dev": "vite", "build": "vite build"}, "devDependencies": {"vite": "^5.2.0"}}"#,
        )
        .file("web/package-lock.json", "{}");
    let by_default = project.run(&["--format", "json", "web"]);
    by_default.code(0);
    let record = &by_default.records()[0];
    assert_eq!(record["status"], "declined", "{record}");
    assert!(
        record["reason"]
            .as_str()
            .unwrap()
            .contains("--serve-static"),
        "{record}"
    );
    let asked = project.stdout_of(&["--stdout", "--serve-static", "web/Dockerfile"]);
    assert!(asked.contains("\nFROM nginx:stable-alpine\n"), "{asked}");
    assert!(
        asked.contains("COPY --from=builder /app/dist /usr/share/nginx/html"),
        "{asked}"
    );
    project.file("web/restage.toml", "serve-static = true\n");
    let configured = project.stdout_of(&["--stdout", "web/Dockerfile"]);
    assert_eq!(configured, asked);
}

#[test]
fn restage_toml_upward_applies_and_the_command_line_wins() {
    let project = Project::new();
    project
        .file("restage.toml", "slim = false\n")
        .file("deep/svc/Dockerfile", PYTHON_FULL)
        .file("deep/svc/requirements.txt", "flask\n");
    let from_config = project.stdout_of(&["--stdout", "deep/svc/Dockerfile"]);
    assert!(!from_config.contains("-slim"), "{from_config}");
    let cli_wins = project.stdout_of(&["--stdout", "--slim", "deep/svc/Dockerfile"]);
    assert!(cli_wins.contains("FROM python:3.11-slim"), "{cli_wins}");
    let ignored = project.stdout_of(&["--stdout", "--no-config", "deep/svc/Dockerfile"]);
    assert!(ignored.contains("FROM python:3.11-slim"), "{ignored}");
    // The nearest file applies: a closer one that says nothing restores the default.
    project.file("deep/restage.toml", "");
    let nearest = project.stdout_of(&["--stdout", "deep/svc/Dockerfile"]);
    assert!(nearest.contains("FROM python:3.11-slim"), "{nearest}");
}

#[test]
fn restage_toml_can_force_the_ecosystem() {
    let project = Project::new();
    let custom = PYTHON_APP.replace("python:3.12-slim", "myorg/pybase:3.12");
    project
        .file("restage.toml", "ecosystem = \"python\"\n")
        .file("Dockerfile", &custom)
        .file("requirements.txt", "flask\n");
    let output = project.run(&["--check"]);
    output.code(1);
}

#[test]
fn restage_toml_is_searched_from_where_the_file_is_not_through_its_path() {
    // `here/../svc` is `svc`: the search goes up from it, not through `here`.
    let project = Project::new();
    project
        .file("here/restage.toml", "slim = false\n")
        .file("svc/Dockerfile", PYTHON_FULL)
        .file("svc/requirements.txt", "flask\n");
    let rewrite = project.stdout_of(&["--stdout", "here/../svc/Dockerfile"]);
    assert!(rewrite.contains("FROM python:3.11-slim"), "{rewrite}");
}

#[test]
fn a_bad_restage_toml_is_an_error_located_in_it() {
    let project = Project::new();
    project
        .python_app("app")
        .file("app/restage.toml", "slim = true\ngo_final = \"scratch\"\n");
    let output = project.run(&["app"]);
    output.code(2);
    assert!(
        output
            .stderr
            .contains("invalid restage.toml: unknown field `go_final`"),
        "{}",
        output.stderr
    );
    assert!(
        output.stderr.contains("--> app/restage.toml:2:1"),
        "{}",
        output.stderr
    );
    let json = project.run(&["--format", "json", "app"]);
    assert!(
        json.records()[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("app/restage.toml: ")
    );
    project.run(&["--no-config", "app"]).code(0);
    project.file("app/restage.toml", "ecosystem = \"cobol\"\n");
    let output = project.run(&["app"]);
    output.code(2);
    assert!(
        output.stderr.contains("unknown ecosystem `cobol`"),
        "{}",
        output.stderr
    );
}

#[cfg(unix)]
#[test]
fn an_unreadable_restage_toml_is_an_error_without_a_snippet() {
    use std::os::unix::fs::PermissionsExt;
    let project = Project::new();
    project
        .python_app("app")
        .file("app/restage.toml", "slim = false\n");
    let config = project.join("app/restage.toml");
    fs::set_permissions(&config, fs::Permissions::from_mode(0o000)).unwrap();
    let output = project.run_unprivileged(&["app"]);
    fs::set_permissions(&config, fs::Permissions::from_mode(0o644)).unwrap();
    let Some(output) = output else {
        eprintln!("skipped: running as root without setpriv, every file is readable here");
        return;
    };
    output.code(2);
    assert!(
        output
            .stderr
            .starts_with("error: cannot read app/restage.toml: permission denied\n"),
        "{}",
        output.stderr
    );
    assert!(!output.stderr.contains("-->"), "{}", output.stderr);
}

// ---- colour -----------------------------------------------------------------------

#[test]
fn colour_is_off_when_piped_and_on_when_asked() {
    let project = Project::new();
    project.python_app("");
    let piped = project.run(&[]);
    assert!(!piped.stdout.contains('\x1b') && !piped.stderr.contains('\x1b'));
    let always = project.run(&["--color", "always"]);
    assert!(
        always
            .stdout
            .contains("\x1b[32m+FROM python:3.12-slim AS builder\x1b[0m"),
        "{:?}",
        always.stdout
    );
    let never = project.run(&["--color", "never"]);
    assert!(!never.stdout.contains('\x1b'));
    let auto = project.run_with(&["--color", "auto"], None, &[("NO_COLOR", "1")]);
    assert!(!auto.stdout.contains('\x1b'));
    // An explicit flag wins over the environment.
    let forced = project.run_with(&["--color", "always"], None, &[("NO_COLOR", "1")]);
    assert!(forced.stdout.contains('\x1b'));
}

#[test]
fn errors_are_coloured_only_on_request() {
    let project = Project::new();
    project.file("Dockerfile", "FROM python:3.12\nFORM x\n");
    let plain = project.run(&[]);
    assert!(
        plain
            .stderr
            .starts_with("error: unknown instruction: FORM\n"),
        "{}",
        plain.stderr
    );
    let coloured = project.run(&["--color=always"]);
    assert!(
        coloured.stderr.starts_with("\x1b[1m\x1b[31merror:\x1b[0m"),
        "{:?}",
        coloured.stderr
    );
}

// ---- discovery --------------------------------------------------------------------

#[test]
fn folders_are_searched_for_every_dockerfile_name() {
    let project = Project::new();
    for name in [
        "Dockerfile",
        "Dockerfile.prod",
        "api.Dockerfile",
        "worker.dockerfile",
        "Containerfile",
        "Containerfile.dev",
        "nested/deeper/Dockerfile",
        "lower/dockerfile",
    ] {
        project.file(name, PYTHON_APP);
    }
    project.file("requirements.txt", "flask\n");
    for other in [
        "Dockerfile-old",
        "Dockerfile.md.txt/README",
        "notes.txt",
        "Makefile",
        "Dockerfile.orig",
        "Dockerfile.prod.bak",
        "Dockerfile~",
        "Dockerfile.j2",
        "Containerfile.template",
        // Docker builds a folder's `dockerfile` only where it has no `Dockerfile`.
        "nested/deeper/dockerfile",
    ] {
        project.file(other, PYTHON_APP);
    }
    // BuildKit's ignore file for one Dockerfile sits beside it under its name.
    project.file("Dockerfile.dockerignore", "node_modules\n*.pyc\n");
    project.file("Dockerfile.prod.dockerignore", "*.pyc\n");
    let output = project.run(&["--check"]);
    output.code(1);
    assert_eq!(
        output.stdout,
        "would rewrite Containerfile\nwould rewrite Containerfile.dev\nwould rewrite Dockerfile\n\
         would rewrite Dockerfile.prod\nwould rewrite api.Dockerfile\nwould rewrite lower/dockerfile\n\
         would rewrite nested/deeper/Dockerfile\nwould rewrite worker.dockerfile\n"
    );
}

#[test]
fn a_file_named_on_the_command_line_is_read_whatever_its_name() {
    let project = Project::new();
    project
        .file("build/app.docker", PYTHON_APP)
        .file("build/requirements.txt", "flask\n");
    project.run(&["--check", "build/app.docker"]).code(1);
}

#[test]
fn gitignore_and_ignore_files_are_respected_until_no_ignore() {
    let project = Project::new();
    project
        .python_app("app")
        .python_app("vendor/lib")
        .python_app("build/out")
        .file(".gitignore", "vendor/\n")
        .file(".ignore", "build/\n");
    let output = project.run(&["--check"]);
    assert_eq!(output.stdout, "would rewrite app/Dockerfile\n");
    let all = project.run(&["--check", "--no-ignore"]);
    assert_eq!(
        all.stdout,
        "would rewrite app/Dockerfile\nwould rewrite build/out/Dockerfile\nwould rewrite vendor/lib/Dockerfile\n"
    );
    // A file named explicitly is read even when ignored.
    project.run(&["--check", "vendor/lib/Dockerfile"]).code(1);
}

#[test]
fn hidden_folders_are_searched_only_with_hidden() {
    let project = Project::new();
    project.python_app(".docker").python_app("app");
    assert_eq!(
        project.run(&["--check"]).stdout,
        "would rewrite app/Dockerfile\n"
    );
    assert_eq!(
        project.run(&["--check", "--hidden"]).stdout,
        "would rewrite .docker/Dockerfile\nwould rewrite app/Dockerfile\n"
    );
}

#[test]
fn dev_containers_are_left_alone() {
    let project = Project::new();
    project.python_app(".devcontainer").python_app("app");
    let output = project.run(&["--check", "--hidden", "--explain"]);
    assert!(
        output.stdout.contains(
            ".devcontainer/Dockerfile: declined (python)\n  a dev container (`.devcontainer`, devcontainer.json)"
        ),
        "{}",
        output.stdout
    );
    assert!(output.stdout.contains("app/Dockerfile: would be rewritten"));
}

#[test]
fn a_folder_without_dockerfiles_is_a_warning_not_an_error() {
    let project = Project::new();
    project.file("src/main.rs", "fn main() {}\n");
    let output = project.run(&["src"]);
    output.code(0);
    assert!(
        output
            .stderr
            .contains("warning: no Dockerfile found in src\n"),
        "{}",
        output.stderr
    );
    assert_eq!(
        output.summary(),
        "0 would be rewritten, 0 unchanged, 0 declined, 0 errors"
    );
    project.run(&["--check", "src"]).code(0);
    let json = project.run(&["--format", "json", "src"]);
    assert_eq!(json.stdout, "");
}

// ---- bad input --------------------------------------------------------------------

#[test]
fn a_missing_path_is_an_error_and_the_batch_goes_on() {
    let project = Project::new();
    project.python_app("app");
    let output = project.run(&["nowhere", "app"]);
    output.code(2);
    assert!(
        output
            .stderr
            .contains("error: nowhere: no such file or folder\n"),
        "{}",
        output.stderr
    );
    assert!(output.stdout.contains("--- a/app/Dockerfile"));
    assert_eq!(
        output.summary(),
        "1 would be rewritten, 0 unchanged, 0 declined, 1 error"
    );
}

#[test]
fn a_parse_error_in_one_of_many_files_stops_nothing() {
    let project = Project::new();
    for index in 0..6 {
        project.python_app(&format!("svc{index}"));
    }
    project.file(
        "svc3/Dockerfile",
        "FROM python:3.12\nWORKDIR /app\nFORM x\n",
    );
    let output = project.run(&["--check", "."]);
    output.code(2);
    assert_eq!(output.stdout.lines().count(), 5, "{}", output.stdout);
    assert!(!output.stdout.contains("svc3"));
    assert_eq!(
        output.stderr.lines().take(6).collect::<Vec<_>>().join("\n"),
        "error: unknown instruction: FORM\n --> svc3/Dockerfile:3:1\n  |\n3 | FORM x\n  | ^\n  = help: did you mean FROM?"
    );
    assert_eq!(
        output.summary(),
        "5 would be rewritten, 0 unchanged, 0 declined, 1 error"
    );
}

#[test]
fn an_unterminated_heredoc_is_located() {
    let project = Project::new();
    project.file(
        "Dockerfile",
        "FROM python:3.12\nRUN <<EOF\npip install flask\n",
    );
    let output = project.run(&[]);
    output.code(2);
    assert!(
        output
            .stderr
            .contains("error: unterminated heredoc\n --> Dockerfile:2:1\n"),
        "{}",
        output.stderr
    );
    assert!(
        output.stderr.contains("2 | RUN <<EOF\n"),
        "{}",
        output.stderr
    );
}

#[test]
fn invalid_utf8_is_located_at_the_bad_byte() {
    let project = Project::new();
    project.file("Dockerfile", b"FROM python:3.12\nRUN echo \xff\n");
    let output = project.run(&["--format", "json"]);
    output.code(2);
    let record = &output.records()[0];
    assert_eq!(
        (record["line"].as_u64(), record["column"].as_u64()),
        (Some(2), Some(10))
    );
    assert!(
        output.stderr.contains(" --> Dockerfile:2:10\n"),
        "{}",
        output.stderr
    );
    assert!(
        output.stderr.contains("  |          ^\n"),
        "{}",
        output.stderr
    );
}

#[test]
fn a_binary_file_is_refused_without_printing_it() {
    let project = Project::new();
    project.file("Dockerfile", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00");
    let output = project.run(&[]);
    output.code(2);
    assert!(
        output
            .stderr
            .contains("error: Dockerfile: a binary file, not a Dockerfile\n"),
        "{}",
        output.stderr
    );
    assert!(!output.stderr.contains('\0'));
}

#[cfg(unix)]
#[test]
fn a_named_pipe_or_device_is_refused_not_read() {
    let project = Project::new();
    project.python_app("app");
    let made = std::process::Command::new("mkfifo")
        .arg(project.join("app/pipe"))
        .status();
    if !made.is_ok_and(|status| status.success()) {
        eprintln!("skipped: no mkfifo on this machine");
        return;
    }
    // Read, a pipe without a writer would block forever; written, it would be replaced.
    let output = project.run(&["--write", "app/pipe", "/dev/zero", "app"]);
    output.code(2);
    for name in ["app/pipe", "/dev/zero"] {
        assert!(
            output.stderr.contains(&format!(
                "error: {name}: not a regular file (a named pipe, a device or a socket)\n"
            )),
            "{}",
            output.stderr
        );
    }
    assert_eq!(output.stdout, "rewrote app/Dockerfile\n");
    let pipe = fs::symlink_metadata(project.join("app/pipe")).unwrap();
    use std::os::unix::fs::FileTypeExt;
    assert!(pipe.file_type().is_fifo());
}

#[test]
fn input_larger_than_64_mib_is_refused() {
    let project = Project::new();
    let huge = fs::File::create(project.join("Dockerfile")).unwrap();
    huge.set_len(64 * 1024 * 1024 + 1).unwrap();
    let output = project.run(&["Dockerfile"]);
    output.code(2);
    assert!(
        output.stderr.contains(
            "error: cannot read Dockerfile: larger than 64 MiB, which no Dockerfile is\n"
        ),
        "{}",
        output.stderr
    );
    #[cfg(unix)]
    {
        let endless = std::process::Command::new(harness::restage().get_program())
            .arg("-")
            .stdin(fs::File::open("/dev/zero").unwrap())
            .output()
            .unwrap();
        assert_eq!(endless.status.code(), Some(2));
        assert!(
            String::from_utf8_lossy(&endless.stderr)
                .contains("error: cannot read stdin: larger than 64 MiB"),
            "{endless:?}"
        );
    }
}

#[test]
fn an_error_on_a_long_line_shows_the_part_around_the_caret() {
    let project = Project::new();
    let long = format!(
        "FROM python:3.12\n{}FORM x{}\n",
        " ".repeat(5_000_000),
        "y".repeat(1000)
    );
    project.file("Dockerfile", long);
    let output = project.run(&[]);
    output.code(2);
    assert!(output.stderr.len() < 1000, "{} bytes", output.stderr.len());
    assert!(
        output.stderr.contains(&format!(
            "--> Dockerfile:2:5000001\n  |\n2 | …{}FORM x{}…\n  | {}^\n",
            " ".repeat(60),
            "y".repeat(54),
            " ".repeat(61)
        )),
        "{}",
        output.stderr
    );
}

/// The characters that act on a terminal rather than show (ESC, BEL, backspace, CR, DEL,
/// a C1 control) or reorder the text after them (RLO, LRI).
const ACTING: [char; 8] = [
    '\x1b', '\x07', '\x08', '\r', '\x7f', '\u{9b}', '\u{202e}', '\u{2066}',
];

#[test]
fn an_error_shows_the_line_s_control_characters_escaped_and_the_caret_under_its_word() {
    let project = Project::new();
    // Go's strings.Fields splits at the CR: `z…` is FROM's second argument, not AS.
    project.file(
        "Dockerfile",
        "FROM\tpython:3.12\x1b[2J\u{202e}\x07\x08\rz\x7f\u{9b}\u{2066} b c\n",
    );
    let output = project.run(&[]);
    output.code(2);
    assert!(!output.stderr.contains(ACTING), "{:?}", output.stderr);
    // The column is the file's; the caret passes the tab as a tab, then `python:3.12`,
    // `\u{1b}`, `[2J`, `\u{202e}`, `\u{7}`, `\u{8}` and `\r` as they are shown.
    let shown = r"python:3.12\u{1b}[2J\u{202e}\u{7}\u{8}\rz\u{7f}\u{9b}\u{2066} b c";
    let caret = format!("\t{}^", " ".repeat(11 + 6 + 3 + 8 + 5 + 5 + 2));
    assert!(
        output.stderr.contains(&format!(
            " --> Dockerfile:1:25\n  |\n1 | FROM\t{shown}\n  |     {caret}\n"
        )),
        "{}",
        output.stderr
    );
}

#[test]
fn a_decline_quoting_the_dockerfile_shows_its_control_characters_escaped() {
    let project = Project::new();
    project.file(
        "Dockerfile",
        "FROM my\u{9b}image\x1b]0;owned\x07\u{202e}\nRUN make\n",
    );
    let quoted = r"`my\u{9b}image\u{1b}]0;owned\u{7}\u{202e}`";
    let note = project.run(&[]);
    note.code(0);
    assert!(!note.stderr.contains(ACTING), "{:?}", note.stderr);
    assert!(
        note.stderr.contains(&format!(
            "declined: Dockerfile: no recognised ecosystem: the base image {quoted}"
        )),
        "{}",
        note.stderr
    );
    let explained = project.run(&["--explain"]);
    explained.code(0);
    assert!(!explained.stdout.contains(ACTING), "{:?}", explained.stdout);
    assert!(
        explained
            .stdout
            .contains(&format!("the base image {quoted}")),
        "{}",
        explained.stdout
    );
    // JSON is for programs: the reason as it is, in JSON's escapes.
    let json = project.run(&["--format", "json"]);
    let reason = json.records()[0]["reason"].as_str().unwrap().to_owned();
    assert!(
        reason.contains("my\u{9b}image\x1b]0;owned\x07\u{202e}"),
        "{reason:?}"
    );
}

#[test]
fn an_unknown_instruction_of_one_long_word_is_named_in_part() {
    let project = Project::new();
    project.file(
        "Dockerfile",
        format!("FROM python:3.12\n{}\n", "x".repeat(5_000_000)),
    );
    let output = project.run(&["--format", "json"]);
    output.code(2);
    assert!(output.stdout.len() < 1000, "{} bytes", output.stdout.len());
    assert!(
        output
            .stdout
            .contains(&format!("unknown instruction: {}…", "x".repeat(60))),
        "{}",
        output.stdout
    );
}

#[test]
fn an_empty_dockerfile_is_an_error() {
    let project = Project::new();
    project.file("Dockerfile", "");
    let output = project.run(&[]);
    output.code(2);
    assert!(
        output.stderr.contains("--> Dockerfile:1:1"),
        "{}",
        output.stderr
    );
}

#[cfg(unix)]
#[test]
fn an_unreadable_file_is_an_error() {
    use std::os::unix::fs::PermissionsExt;
    let project = Project::new();
    project.python_app("");
    fs::set_permissions(
        project.join("Dockerfile"),
        fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    let output = project.run_unprivileged(&["Dockerfile"]);
    fs::set_permissions(
        project.join("Dockerfile"),
        fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let Some(output) = output else {
        eprintln!("skipped: running as root without setpriv, an unreadable file is readable here");
        return;
    };
    output.code(2);
    assert!(
        output
            .stderr
            .contains("cannot read Dockerfile: permission denied"),
        "{}",
        output.stderr
    );
}

// ---- unusual file names ----------------------------------------------------------

/// Folder names that are not UTF-8 or hold control characters, `"` and `\`.
#[cfg(unix)]
const ODD_NAMES: [&[u8]; 4] = [
    b"bad\xffname",
    b"new\nline",
    b"esc\x1b[31mred",
    b"tab\tquote\"back\\slash",
];

/// A project with a Python app in each of [`ODD_NAMES`].
#[cfg(unix)]
fn project_with_odd_names() -> Project {
    use std::os::unix::ffi::OsStrExt;
    let project = Project::new();
    for name in ODD_NAMES {
        let folder = project.path().join(std::ffi::OsStr::from_bytes(name));
        fs::create_dir(&folder).unwrap();
        fs::write(folder.join("Dockerfile"), PYTHON_APP).unwrap();
        fs::write(folder.join("requirements.txt"), "flask\n").unwrap();
    }
    project
}

#[cfg(unix)]
#[test]
fn odd_names_are_quoted_in_diffs_as_git_quotes_them() {
    let project = project_with_odd_names();
    let diff = project.stdout_of(&["."]);
    for header in [
        "--- \"a/bad\\377name/Dockerfile\"\n+++ \"b/bad\\377name/Dockerfile\"\n",
        "--- \"a/new\\nline/Dockerfile\"\n",
        "--- \"a/esc\\033[31mred/Dockerfile\"\n",
        "--- \"a/tab\\tquote\\\"back\\\\slash/Dockerfile\"\n",
    ] {
        assert!(diff.contains(header), "{header} in\n{diff}");
    }
    project.file("change.diff", &diff);
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(project.path())
            .output()
    };
    match git(&["init", "-q"]) {
        Ok(result) if result.status.success() => {}
        _ => return eprintln!("skipped: no `git` on this machine"),
    }
    let applied = git(&["apply", "change.diff"]).unwrap();
    assert!(
        applied.status.success(),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    // Every file got its rewrite: a second run finds them all multistage.
    let again = project.run(&["--check", "."]);
    again.code(0);
    assert_eq!(
        again.summary(),
        "0 would be rewritten, 4 unchanged, 0 declined, 0 errors"
    );
}

#[cfg(unix)]
#[test]
fn odd_names_reach_the_terminal_escaped() {
    let project = project_with_odd_names();
    let output = project.run(&["--check", "."]);
    output.code(1);
    assert_eq!(
        output.stdout,
        "would rewrite bad\\xffname/Dockerfile\n\
         would rewrite esc\\u{1b}[31mred/Dockerfile\n\
         would rewrite new\\nline/Dockerfile\n\
         would rewrite tab\\tquote\"back\\slash/Dockerfile\n"
    );
    fs::write(
        project.join("esc\x1b[31mred/Dockerfile"),
        "FROM python:3.12\n  FORM x\n",
    )
    .unwrap();
    let error = project.run(&["esc\x1b[31mred"]);
    error.code(2);
    assert!(
        error
            .stderr
            .contains(" --> esc\\u{1b}[31mred/Dockerfile:2:3\n"),
        "{}",
        error.stderr
    );
    assert!(!error.stderr.contains('\x1b'), "{:?}", error.stderr);
}

#[cfg(unix)]
#[test]
fn json_gives_the_bytes_of_a_name_that_is_not_utf8() {
    let project = project_with_odd_names();
    let records = project.run(&["--check", "--format", "json", "."]).records();
    assert_eq!(records[0]["path"], "bad\u{fffd}name/Dockerfile");
    let bytes: Vec<u8> = records[0]["path_bytes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|byte| byte.as_u64().unwrap() as u8)
        .collect();
    assert_eq!(bytes, b"bad\xffname/Dockerfile");
    // A UTF-8 name, control characters and all, is exact in `path` alone.
    assert_eq!(records[2]["path"], "new\nline/Dockerfile");
    assert_eq!(records[2]["path_bytes"], serde_json::Value::Null);
}

// ---- pipes, summary, quiet --------------------------------------------------------

#[test]
fn a_closed_pipe_is_not_an_error() {
    let project = Project::new();
    for index in 0..300 {
        project.python_app(&format!("svc{index:03}"));
    }
    let (code, stderr) = project.run_closing_stdout(&[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        !stderr.contains("error:") && !stderr.contains("panicked"),
        "{stderr}"
    );
    assert!(!stderr.to_lowercase().contains("broken pipe"), "{stderr}");
}

#[test]
fn check_still_exits_1_after_the_pipe_closes() {
    // More records than a pipe holds, the one file that would change last: the reader
    // goes away (`| head -1`) long before restage gets to it.
    let project = Project::new();
    for index in 0..1000 {
        project.file(&format!("done{index:04}/Dockerfile"), MULTISTAGE);
    }
    project.python_app("zz");
    let (code, stderr) = project.run_closing_stdout(&["--check", "--format", "json", "-j", "2"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.ends_with("1 would be rewritten, 1000 unchanged, 0 declined, 0 errors\n"),
        "{stderr}"
    );
}

#[test]
fn quiet_drops_the_summary_and_notes_but_not_errors() {
    let project = Project::new();
    project
        .python_app("app")
        .file("tool/Dockerfile", UNKNOWN_BASE)
        .file("bad/Dockerfile", "FORM x\n");
    let output = project.run(&["-q", "."]);
    output.code(2);
    assert!(
        output.stderr.starts_with("error: unknown instruction"),
        "{}",
        output.stderr
    );
    assert!(!output.stderr.contains("declined") && !output.stderr.contains("would be rewritten"));
    assert!(output.stdout.contains("--- a/app/Dockerfile"));
}

// ---- the rest of the command line -------------------------------------------------

#[test]
fn version_and_help() {
    let version = Project::new().run(&["--version"]);
    version.code(0);
    assert_eq!(
        version.stdout,
        format!("restage {}\n", env!("CARGO_PKG_VERSION"))
    );
    let help = Project::new().run(&["--help"]);
    help.code(0);
    for expected in [
        "--write",
        "--check",
        "--stdout",
        "--format",
        "--explain",
        "--go-final",
        "--no-slim",
        "--ecosystem",
        "--color",
        "--hidden",
        "--no-ignore",
        "Examples:",
        "restage --write .",
        "Exit codes:",
        "restage.toml",
    ] {
        assert!(
            help.stdout.contains(expected),
            "--help lacks {expected}\n{}",
            help.stdout
        );
    }
}

#[test]
fn an_unknown_flag_is_a_usage_error() {
    Project::new().run(&["--frobnicate"]).code(2);
    Project::new().run(&["--format", "yaml"]).code(2);
    Project::new().run(&["--color", "sometimes"]).code(2);
    // A --go-final that could not make a FROM line is the user's error, not restage's.
    let bad = Project::new().run(&["--go-final", "bad image!!", "."]);
    bad.code(2);
    assert!(
        bad.stderr.contains("is not an image reference"),
        "{}",
        bad.stderr
    );
    Project::new().run(&["--go-final", "", "."]).code(2);
}

#[test]
fn completions_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let output = Project::new().run(&["completions", shell]);
        output.code(0);
        assert!(output.stdout.contains("restage"), "{shell}");
        assert!(output.stdout.contains("go-final"), "{shell}");
    }
    Project::new().run(&["completions", "tcsh"]).code(2);
}

#[test]
fn parse_prints_the_tree_as_json() {
    let project = Project::new();
    project.file(
        "Dockerfile",
        "# syntax=docker/dockerfile:1\nFROM python:3.12\nENV A=1 B=\"x y\"\n",
    );
    let output = project.run(&["parse", "--format", "json", "Dockerfile"]);
    output.code(0);
    assert_eq!(
        output.stdout.lines().count(),
        1,
        "one JSON object on one line"
    );
    let tree: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    let items = tree["items"].as_array().unwrap();
    let env = items.iter().find(|item| item["cmd"] == "env").unwrap();
    assert_eq!(env["value"], serde_json::json!(["A", "1", "B", "\"x y\""]));
    assert_eq!(items[0]["span"], serde_json::json!([0, 29]));
    // JSON is the default, and stdin works.
    let stdin = project.run_stdin(&["parse", "-"], "FROM python:3.12\nENV A=1 B=\"x y\"\n");
    stdin.code(0);
    let tree: serde_json::Value = serde_json::from_str(&stdin.stdout).unwrap();
    assert_eq!(tree["items"][0]["cmd"], "from");
}

#[test]
fn parse_prints_the_tree_as_text() {
    let project = Project::new();
    project.file(
        "Dockerfile",
        "FROM python:3.12\n\n# the app\nCMD [\"python\"]\n",
    );
    let output = project.run(&["parse", "--format", "text", "Dockerfile"]);
    output.code(0);
    let kinds: Vec<&str> = output
        .stdout
        .lines()
        .map(|line| line.split_whitespace().nth(1).unwrap())
        .collect();
    assert_eq!(kinds, ["instruction", "blank", "comment", "instruction"]);
    assert!(
        output
            .stdout
            .starts_with("     0..17     instruction  \"FROM python:3.12\"\n"),
        "{}",
        output.stdout
    );
}

#[test]
fn parse_reports_errors_and_missing_files() {
    let project = Project::new();
    project.file("Dockerfile", "FROM python:3.12\nFORM x\n");
    let output = project.run(&["parse", "Dockerfile"]);
    output.code(2);
    assert!(
        output.stderr.contains("--> Dockerfile:2:1"),
        "{}",
        output.stderr
    );
    let missing = project.run(&["parse", "nope"]);
    missing.code(2);
    assert!(
        missing.stderr.contains("cannot read nope"),
        "{}",
        missing.stderr
    );
}

#[test]
fn verify_is_wired_as_a_subcommand() {
    let output = Project::new().run(&["verify", "--help"]);
    output.code(0);
    assert!(
        output.stdout.contains("Usage: restage verify"),
        "{}",
        output.stdout
    );
}

#[test]
fn the_examples_folder_checks_and_writes_cleanly() {
    // The issue's "done when": `restage --check .` and `restage --write .` on a copy of
    // `examples/` (Go and Node may decline while their transformers are being written).
    let project = Project::new();
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    copy_tree(&examples, project.path());
    let checked = project.run(&["--check", "."]);
    assert!(checked.code == 0 || checked.code == 1, "{checked:?}");
    assert!(
        checked
            .stdout
            .contains("would rewrite seed-flask/Dockerfile\n"),
        "{}",
        checked.stdout
    );
    project.run(&["--write", "."]).code(0);
    project.run(&["--check", "."]).code(0);
    assert!(
        project
            .read("seed-flask/Dockerfile")
            .contains("COPY --from=builder")
    );
}

fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[cfg(unix)]
#[test]
fn a_file_reached_twice_is_processed_once_whatever_the_threads() {
    for paths in [
        &["a", "a"][..],
        &["a", "a/Dockerfile"],
        &["a/Dockerfile", "./a/Dockerfile"],
        &["a", "link/Dockerfile"],
        &["link", "a"],
    ] {
        for jobs in ["1", "4"] {
            let project = Project::new();
            project.python_app("a");
            std::os::unix::fs::symlink("a", project.join("link")).unwrap();
            let first = paths[0].trim_end_matches("/Dockerfile");
            let check = project.run(&[&["--check", "-j", jobs], paths].concat());
            check.code(1);
            assert_eq!(check.stdout, format!("would rewrite {first}/Dockerfile\n"));
            let write = project.run(&[&["--write", "-j", jobs], paths].concat());
            write.code(0);
            assert_eq!(write.stdout, format!("rewrote {first}/Dockerfile\n"));
            assert_eq!(
                write.summary(),
                "1 rewritten, 0 unchanged, 0 declined, 0 errors",
                "{paths:?} -j {jobs}"
            );
        }
    }
}

/// What `restage --explain [options] app/Dockerfile` prints for a lone Dockerfile of `text`.
fn explain(text: &str, options: &[&str]) -> String {
    let project = Project::new();
    project.file("app/Dockerfile", text);
    let mut args = vec!["--explain"];
    args.extend(options);
    args.push("app/Dockerfile");
    project.run(&args).stdout
}

#[test]
fn a_python_image_without_a_start_command_says_how_it_still_runs() {
    let text = "FROM python:3.12\nRUN pip install awscli\n";
    let output = explain(text, &[]);
    assert!(
        output.contains(
            "  - rewritten without a CMD or ENTRYPOINT\n    why: the container runs what `docker run` names"
        ),
        "{output}"
    );
    assert!(output.contains("needs the full base: --no-slim)"));
    let kept = explain(text, &["--no-slim"]);
    assert!(!kept.contains("--no-slim)"), "{kept}");
}

#[test]
fn a_shell_given_the_cmd_script_is_not_called_a_shell() {
    let script =
        "FROM python:3.12\nRUN pip install flask\nENTRYPOINT [\"/bin/sh\"]\nCMD [\"./start.sh\"]\n";
    let output = explain(script, &[]);
    assert!(output.contains("would be rewritten"), "{output}");
    assert!(!output.contains(", a shell"), "{output}");
    let session = explain(
        "FROM python:3.12\nRUN pip install flask\nCMD [\"/bin/sh\"]\n",
        &[],
    );
    assert!(
        session.contains("rewritten with the start command `/bin/sh`, a shell"),
        "{session}"
    );
}

#[test]
fn a_system_install_split_between_the_stages_says_what_the_final_stage_gets() {
    let output = explain(
        "FROM python:3.12\nRUN apt-get update && apt-get install -y gcc libpq-dev curl\nRUN pip install psycopg2\nCMD [\"python\", \"-m\", \"app\"]\n",
        &[],
    );
    assert!(
        output.contains("` in the builder; `curl` installed in the final stage too\n"),
        "{output}"
    );
    assert!(output.contains("  - `libpq5` installed in the final stage\n"));
    assert!(!output.contains("moved to the builder"));
}
