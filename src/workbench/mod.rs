//! Pure domain logic of the workbench: what a build and run result mean to
//! the user, independent of the terminal and of Docker.

pub mod build_failure;
pub mod causes;
pub mod expect;
pub mod explain;
pub mod init;
pub mod matrix;
pub mod service;
pub mod tune;
pub mod variant;
