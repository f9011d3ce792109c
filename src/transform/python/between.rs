//! The RUNs between two installs of the app's dependencies that the final stage keeps
//! and that may use what the earlier installs put in place (`python -m nltk.downloader
//! punkt`, a command of the first install's packages). In the original they ran with
//! those packages in site-packages; in the rewrite the final stage copies the target
//! folders of the installs before such a RUN at the last of those installs, with their
//! search paths, so that it runs with them, and the later installs' folders come at
//! their own place. What such a RUN may do that the final stage cannot give it declines.
//!
//! Where the copies go in the plan is the plan's business (`python.rs`); this file finds
//! the installs after which the final stage copies, and the reasons to decline.

use crate::analyze::ItemId;
use crate::transform::Input;
use crate::transform::packages::{self, is_build_only};
use crate::transform::shell::{self, one_line};

use super::TARGET;
use super::pip::{Source, pip_command};
use super::run::Run;
use super::search_path::pythonpath_may_be_set;
use super::{USER_PROGRAMS, creates_users, run_commands};

/// Programs of the base system that no Python package provides and that read no
/// installed package: a RUN of these alone needs no dependency (`mkdir -p /app/logs`).
const HOUSEKEEPING: &[&str] = &[
    "mkdir", "rm", "rmdir", "chmod", "chown", "chgrp", "ln", "touch", "cp", "mv", "echo", "printf",
    "true", ":", "set", "cd", "export", "sed", "tee", "cat",
];

/// The install RUNs after which the final stage copies the target folders installed so
/// far, in order: each one followed, before the next install, by a RUN of the final
/// stage that may use the dependencies (or by such commands in its own RUN), and the
/// last install. An error is the reason to decline the file.
pub fn copy_points(input: &Input, runs: &[(ItemId, Run)]) -> Result<Vec<ItemId>, String> {
    let installs: Vec<ItemId> = runs
        .iter()
        .filter(|(_, run)| matches!(run, Run::Dependencies(_)))
        .map(|(id, _)| *id)
        .collect();
    let (Some(&first), Some(&last)) = (installs.first(), installs.last()) else {
        return Ok(Vec::new());
    };
    let mut points = Vec::new();
    for (id, run) in runs {
        let id = *id;
        let at = match run {
            // Kept in both stages (a later COPY --chown of the builder may name its
            // users), before the final stage has any dependency and in a builder whose
            // installs are off its search paths: it may do nothing else that may use them.
            Run::Other if first < id && id < last && creates_users(input, id) => {
                users_alone(input, id)?;
                continue;
            }
            // The commands after an install in its own RUN run in the final stage right
            // after it (see `run`): it is a copy point itself.
            Run::Dependencies(dependencies) if dependencies.then.is_some() && id < last => id,
            Run::Other if first < id && id < last => *installs
                .iter()
                .rev()
                .find(|&&install| install < id)
                .expect("the first install comes before it"),
            _ => continue,
        };
        let line = one_line(input.analysis.text(id));
        if !input.analysis.instruction(id).heredocs.is_empty() {
            return Err(format!(
                "`{line}` runs a heredoc between two installs of the app's dependencies, which restage does not read: it cannot tell whether it uses or changes what the first installed"
            ));
        }
        let commands = run_commands(input, id);
        names_package_folders(&line, &commands)?;
        configures_installs(&line, &commands)?;
        if at != id && commands.iter().all(|words| is_housekeeping(words)) {
            continue;
        }
        if at != id {
            installs_packages(&line, &commands)?;
        }
        check(input, runs, id, &line, &commands)?;
        if !points.contains(&at) {
            points.push(at);
        }
    }
    points.push(last);
    if points.len() > 1 && pythonpath_may_be_set(input, last) {
        return Err(format!(
            "the final stage would copy the dependencies at {} places, so that the RUNs between the installs see what the earlier ones installed, but PYTHONPATH may hold entries there (the base image's, or an `ENV PYTHONPATH` of the file's) that must stay ahead of the target folders: restage cannot put a later folder ahead of an earlier one behind entries it cannot name",
            points.len()
        ));
    }
    Ok(points)
}

/// Whether a simple command (its words from its program on) is housekeeping that uses
/// no installed package.
fn is_housekeeping(words: &[String]) -> bool {
    let substitutes = words
        .iter()
        .any(|word| word.contains("$(") || word.contains('`'));
    !substitutes
        && words
            .first()
            .is_none_or(|program| HOUSEKEEPING.contains(&shell::program_name(program)))
}

/// An error where the RUN `id` between the installs, which creates users or groups,
/// runs more than that and housekeeping.
fn users_alone(input: &Input, id: ItemId) -> Result<(), String> {
    let users_alone = run_commands(input, id).iter().all(|words| {
        is_housekeeping(words)
            || words
                .first()
                .is_some_and(|program| USER_PROGRAMS.contains(&shell::program_name(program)))
    });
    if users_alone {
        return Ok(());
    }
    Err(format!(
        "`{}` creates users between two installs of the app's dependencies and runs other commands, which may use what the first installed: restage keeps such a RUN in both stages (a later COPY --chown of the builder may name its users), where neither has the dependencies at that point",
        one_line(input.analysis.text(id))
    ))
}

/// An error where a RUN between the installs (its text `line`, its simple commands
/// `commands`) names the folder where the original's packages were, or a target folder.
fn names_package_folders(line: &str, commands: &[Vec<String>]) -> Result<(), String> {
    match commands.iter().flatten().find(|word| {
        word.contains("site-packages") || word.contains("dist-packages") || word.contains(TARGET)
    }) {
        Some(word) => Err(format!(
            "`{line}` runs between two installs of the app's dependencies and names `{word}`: in the rewrite the packages are in the builder's target folders, which the final stage copies, not where the original installed them"
        )),
        None => Ok(()),
    }
}

/// An error where a RUN between the installs (its text `line`, its simple commands
/// `commands`) that is no install of the app's dependencies installs packages among its
/// other commands (`apt-get install -y libpq-dev && python …`, `pip install --upgrade
/// pip && …`): it runs in the final stage alone, and the later installs, in the builder,
/// would go without what it installed, which they had in the original.
fn installs_packages(line: &str, commands: &[Vec<String>]) -> Result<(), String> {
    let installs = commands.iter().any(|words| {
        let words_str: Vec<&str> = words.iter().map(String::as_str).collect();
        packages::install_in(words).is_some() || pip_command(&words_str, "install").is_some()
    });
    if installs {
        return Err(format!(
            "`{line}` installs packages between two installs of the app's dependencies, beside commands that may use what the first installed: it runs in the final stage, after a copy of those, and the later installs, in the builder, would go without what it installs, which they had in the original"
        ));
    }
    Ok(())
}

/// Files a later install reads, which a RUN may write by housekeeping alone (`echo … >
/// /etc/pip.conf`): pip's configuration (its own, per user and per system, and the
/// distutils file it reads), git's (for `git+https://` requirements: `insteadOf`
/// rewrites, credentials helpers), the credentials both take from `~/.netrc`, and the
/// system's names and certificates (`/etc/hosts`, a private index's CA).
const INSTALL_CONFIG_FILES: &[&str] = &[
    "pip.conf",
    "pip.ini",
    "pydistutils.cfg",
    "gitconfig",
    ".netrc",
    ".git-credentials",
    "/etc/hosts",
    "ca-certificates",
];

/// An error where a RUN between the installs (its text `line`, its simple commands
/// `commands`) configures what a later install reads: `pip config set`, `git config`
/// but to read it, or a write to a file of [`INSTALL_CONFIG_FILES`]. The later installs
/// read that configuration (an index, options, a rewritten git URL, credentials) in the
/// original; in the rewrite they run in the builder, and the RUN in the final stage.
fn configures_installs(line: &str, commands: &[Vec<String>]) -> Result<(), String> {
    let configures = commands.iter().any(|words| {
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        pip_command(&words, "config").is_some_and(|(_, rest)| {
            rest.iter()
                .any(|word| ["set", "unset", "edit"].contains(word))
        }) || sets_git_config(&words)
            || words
                .first()
                .is_some_and(|program| shell::program_name(program) == "update-ca-certificates")
            || words
                .iter()
                .any(|word| INSTALL_CONFIG_FILES.iter().any(|file| word.contains(file)))
    });
    if configures {
        return Err(format!(
            "`{line}` configures what the installs of the app's dependencies read (pip, git, credentials, host names or certificates) between two of them: the later installs read that configuration in the original, and in the rewrite they run in the builder, where this RUN does not (it runs in the final stage, after a copy of what the first installed)"
        ));
    }
    Ok(())
}

/// Whether a simple command is `git config` that writes (anything but `--get…`,
/// `--list`, `-l`, `get`, `list`).
fn sets_git_config(words: &[&str]) -> bool {
    let [git, rest @ ..] = words else {
        return false;
    };
    if shell::program_name(git) != "git" {
        return false;
    }
    // git's own options come before its command; `-C` and `-c` take a value.
    let mut at = 0;
    while let Some(word) = rest.get(at) {
        match *word {
            "-C" | "-c" => at += 2,
            option if option.starts_with('-') => at += 1,
            _ => break,
        }
    }
    rest.get(at) == Some(&"config")
        && !rest[at + 1..]
            .iter()
            .any(|word| word.starts_with("--get") || ["--list", "-l", "get", "list"].contains(word))
}

/// Why the final stage cannot run the RUN `id` (its text `line`, its simple commands
/// `commands`) between the installs as the original did, if it cannot.
fn check(
    input: &Input,
    runs: &[(ItemId, Run)],
    id: ItemId,
    line: &str,
    commands: &[Vec<String>],
) -> Result<(), String> {
    if commands.iter().any(|words| {
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        pip_command(&words, "uninstall").is_some()
    }) {
        return Err(format!(
            "`{line}` uninstalls packages between two installs of the app's dependencies: in the rewrite they are in a target folder the final stage copies, outside the environment pip uninstalls from"
        ));
    }
    if let Some(program) = commands
        .iter()
        .filter_map(|words| words.first())
        .map(|program| shell::program_name(program))
        .find(|program| is_build_only(program))
        && let Some(package) = build_only_before(runs, id)
    {
        return Err(format!(
            "`{line}` runs `{program}` between two installs of the app's dependencies: it runs in the final stage, so that it sees what the first installed, and the final stage does not have `{package}`, which the builder installs for the build"
        ));
    }
    if let Some(install) = runs.iter().find_map(|(later, run)| match run {
        Run::Dependencies(dependencies)
            if *later > id && reads_files(&dependencies.sources, &dependencies.pip_commands) =>
        {
            Some(*later)
        }
        _ => None,
    }) {
        return Err(format!(
            "`{line}` runs between two installs of the app's dependencies, in the final stage alone (it may use what the first installed), and the later `{}` reads files of the image (a requirements or constraints file, a project, a lock file), which it may have written: the builder's install would not see them",
            one_line(input.analysis.text(install))
        ));
    }
    Ok(())
}

/// The first build-only system package that a RUN up to `id` (that one's own install
/// included) installs in the builder alone, if any.
fn build_only_before(runs: &[(ItemId, Run)], id: ItemId) -> Option<String> {
    runs.iter()
        .take_while(|(run, _)| *run <= id)
        .flat_map(|(_, run)| match run {
            Run::SystemPackages(installs) => installs.as_slice(),
            Run::Dependencies(dependencies) => dependencies.installs.as_slice(),
            _ => &[],
        })
        .flat_map(|install| &install.packages)
        .find(|package| is_build_only(package))
        .cloned()
}

/// Whether an install (where it takes its requirements from, its pip commands) reads
/// files that a RUN before it could have written: requirements or constraints files, a
/// project folder, an archive, a lock file (only requirements named in the command, from
/// an index, read none).
fn reads_files(sources: &[Source], pip_commands: &[String]) -> bool {
    sources
        .iter()
        .any(|source| !matches!(source, Source::Name(_)))
        || pip_commands.iter().any(|command| {
            command.split_whitespace().any(|word| {
                ["-c", "-f", "--constraint", "--find-links"]
                    .iter()
                    .any(|option| word.starts_with(option))
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(command: &str) -> Vec<String> {
        shell::words(command)
    }

    #[test]
    fn housekeeping_uses_no_package() {
        assert!(is_housekeeping(&words("mkdir -p /app/logs")));
        assert!(is_housekeeping(&words("/bin/chown -R app /app")));
        assert!(!is_housekeeping(&words("cowsay -t hello")));
        assert!(!is_housekeeping(&words("python -m nltk.downloader punkt")));
        // A command substitution may run anything.
        assert!(!is_housekeeping(&words("echo $(flask --version)")));
        assert!(!is_housekeeping(&words("echo `gunicorn --version`")));
    }

    #[test]
    fn packages_installed_beside_other_commands_are_told() {
        for installing in [
            "apt-get install -y gcc",
            "apk add build-base",
            "pip install --upgrade pip setuptools",
            "python -m pip install -U wheel",
        ] {
            assert!(
                installs_packages(installing, &[words(installing)]).is_err(),
                "{installing}"
            );
        }
        for other in [
            "apt-get update",
            "pip freeze",
            "python -m nltk.downloader punkt",
        ] {
            assert!(installs_packages(other, &[words(other)]).is_ok(), "{other}");
        }
    }

    #[test]
    fn install_configuration_is_told_apart_from_its_reading() {
        for configuring in [
            "pip config set global.index-url https://pypi.example.com/simple",
            "python -m pip config --global set global.trusted-host example.com",
            "pip3 config unset global.index-url",
            "echo '[global]' > /etc/pip.conf",
            "tee /root/.config/pip/pip.conf",
            "git config --global url.https://github.com/.insteadOf git@github.com:",
            "/usr/bin/git -C /src config user.name ci",
            "git -c core.x=y config --system http.sslVerify false",
            "echo 'machine pypi.example.com login u password p' > /root/.netrc",
            "cp gitconfig /etc/gitconfig",
            "echo https://u:p@github.com > ~/.git-credentials",
            "update-ca-certificates",
            "echo '10.0.0.5 pypi.corp.example' >> /etc/hosts",
            "cp corp.crt /usr/local/share/ca-certificates/",
        ] {
            assert!(
                configures_installs(configuring, &[words(configuring)]).is_err(),
                "{configuring}"
            );
        }
        for reading in [
            "pip config list",
            "pip config get global.index-url",
            "pip freeze",
            "git config --get user.name",
            "git config --list",
            "git -C /src config -l",
            "git log --format=config",
            "python -m nltk.downloader config",
        ] {
            assert!(
                configures_installs(reading, &[words(reading)]).is_ok(),
                "{reading}"
            );
        }
    }

    #[test]
    fn an_install_of_named_requirements_reads_no_file() {
        let named = [Source::Name("gunicorn".into())];
        let command = |text: &str| vec![text.to_owned()];
        assert!(!reads_files(
            &named,
            &command("pip install gunicorn==22.0.0")
        ));
        assert!(!reads_files(
            &named,
            &command("pip install --force-reinstall gunicorn")
        ));
        for reading in [
            "pip install -c constraints.txt gunicorn",
            "pip install -cconstraints.txt gunicorn",
            "pip install --constraint=constraints.txt gunicorn",
            "pip install -f ./wheels gunicorn",
            "pip install --find-links=/wheels gunicorn",
        ] {
            assert!(reads_files(&named, &command(reading)), "{reading}");
        }
        let pip = command("pip install -r requirements.txt");
        assert!(reads_files(
            &[Source::File("requirements.txt".into())],
            &pip
        ));
        assert!(reads_files(&[Source::Project(".".into())], &pip));
        assert!(reads_files(&[Source::Lock("poetry.lock")], &[]));
    }
}
