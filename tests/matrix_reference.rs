//! `dockstage matrix` on the real daemon: the file as written is the
//! reference even when the catalog lacks its base, a failed run is never
//! starred, and Ctrl-C cancels and leaves nothing behind.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bollard::query_parameters::{RemoveImageOptions, TagImageOptions};
use dockstage::engine::{Engine, SESSION_LABEL};

/// A Go module written for one test under the temp directory, removed when dropped.
struct Project(PathBuf);

impl Project {
    fn new(tag: &str, main_go: &str, dockerfile: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("dockstage-matrix-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        for (name, text) in [
            ("go.mod", "module example.com/app\n\ngo 1.24\n"),
            ("main.go", main_go),
            ("Dockerfile", dockerfile),
        ] {
            std::fs::write(dir.join(name), text).unwrap_or_else(|e| panic!("{e}"));
        }
        Self(dir)
    }

    fn dir(&self) -> &Path {
        &self.0
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const HELLO_GO: &str =
    "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"Hello World!\")\n}\n";

fn dockerfile(runtime: &str, extra: &str) -> String {
    format!(
        "FROM golang:1.24 AS builder\nWORKDIR /src\nCOPY go.mod main.go ./\n\
         RUN CGO_ENABLED=0 go build -o /app .\n\nFROM {runtime}\n{extra}\
         COPY --from=builder /app /app\nENTRYPOINT [\"/app\"]\n"
    )
}

fn matrix_json(dir: &Path, extra: &[&str]) -> (Option<i32>, serde_json::Value, String) {
    let dir = dir.to_string_lossy();
    let mut args = vec!["matrix", &*dir, "--format", "json"];
    args.extend_from_slice(extra);
    let out = Command::new(env!("CARGO_BIN_EXE_dockstage"))
        .args(&args)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{stderr}", String::from_utf8_lossy(&out.stdout)));
    (out.status.code(), json, stderr)
}

fn rows(v: &serde_json::Value) -> Vec<serde_json::Value> {
    v["variants"].as_array().cloned().unwrap_or_default()
}

/// Makes `alias` name the same image as `image` for the test, and says
/// whether the test made it (so only then does the test remove it).
async fn alias_image(engine: &Engine, image: &str, alias: &str) -> bool {
    if engine.docker().inspect_image(alias).await.is_ok() {
        return false;
    }
    let (repo, tag) = alias.rsplit_once(':').unwrap_or((alias, "latest"));
    engine
        .docker()
        .tag_image(
            image,
            Some(TagImageOptions {
                repo: Some(repo.to_string()),
                tag: Some(tag.to_string()),
            }),
        )
        .await
        .unwrap_or_else(|e| panic!("docker tag {image} {alias}: {e}"));
    true
}

#[tokio::test]
async fn a_base_the_catalog_lacks_is_built_as_the_reference_and_failed_runs_get_no_star() {
    const OLD: &str = "gcr.io/distroless/base-debian10";
    let Some(engine) = support::docker_with(
        "matrix_reference_old_base",
        &[
            "golang:1.24",
            "gcr.io/distroless/base-debian12",
            "gcr.io/distroless/static-debian12",
        ],
    )
    .await
    else {
        return;
    };
    let made = alias_image(
        &engine,
        "gcr.io/distroless/base-debian12",
        &format!("{OLD}:latest"),
    )
    .await;
    let project = Project::new(
        "old-base",
        HELLO_GO,
        &dockerfile(OLD, "USER nonroot:nonroot\n"),
    );
    let (code, v, stderr) = matrix_json(
        project.dir(),
        &["--bases", "scratch,distroless-static,distroless-base"],
    );
    if made {
        let _ = engine
            .docker()
            .remove_image(OLD, None::<RemoveImageOptions>, None)
            .await;
    }
    assert_eq!(code, Some(0), "{v}\n{stderr}");
    let rows = rows(&v);
    let bases: Vec<&str> = rows.iter().filter_map(|r| r["base"].as_str()).collect();
    assert_eq!(
        bases,
        [OLD, "scratch", "distroless-static", "distroless-base"]
    );
    assert_eq!(rows[0]["reference"], true);
    assert_eq!(rows[0]["ok"], true, "the file as written runs: {v}");
    assert_eq!(rows[0]["run"]["stdout"], "Hello World!\n");
    // scratch has no user nonroot: its run fails and gets neither yes nor a star.
    assert_eq!(rows[1]["ok"], false, "{v}");
    assert_eq!(rows[1]["chosen"], false, "{v}");
    assert_ne!(rows[1]["run"]["exit_code"], 0, "{v}");
    // The distroless bases run it as written did.
    assert_eq!(rows[2]["ok"], true, "{v}");
    assert_eq!(rows[3]["ok"], true, "{v}");
    let chosen: Vec<&str> = rows
        .iter()
        .filter(|r| r["chosen"] == true)
        .filter_map(|r| r["base"].as_str())
        .collect();
    assert_eq!(chosen, ["distroless-static"], "{v}");
}

#[tokio::test]
async fn a_reference_that_fails_to_run_means_nothing_is_starred() {
    if support::docker_with("matrix_reference_fails", &["golang:1.24", "busybox:stable"])
        .await
        .is_none()
    {
        return;
    }
    // scratch has no user 'app': the file as written cannot start.
    let project = Project::new("ref-fails", HELLO_GO, &dockerfile("scratch", "USER app\n"));
    let (code, v, stderr) = matrix_json(project.dir(), &["--bases", "busybox"]);
    assert_eq!(code, Some(1), "{v}\n{stderr}");
    assert!(rows(&v).iter().all(|r| r["chosen"] == false), "{v}");
    assert!(
        stderr.contains("as written, the image does not work"),
        "{stderr}"
    );
    assert!(stderr.contains("--expect"), "{stderr}");
}

const SLEEPER_GO: &str = "package main\n\nimport (\n\t\"fmt\"\n\t\"time\"\n)\n\nfunc main() {\n\tfmt.Println(\"sleeping\")\n\ttime.Sleep(2 * time.Minute)\n}\n";

/// Ids of the containers and images carrying `label`.
async fn labelled(engine: &Engine, label: &str) -> (Vec<String>, Vec<String>) {
    let (containers, images) = engine
        .labelled(label)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    (containers, images.into_iter().map(|(id, _)| id).collect())
}

/// Ends a matrix the test gave up on, returning what it printed on stderr.
fn stop(child: &mut Child) -> String {
    use std::io::Read;
    let _ = child.kill();
    let _ = child.wait();
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = pipe.read_to_string(&mut stderr);
    }
    stderr
}

#[tokio::test]
async fn ctrl_c_cancels_the_matrix_and_leaves_nothing_behind() {
    let Some(engine) =
        support::docker_with("matrix_ctrl_c", &["golang:1.24", "busybox:stable"]).await
    else {
        return;
    };
    // A label of this test's own, so its containers are found among others'.
    let marker = format!(
        "{}-{}",
        std::process::id(),
        dockstage::engine::new_session_id()
    );
    let project = Project::new(
        "ctrl-c",
        SLEEPER_GO,
        &dockerfile("scratch", &format!("LABEL dockstage.test={marker}\n")),
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_dockstage"))
        .args(["matrix", &project.dir().to_string_lossy()])
        .args(["--bases", "busybox", "--timeout", "300"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let by_marker = format!("dockstage.test={marker}");
    // Wait until its images run: the hardest moment to leave cleanly.
    let started = Instant::now();
    let running = loop {
        let (containers, _) = labelled(&engine, &by_marker).await;
        if !containers.is_empty() {
            break containers;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "matrix ended before running anything ({status}): {}",
                stop(&mut child)
            );
        }
        if started.elapsed() > Duration::from_secs(300) {
            panic!("no container after 300 s: {}", stop(&mut child));
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    let inspected = engine
        .docker()
        .inspect_container(&running[0], None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let session = inspected
        .config
        .and_then(|c| c.labels)
        .and_then(|l| l.get(SESSION_LABEL).cloned())
        .unwrap_or_else(|| panic!("the container has no {SESSION_LABEL} label"));
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap_or_else(|e| panic!("kill: {e}"));
    assert!(sent.success());
    let waited = Instant::now();
    while child.try_wait().ok().flatten().is_none() {
        if waited.elapsed() > Duration::from_secs(60) {
            panic!(
                "matrix still running 60 s after Ctrl-C: {}",
                stop(&mut child)
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let output = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("cancelled"), "{stderr}");
    let by_session = format!("{SESSION_LABEL}={session}");
    assert_eq!(
        labelled(&engine, &by_session).await,
        (vec![], vec![]),
        "{stderr}"
    );
    assert_eq!(
        labelled(&engine, &by_marker).await,
        (vec![], vec![]),
        "{stderr}"
    );
}
