//! The build pipeline, written once: build, matrix and tune as jobs that
//! the CLI and the workbench both drive (see docs/architecture.md).
//!
//! Each job takes an [`Engine`](crate::engine::Engine), a request, an event
//! sink and a cancellation token. It sends [`Event`]s while it works and
//! returns a report that already carries the explanation of any failure, so
//! a front end only shows what it is given.

pub mod build;
pub mod build_memory;
mod event;
pub mod files;
pub mod matrix;
pub mod tune;

pub use event::Event;

/// Where a job's progress goes: the CLI prints it, the workbench's worker
/// forwards it to `update`.
pub type EventSink<'a> = dyn FnMut(Event) + Send + 'a;
