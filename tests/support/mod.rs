//! Shared by the integration tests that need a real Docker daemon.
#![allow(dead_code)]

use dockstage::engine::Engine;

/// A connected engine, or `None` with the reason printed when no daemon is
/// reachable. Under `DOCKSTAGE_REQUIRE_DOCKER=1` (CI) a missing daemon fails.
pub async fn docker(test: &str) -> Option<Engine> {
    match Engine::connect().await {
        Ok(engine) => Some(engine),
        Err(e) => {
            let required = std::env::var("DOCKSTAGE_REQUIRE_DOCKER").is_ok_and(|v| v == "1");
            assert!(!required, "{test}: DOCKSTAGE_REQUIRE_DOCKER=1 but {e}");
            eprintln!("skipping {test}: no Docker daemon ({e})");
            None
        }
    }
}

/// Whether a local image exists; tests that need a stand-in base skip
/// (or fail under DOCKSTAGE_REQUIRE_DOCKER=1) when it is missing.
pub async fn has_image(engine: &Engine, test: &str, image: &str) -> bool {
    let found = engine.docker().inspect_image(image).await.is_ok();
    if !found {
        let required = std::env::var("DOCKSTAGE_REQUIRE_DOCKER").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "{test}: image {image} is missing; run scripts/offline-bases.sh"
        );
        eprintln!("skipping {test}: image {image} is missing (run scripts/offline-bases.sh)");
    }
    found
}

pub fn example_dir(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/examples")
        .join(name)
}

/// A connected engine that has every image in `images`, or `None` with the
/// reason printed (a failure under DOCKSTAGE_REQUIRE_DOCKER=1).
pub async fn docker_with(test: &str, images: &[&str]) -> Option<Engine> {
    let engine = docker(test).await?;
    for image in images {
        if !has_image(&engine, test, image).await {
            return None;
        }
    }
    Some(engine)
}
