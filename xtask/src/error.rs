//! The one error type of xtask: every failure says what was attempted and how to fix it.

use std::path::PathBuf;
use std::process::ExitStatus;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}\n\n{usage}", usage = crate::USAGE)]
    Usage(String),

    #[error("could not start `{program}`: {source}")]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },

    #[error("`{command}` failed ({status})")]
    CommandFailed { command: String, status: ExitStatus },

    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("could not read `{what}` from {path}: {reason}")]
    Parse {
        what: &'static str,
        path: PathBuf,
        reason: String,
    },

    /// A tool is missing and setup cannot install it on this machine (no apt-get, not root, …).
    #[error("{tool} is missing and cannot be installed here: {reason}")]
    CannotInstall { tool: String, reason: String },

    /// A tool was installed but still does not answer with the pinned version.
    #[error("{tool}: expected {expected}, found {found}")]
    WrongVersion {
        tool: String,
        expected: String,
        found: String,
    },

    #[error("a file the {stage} stage needs is missing: {path} ({hint})")]
    MissingInput {
        stage: &'static str,
        path: PathBuf,
        hint: &'static str,
    },

    #[error("{0}")]
    TestStages(String),

    #[error("the demo server stopped: {0}")]
    Server(String),
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;
