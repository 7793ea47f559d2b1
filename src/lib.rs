//! dockstage: a terminal workbench for multi-stage Docker builds of Go applications.

pub mod catalog;
pub mod cli;
pub mod dockerfile;
pub mod engine;
pub mod goproject;
pub mod human;
pub mod image_family;
pub mod input;
pub mod layer_tar;
pub mod ondisk;
pub mod outcome;
pub mod pipeline;
pub mod tui;
pub mod workbench;
