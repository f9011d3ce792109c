//! Typed views of an instruction's arguments, read from BuildKit's node: what the
//! analysis and the transformers ask of FROM, COPY, RUN, CMD and the rest.

use super::buildkit::Node;
use super::image::ImageRef;
use super::keyword::Keyword;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    From(From),
    /// COPY and ADD.
    Copy(Copy),
    Run(Run),
    Cmd(Form),
    Entrypoint(Form),
    Shell(Vec<String>),
    Env(Vec<(String, String)>),
    Label(Vec<(String, String)>),
    Arg(Vec<ArgDecl>),
    /// The path as BuildKit evaluates it: quotes removed, variables as written.
    Workdir(String),
    User(String),
    Expose(Vec<String>),
    Volume(Vec<String>),
    Healthcheck(Healthcheck),
    Stopsignal(String),
    Maintainer(String),
    /// The trigger instruction, upper-cased, and its arguments as written.
    Onbuild {
        trigger: String,
        arguments: Vec<String>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct From {
    pub image: ImageRef,
    pub platform: Option<String>,
    pub alias: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Copy {
    pub from: Option<String>,
    pub chown: Option<String>,
    pub chmod: Option<String>,
    pub link: bool,
    pub sources: Vec<String>,
    pub dest: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Run {
    /// Each `--mount=` value, in order.
    pub mounts: Vec<String>,
    pub network: Option<String>,
    pub security: Option<String>,
    pub command: Form,
}

/// Exec form (a JSON array) or shell form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Form {
    Exec(Vec<String>),
    Shell(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArgDecl {
    pub name: String,
    pub default: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Healthcheck {
    None,
    Cmd { options: Vec<String>, command: Form },
}

impl Form {
    fn from_node(node: &Node) -> Form {
        if node.json {
            Form::Exec(node.value.clone())
        } else {
            Form::Shell(node.value.join(" "))
        }
    }

    /// The words of the command: the exec array, or the shell text split on blanks.
    pub fn words(&self) -> Vec<&str> {
        match self {
            Form::Exec(words) => words.iter().map(String::as_str).collect(),
            Form::Shell(text) => text.split_whitespace().collect(),
        }
    }
}

impl Command {
    pub(crate) fn from_node(keyword: Keyword, node: &Node) -> Command {
        let value = &node.value;
        let first = || value.first().cloned().unwrap_or_default();
        match keyword {
            Keyword::From => Command::From(From {
                image: ImageRef::parse(&first()),
                platform: flag(&node.flags, "platform").map(str::to_owned),
                alias: match value.as_slice() {
                    [_, as_kw, alias, ..] if as_kw.eq_ignore_ascii_case("as") => {
                        Some(alias.clone())
                    }
                    _ => None,
                },
            }),
            Keyword::Copy | Keyword::Add => {
                let (dest, sources) = value.split_last().map_or_else(
                    || (String::new(), Vec::new()),
                    |(dest, sources)| (dest.clone(), sources.to_vec()),
                );
                Command::Copy(Copy {
                    from: flag(&node.flags, "from").map(str::to_owned),
                    chown: flag(&node.flags, "chown").map(str::to_owned),
                    chmod: flag(&node.flags, "chmod").map(str::to_owned),
                    link: flag(&node.flags, "link").is_some_and(|v| v != "false"),
                    sources,
                    dest,
                })
            }
            Keyword::Run => Command::Run(Run {
                mounts: flags(&node.flags, "mount").map(str::to_owned).collect(),
                network: flag(&node.flags, "network").map(str::to_owned),
                security: flag(&node.flags, "security").map(str::to_owned),
                command: Form::from_node(node),
            }),
            Keyword::Cmd => Command::Cmd(Form::from_node(node)),
            Keyword::Entrypoint => Command::Entrypoint(Form::from_node(node)),
            Keyword::Shell => Command::Shell(value.clone()),
            Keyword::Env => Command::Env(pairs(value)),
            Keyword::Label => Command::Label(pairs(value)),
            Keyword::Arg => Command::Arg(
                value
                    .iter()
                    .map(|decl| match decl.split_once('=') {
                        Some((name, default)) => ArgDecl {
                            name: name.to_owned(),
                            default: Some(default.to_owned()),
                        },
                        None => ArgDecl {
                            name: decl.clone(),
                            default: None,
                        },
                    })
                    .collect(),
            ),
            // Where BuildKit cannot evaluate it, the build fails; as written, the
            // path's quotes make restage decline.
            Keyword::Workdir => {
                Command::Workdir(node.evaluated_word(&first()).unwrap_or_else(|_| first()))
            }
            Keyword::User => Command::User(first()),
            Keyword::Expose => Command::Expose(value.clone()),
            Keyword::Volume => Command::Volume(value.clone()),
            Keyword::Healthcheck => match value.first().map(String::as_str) {
                Some(none) if none.eq_ignore_ascii_case("none") => {
                    Command::Healthcheck(Healthcheck::None)
                }
                _ => Command::Healthcheck(Healthcheck::Cmd {
                    options: node.flags.clone(),
                    command: Form::from_node(&Node {
                        value: value.iter().skip(1).cloned().collect(),
                        ..node.clone()
                    }),
                }),
            },
            Keyword::Stopsignal => Command::Stopsignal(first()),
            Keyword::Maintainer => Command::Maintainer(first()),
            Keyword::Onbuild => Command::Onbuild {
                trigger: node
                    .sub_cmd
                    .clone()
                    .unwrap_or_default()
                    .to_ascii_uppercase(),
                arguments: value.clone(),
            },
        }
    }
}

/// The value of the last `--name=value` flag (`""` for a bare `--name`).
pub fn flag<'a>(flags: &'a [String], name: &'a str) -> Option<&'a str> {
    self::flags(flags, name).last()
}

/// The values of every `--name=value` flag, in order.
pub fn flags<'a>(flags: &'a [String], name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    flags.iter().filter_map(move |flag| {
        let rest = flag.strip_prefix("--")?.strip_prefix(name)?;
        match rest.strip_prefix('=') {
            Some(value) => Some(value),
            None if rest.is_empty() => Some(""),
            None => None,
        }
    })
}

/// A field of a `--mount=` value (`type`, `from`, `target`…), its key in any case, as
/// BuildKit lowers the keys it reads.
pub fn mount_field<'a>(mount: &'a str, key: &str) -> Option<&'a str> {
    mount.split(',').find_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        name.eq_ignore_ascii_case(key).then_some(value)
    })
}

fn pairs(value: &[String]) -> Vec<(String, String)> {
    value
        .chunks(2)
        .map(|pair| (pair[0].clone(), pair.get(1).cloned().unwrap_or_default()))
        .collect()
}
