//! dockstage: a terminal workbench for multi-stage Docker builds of Go applications.

pub mod dockerfile;
pub mod catalog;
pub mod goproject;
