//! What an image holds, from the engine's export of it (each layer's files,
//! as `crate::layer_tar` lists them): the layers stacked into the tree a container sees, with the
//! bytes wasted on the way (`stack`), and two images compared (`diff`).
//! Pure: the engine streams the export in, nothing here touches Docker.

pub mod diff;
pub mod stack;

pub use crate::layer_tar::{Entry, EntryKind, LayerIndex};
pub use diff::{ImageDiff, diff};
pub use stack::{Change, ChangeKind, ImageFiles, LayerFiles, Node, stack};
