//! The flags that say how to run an image and tell that a service is up,
//! shared by `build`, `matrix` and `tune`.

use crate::engine::service::ServiceProbe;

#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
pub struct ServiceFlags {
    /// A run argument (repeatable), in place of the image's CMD as with
    /// `docker run IMAGE ARGS`: a CLI prints its usage and exits 1 without one
    #[arg(long = "arg", value_name = "ARG", allow_hyphen_values = true)]
    pub args: Vec<String>,
    /// The port a service answers on, when EXPOSE does not say (or says another)
    #[arg(long, value_name = "N")]
    pub port: Option<u16>,
    /// The path of the one HTTP GET that probes a service (default /)
    #[arg(long, value_name = "PATH")]
    pub probe: Option<String>,
    /// A program still running is ready once TEXT is on its stdout or stderr
    #[arg(long, value_name = "TEXT")]
    pub ready: Option<String>,
}

impl ServiceFlags {
    /// What the flags say about reaching a service (the sources add theirs
    /// when the engine runs it).
    pub fn probe(&self) -> ServiceProbe {
        ServiceProbe {
            port: self.port,
            path: self.probe.clone(),
            ready_text: self.ready.clone(),
            ..ServiceProbe::default()
        }
    }
}
