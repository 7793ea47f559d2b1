//! `dockstage clean`: remove what killed sessions left behind.

use super::{Failure, status};
use crate::engine::Engine;
use crate::human::human_bytes;

pub fn run() -> Result<u8, Failure> {
    super::runtime()?.block_on(async {
        let engine = Engine::connect().await.map_err(Failure::usage)?;
        let removed = engine.cleanup_all().await.map_err(Failure::usage)?;
        println!(
            "removed {} container(s) and {} image(s) ({})",
            removed.containers,
            removed.images,
            human_bytes(removed.bytes)
        );
        if removed.in_use > 0 {
            println!(
                "{} image(s) are in use by a running dockstage and were left",
                removed.in_use
            );
        }
        Ok(status::OK)
    })
}
