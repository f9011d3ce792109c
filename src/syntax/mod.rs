//! Reading Dockerfiles: the pest grammar's binding, the lossless tree with a byte span
//! on every node, BuildKit's reading of each instruction, and the typed views the
//! analysis works with. Nothing here knows about ecosystems or rewrites.

pub mod buildkit;
mod command;
mod error;
mod grammar;
mod image;
mod instruction;
mod json;
mod keyword;
mod parser;
mod span;
mod tree;
mod validate;

pub use command::{ArgDecl, Command, Copy, Form, From, Healthcheck, Run, flag, flags, mount_field};
pub use error::ParseError;
pub use image::ImageRef;
pub use instruction::{Heredoc, Instruction, Line, LineKind};
pub use json::{buildkit_fields, to_json};
pub use keyword::Keyword;
pub use parser::{parse, parse_bytes, parse_lossless};
pub use span::{Position, Span, line_containing};
pub use tree::{Directive, Dockerfile, Item, ItemKind};
