//! What an image holds, from the engine's export of it: each layer's files
//! (`index`), the layers stacked into the tree a container sees, with the
//! bytes wasted on the way (`stack`), and two images compared (`diff`).
//! Pure: the engine streams the export in, nothing here touches Docker.

pub mod diff;
pub mod index;
pub mod stack;

pub use diff::{ImageDiff, diff};
pub use index::{Entry, EntryKind, IndexError, LayerIndex, index_layer};
pub use stack::{Change, ChangeKind, ImageFiles, LayerFiles, Node, stack};
