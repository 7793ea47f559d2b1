//! Fuzzes reading layer tars and stacking them: `layer_tar::index_layer` on
//! raw bytes and on tars written from fuzzed entries, then
//! `workbench::image_files::stack`. The properties are in
//! `fuzz/layer_tar_check.rs`, shared with `tests/fuzz_regressions.rs`.
//!
//! ```sh
//! cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run -s none layer_tar -- -max_len=8192 -max_total_time=300
//! ```

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../layer_tar_check.rs"]
mod layer_tar_check;

fuzz_target!(|data: &[u8]| {
    layer_tar_check::check(data);
});
