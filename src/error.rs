//! Errors a user can act on, and the one place that maps them to exit codes.

use std::path::Path;

/// Exit codes of `esms-ledger`, documented in the README and in `--help`.
pub mod exit {
    /// Published (warnings allowed unless `--strict`), or nothing to do.
    pub const OK: u8 = 0;
    /// Unexpected internal error.
    pub const INTERNAL: u8 = 1;
    /// Command-line usage error (clap's own code).
    pub const USAGE: u8 = 2;
    /// Inputs read, but unacknowledged error findings (or a figure/anchor that cannot be
    /// extracted): nothing published, the previous outputs stay.
    pub const DATA: u8 = 65;
    /// An input missing or unreadable.
    pub const NO_INPUT: u8 = 66;
    /// Outputs could not be written.
    pub const CANT_CREATE: u8 = 73;
    /// Another run holds the lock: try again later.
    pub const TEMP_FAIL: u8 = 75;
    /// An invalid TOML description or acknowledgement file.
    pub const CONFIG: u8 = 78;

    /// What an exit code means, and what the operator does about it (stderr, README).
    pub fn meaning(code: u8) -> &'static str {
        match code {
            OK => "published, or inputs unchanged since the last publication",
            USAGE => "usage error: see --help",
            DATA => {
                "the inputs were read but a figure cannot be extracted or validation found errors: nothing was published and the previous outputs are unchanged; fix the source or description named above, or acknowledge the finding in acknowledged.toml, then run again"
            }
            NO_INPUT => {
                "an input is missing, unreadable or refused (encoding, size, a path outside the inputs folder): nothing was published; fix or replace the file named above, then run again"
            }
            CANT_CREATE => {
                "the outputs cannot be written (permissions, full disk): the previous outputs are unchanged; fix the output folder, then run again"
            }
            TEMP_FAIL => {
                "another run holds the lock: nothing was done; run again later (the next cron run will)"
            }
            CONFIG => {
                "a description or acknowledged.toml is invalid at the line and key named above: fix it, then run again"
            }
            _ => "internal error (a bug): keep the inputs and this log, and report it",
        }
    }
}

/// A finding that fails the run (or would with `--strict`), as stderr lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unacknowledged {
    /// "error" or "warning".
    pub severity: String,
    /// The rule id, "total.sum_mismatch".
    pub rule: String,
    /// "file:line", "file:line:span" or "file[sheet!cell]"; empty when the finding has none.
    pub location: String,
    /// What `acknowledged.toml` takes to accept it.
    pub fingerprint: String,
    /// The English one-liner.
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A TOML description or the acknowledgement file is invalid.
    #[error("{file}{}: invalid TOML{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default(), key.as_ref().map(|k| format!(" (key `{k}`)")).unwrap_or_default())]
    Config {
        file: String,
        line: Option<u32>,
        key: Option<String>,
        message: String,
    },
    /// An input file is missing or unreadable.
    #[error("{file}: {message}")]
    Input { file: String, message: String },
    /// A figure, a label or an anchor of a source cannot be extracted.
    #[error("{location}: {message}")]
    Extraction { location: String, message: String },
    /// The validation found unacknowledged errors; the run's report and candidate tables
    /// are in `report_dir`.
    #[error(
        "{errors} unacknowledged error finding(s); nothing published; report and candidate tables: {report_dir}"
    )]
    Rejected {
        errors: usize,
        report_dir: String,
        findings: Vec<Unacknowledged>,
    },
    /// With `--strict`: warnings only, but they fail the run.
    #[error(
        "{warnings} warning finding(s) with --strict; nothing published; report and candidate tables: {report_dir}"
    )]
    RejectedStrict {
        warnings: usize,
        report_dir: String,
        findings: Vec<Unacknowledged>,
    },
    /// Another run holds the lock.
    #[error("{file}: another esms-ledger run holds the lock ({holder}); try again later")]
    Locked { file: String, holder: String },
    /// Outputs could not be written.
    #[error("{path}: cannot write outputs: {message}")]
    Output { path: String, message: String },
    /// A bug: the message says where.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    pub fn input(path: &Path, message: String) -> Self {
        Error::Input {
            file: path.display().to_string(),
            message,
        }
    }

    pub fn output(path: &Path, error: impl std::fmt::Display) -> Self {
        Error::Output {
            path: path.display().to_string(),
            message: error.to_string(),
        }
    }

    pub fn extraction(location: impl std::fmt::Display, message: impl Into<String>) -> Self {
        Error::Extraction {
            location: location.to_string(),
            message: message.into(),
        }
    }

    /// The findings that failed the run, for a rejected run.
    pub fn findings(&self) -> &[Unacknowledged] {
        match self {
            Error::Rejected { findings, .. } | Error::RejectedStrict { findings, .. } => findings,
            _ => &[],
        }
    }

    /// Where a rejected run's report and candidate tables are.
    pub fn report_dir(&self) -> Option<&str> {
        match self {
            Error::Rejected { report_dir, .. } | Error::RejectedStrict { report_dir, .. } => {
                Some(report_dir)
            }
            _ => None,
        }
    }

    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Config { .. } => exit::CONFIG,
            Error::Input { .. } => exit::NO_INPUT,
            Error::Extraction { .. } | Error::Rejected { .. } | Error::RejectedStrict { .. } => {
                exit::DATA
            }
            Error::Locked { .. } => exit::TEMP_FAIL,
            Error::Output { .. } => exit::CANT_CREATE,
            Error::Internal(_) => exit::INTERNAL,
        }
    }
}

pub fn config_error_at(
    path: &Path,
    line: Option<u32>,
    key: Option<String>,
    message: String,
) -> Error {
    Error::Config {
        file: path.display().to_string(),
        line,
        key,
        message,
    }
}
