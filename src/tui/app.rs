//! The event loop: one `select!` over terminal events, worker messages and a
//! slow tick, redrawing only when something changed. The event stream and the
//! backend are parameters, so tests run the whole app headless.

use std::time::{Duration, Instant};

use crossterm::event::Event;
use futures_util::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc;

use super::model::Model;
use super::msg::{Cmd, Msg};
use super::ui;
use super::update::update;
use super::worker::Workers;

/// While a build runs, the elapsed time in the status line ticks this often.
const TICK: Duration = Duration::from_millis(500);

/// Queued worker messages applied before one redraw.
const MAX_BATCH: usize = 2_000;

/// Runs until the user quits; returns the final model.
pub async fn run<B, E>(
    terminal: &mut Terminal<B>,
    mut model: Model,
    mut events: E,
    mut rx: mpsc::UnboundedReceiver<Msg>,
    workers: Workers,
    mut on_change: impl FnMut(&Model),
) -> Result<Model, B::Error>
where
    B: Backend,
    E: Stream<Item = std::io::Result<Event>> + Unpin,
{
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    if let Ok(size) = terminal.size() {
        model.size = (size.width, size.height);
    }
    workers.send(Cmd::Analyze {
        version: model.version,
        text: model.text(),
    });
    workers.send(Cmd::CheckDisk {
        path: model.file.path.clone(),
    });
    let mut dirty = true;
    loop {
        if dirty {
            terminal.draw(|frame| ui::render(&model, frame))?;
            dirty = false;
        }
        let msg = tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Key(key))) => Msg::Key(key),
                Some(Ok(Event::Mouse(mouse))) => Msg::Mouse(mouse),
                Some(Ok(Event::Paste(text))) => Msg::Paste(text),
                Some(Ok(Event::FocusGained)) => Msg::FocusGained,
                Some(Ok(Event::Resize(w, h))) => {
                    terminal.autoresize()?;
                    Msg::Resize(w, h)
                }
                Some(Ok(_)) => continue,
                // The terminal is gone: leave as a signal would, keeping unsaved work.
                Some(Err(_)) | None => Msg::Terminate,
            },
            msg = rx.recv() => match msg {
                Some(msg) => msg,
                None => break,
            },
            _ = tick.tick() => {
                // Only the building clock and a fading key cast change with
                // time; a tick that changes neither draws nothing.
                let casting = !model.keycast.is_empty();
                for cmd in update(&mut model, Msg::Tick(Instant::now())) {
                    workers.send(cmd);
                }
                dirty = model.is_building() || (casting && model.keycast.is_empty());
                continue;
            }
        };
        // Apply everything already queued (a build log arrives in floods)
        // before drawing once.
        let version = model.version;
        let mut cmds = update(&mut model, msg);
        let mut batched = 0;
        while batched < MAX_BATCH && !model.quit {
            let Ok(next) = rx.try_recv() else { break };
            cmds.extend(update(&mut model, next));
            batched += 1;
        }
        if model.version != version {
            on_change(&model);
        }
        dirty = true;
        let mut quit = false;
        for cmd in cmds {
            if cmd == Cmd::Quit {
                quit = true;
            } else {
                workers.send(cmd);
            }
        }
        if quit || model.quit {
            break;
        }
    }
    workers.shutdown(Duration::from_secs(5)).await;
    Ok(model)
}
