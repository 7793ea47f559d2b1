//! Pure domain logic of the workbench: what a build and run result mean to
//! the user, independent of the terminal and of Docker. It reads the plain
//! results in `crate::outcome` and imports neither the engine nor anything
//! above it (docs/architecture.md).

pub mod build_failure;
pub mod build_steps;
pub mod cache_misses;
pub mod causes;
pub mod expect;
pub mod explain;
pub mod gate;
pub mod image_files;
pub mod init;
pub mod lesson;
pub mod matrix;
pub mod readiness;
pub mod service;
pub mod tune;
pub mod variant;
