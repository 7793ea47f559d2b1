//! dockstage: a terminal workbench for multi-stage Docker builds of Go applications.

pub mod catalog;
pub mod cli;
pub mod dockerfile;
pub mod engine;
pub mod goproject;
pub mod image_family;
pub mod ondisk;
pub mod tui;
pub mod workbench;
