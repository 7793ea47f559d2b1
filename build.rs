//! Rebuilds the crate when a lesson folder changes: the lessons are embedded
//! with include_dir, which does not see files added to a folder.
fn main() {
    println!("cargo:rerun-if-changed=assets/lessons");
}
