//! The app's logs: to stderr when started from a terminal, and to a file in the app's log
//! folder that rolls over daily, the last `KEEP_FILES` kept, so an admin can open them ("Show
//! logs") and send them with a problem. Nothing logs a token: secrets are `Secret`s, which print
//! as `[redacted]`.

use std::io::IsTerminal;
use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer as _;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Daily files kept in the log folder.
pub const KEEP_FILES: usize = 7;
/// The files are `hubsync.YYYY-MM-DD.log`.
pub const FILE_PREFIX: &str = "hubsync";

/// Keeps the file writer's buffer flushing until the app exits.
pub struct LogGuard {
    _flush_on_drop: Option<WorkerGuard>,
}

/// A daily rolling file in `dir`, the last `KEEP_FILES` kept.
pub fn file_appender(dir: &Path) -> Result<RollingFileAppender, tracing_appender::rolling::InitError> {
    RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(FILE_PREFIX)
        .filename_suffix("log")
        .max_log_files(KEEP_FILES)
        .build(dir)
}

/// Starts logging (filter from `RUST_LOG`, default `info`). Without a usable log folder, logs
/// still go to stderr, and the reason is logged there.
pub fn init(dir: Option<&Path>) -> LogGuard {
    let filter = || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let stderr = tracing_subscriber::fmt::layer()
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .with_filter(filter());
    let file = dir.map(|dir| {
        // Logs name leads and portals: the user's alone, as the store is.
        hubsync_store::create_private_dir(dir, hubsync_store::ExistingFolder::Tighten)
            .map_err(|e| e.to_string())
            .and_then(|()| file_appender(dir).map_err(|e| e.to_string()))
    });
    match file {
        Some(Ok(appender)) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let file_layer =
                tracing_subscriber::fmt::layer().with_ansi(false).with_writer(writer).with_filter(filter());
            tracing_subscriber::registry().with(stderr).with(file_layer).init();
            LogGuard { _flush_on_drop: Some(guard) }
        }
        Some(Err(error)) => {
            tracing_subscriber::registry().with(stderr).init();
            tracing::warn!(%error, "logs go to stderr only: the log folder can't be written");
            LogGuard { _flush_on_drop: None }
        }
        None => {
            tracing_subscriber::registry().with(stderr).init();
            tracing::warn!("logs go to stderr only: this system has no log folder for the app");
            LogGuard { _flush_on_drop: None }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn the_log_file_is_named_by_day_in_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let mut appender = file_appender(dir.path()).unwrap();
        appender.write_all(b"a line\n").unwrap();
        appender.flush().unwrap();
        let names: Vec<String> =
            std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into()).collect();
        assert_eq!(names.len(), 1, "{names:?}");
        assert!(names[0].starts_with("hubsync.") && names[0].ends_with(".log"), "{names:?}");
    }
}
