//! restage rewrites single-stage Dockerfiles into multistage ones: a builder stage
//! that does the build-only work and a slim final stage that runs the app.
//!
//! The pipeline: [`syntax`] parses, [`analyze`] finds stages and base image,
//! [`context`] reads the files next to the Dockerfile, [`transform`] rewrites, [`check`]
//! holds the result to its invariants.
#![forbid(unsafe_code)]

// pest runs without its `std` feature (see Cargo.toml), and the parser it generates
// then names `alloc` for its boxes and vectors.
extern crate alloc;

pub mod analyze;
pub mod check;
pub mod context;
pub mod diagnostic;
mod dockerignore;
pub mod ecosystem;
mod glob;
pub mod recent;
pub mod shown_text;
pub mod syntax;
pub mod transform;
pub mod verify;
