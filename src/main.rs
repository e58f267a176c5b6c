//! The `esms-ledger` command: parses the command line, sets up logging, calls the library,
//! and maps its errors to exit codes in one place.

mod cmd;

use clap::{Parser, Subcommand, ValueEnum};
use esms_ledger::core::region::normalise_region;
use esms_ledger::error::{Error, exit};
use esms_ledger::model::Severity;
use esms_ledger::run::{RunOptions, RunStatus, run};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

const EXIT_CODES: &str = "\
Exit codes:
  0   published (warnings allowed unless --strict), or inputs unchanged
  1   internal error
  2   usage error
  65  unacknowledged error findings, or a figure/anchor that cannot be extracted:
      nothing published, previous outputs untouched, candidate tables and report
      in OUT/rejected/
  66  an input missing, unreadable or refused (encoding, size, path outside inputs)
  73  outputs cannot be written
  75  another run holds the lock (try again later)
  78  invalid TOML description or acknowledgement file";

/// Turns official ESMS numérique publications (BO decisions and instructions, annex
/// spreadsheets, press extracts) into one validated, BI-ready dataset.
#[derive(Debug, Parser)]
#[command(name = "esms-ledger", version, about, after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// More logs (-v debug, -vv trace); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    /// Only errors in the logs.
    #[arg(short, long, global = true)]
    quiet: bool,
    /// Log format on stderr.
    #[arg(long, value_enum, default_value_t = LogFormat::Auto, global = true, env = "ESMS_LOG_FORMAT")]
    log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogFormat {
    /// Human-readable, coloured only on a terminal.
    Auto,
    Human,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Read inputs/, validate, and publish Parquet tables and reports into the output folder.
    #[command(after_help = EXIT_CODES)]
    Run {
        /// Folder of sources and their TOML descriptions.
        #[arg(long, default_value = "inputs")]
        inputs: PathBuf,
        /// Output folder (published atomically; a lock prevents overlapping runs).
        #[arg(long, default_value = "outputs")]
        out: PathBuf,
        /// Fail (exit 65) on unacknowledged warnings too.
        #[arg(long)]
        strict: bool,
        /// Publish even if the inputs are unchanged since the last publication.
        #[arg(long)]
        force: bool,
    },
    /// Read and validate the inputs, print every finding; write nothing. Exit 65 on
    /// unacknowledged errors (or warnings with --strict), as `run` would.
    #[command(after_help = EXIT_CODES)]
    Check {
        /// Folder of sources and their TOML descriptions.
        #[arg(long, default_value = "inputs")]
        inputs: PathBuf,
        /// Fail on unacknowledged warnings too.
        #[arg(long)]
        strict: bool,
    },
    /// Compare what a run of the inputs would publish with the dataset published in the
    /// output folder: publications, envelopes, amounts and findings; writes nothing.
    Diff {
        /// Folder of sources and their TOML descriptions.
        #[arg(long, default_value = "inputs")]
        inputs: PathBuf,
        /// Output folder holding the last published dataset.
        #[arg(long, default_value = "outputs")]
        out: PathBuf,
    },
    /// Show what a run reads in one source: every figure taken (where, label, region and
    /// the rule that found it, envelope) and every other number with why it is left.
    Explain {
        /// The source (text, PDF or spreadsheet) or its TOML description, side by side.
        file: PathBuf,
        /// Only this envelope of the description.
        #[arg(long)]
        envelope: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Draft the TOML description of a new source beside it (never over an existing one):
    /// the publication fields it can infer and one envelope per table or list of figures.
    Scaffold {
        /// The new source: a text extract, a PDF with a text layer, or a spreadsheet.
        file: PathBuf,
    },
    /// Print the INSEE code, official name and matching rule for a region name.
    Region {
        /// A region name as a source writes it ("Paca", "Ile-de-France", "11 - Île-de-France").
        name: String,
    },
    /// List the validation rules with their ids, severities and descriptions.
    Rules,
}

fn init_logging(cli: &Cli) {
    use tracing_subscriber::EnvFilter;
    use tracing_subscriber::filter::LevelFilter;
    let default = if cli.quiet {
        LevelFilter::ERROR
    } else {
        match cli.verbose {
            0 => LevelFilter::INFO,
            1 => LevelFilter::DEBUG,
            _ => LevelFilter::TRACE,
        }
    };
    let filter = EnvFilter::builder()
        .with_default_directive(default.into())
        .from_env_lossy();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Human | LogFormat::Auto => {
            // tracing-subscriber does not detect a non-terminal: cron mails and journals
            // would get escape codes.
            let ansi = matches!(cli.log_format, LogFormat::Auto)
                && std::io::stderr().is_terminal()
                && std::env::var_os("NO_COLOR").is_none();
            builder.with_ansi(ansi).init();
        }
    }
}

fn main() -> ExitCode {
    esms_ledger::core::memory::one_arena();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    init_logging(&cli);
    match execute(&cli.command) {
        Ok(()) => ExitCode::from(exit::OK),
        Err(e) => {
            report_failure(&e, matches!(cli.log_format, LogFormat::Json));
            ExitCode::from(e.exit_code())
        }
    }
}

/// How many findings of a rejected run stderr lists; report.md has them all.
const LISTED_FINDINGS: usize = 20;

/// What a cron mail needs to act on a failed run: the error, for a rejected run the
/// findings to fix or acknowledge (rule, place, fingerprint), and what the exit code means.
/// In JSON logs each of them is an event with its fields.
fn report_failure(error: &Error, json: bool) {
    tracing::error!("{error}");
    let findings = error.findings();
    for f in findings.iter().take(LISTED_FINDINGS) {
        if json {
            tracing::error!(
                severity = %f.severity,
                rule = %f.rule,
                location = %f.location,
                fingerprint = %f.fingerprint,
                finding = %f.message,
                "unacknowledged finding"
            );
        } else {
            let place = if f.location.is_empty() {
                "-"
            } else {
                &f.location
            };
            tracing::error!(
                "  {} {} at {place} (fingerprint {}): {}",
                f.severity,
                f.rule,
                f.fingerprint,
                f.message
            );
        }
    }
    let more = findings.len().saturating_sub(LISTED_FINDINGS);
    if more > 0 && json {
        tracing::error!(more, "more unacknowledged findings, listed in report.md");
    } else if more > 0 {
        tracing::error!("  … and {more} more (report.md lists them all)");
    }
    let code = error.exit_code();
    let meaning = exit::meaning(code);
    match (json, error.report_dir()) {
        (true, Some(report)) => tracing::error!(exit_code = code, meaning, report, "exit {code}"),
        (true, None) => tracing::error!(exit_code = code, meaning, "exit {code}"),
        (false, Some(report)) => tracing::error!("exit {code}: {meaning}; report: {report}"),
        (false, None) => tracing::error!("exit {code}: {meaning}"),
    }
}

fn execute(command: &Command) -> Result<(), Error> {
    match command {
        Command::Run {
            inputs,
            out,
            strict,
            force,
        } => {
            let outcome = run(&RunOptions {
                inputs: inputs.clone(),
                out: out.clone(),
                strict: *strict,
                force: *force,
            })?;
            let s = &outcome.report.summary;
            let verb = match outcome.status {
                RunStatus::Published => "published",
                RunStatus::Unchanged => "unchanged",
            };
            tracing::info!(
                publications = s.publications,
                envelopes = s.envelopes,
                errors = s.errors,
                warnings = s.warnings,
                acknowledged = s.acknowledged,
                files = outcome.published.len(),
                "{verb}: {}",
                out.display()
            );
            println!(
                "{verb}: {} publications, {} envelopes, {} euros covered; findings: {} errors, {} warnings, {} infos, {} acknowledged",
                s.publications,
                s.envelopes,
                s.euros_covered,
                s.errors,
                s.warnings,
                s.infos,
                s.acknowledged
            );
            Ok(())
        }
        Command::Check { inputs, strict } => {
            if !inputs.is_dir() {
                return Err(Error::input(inputs, "inputs folder not found".to_string()));
            }
            let (publications, statements, validation, _) = esms_ledger::run::analyse(inputs)?;
            for f in &validation.findings {
                let place = f
                    .locations
                    .first()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                let ack = if f.acknowledged.is_some() {
                    " (acknowledged)"
                } else {
                    ""
                };
                println!(
                    "{}	{}	{}	{}{ack}	{}",
                    f.severity.as_str(),
                    f.rule,
                    f.fingerprint,
                    place,
                    f.message()
                );
            }
            let errors = validation.count(Severity::Error, false);
            let warnings = validation.count(Severity::Warning, false);
            println!(
                "checked: {} publications, {} envelope statements; {errors} errors, {warnings} warnings unacknowledged",
                publications.len(),
                statements.len()
            );
            let report_dir = "none (check writes nothing)".to_string();
            if errors > 0 {
                return Err(Error::Rejected {
                    errors,
                    report_dir,
                    findings: esms_ledger::run::unacknowledged(&validation),
                });
            }
            if *strict && warnings > 0 {
                return Err(Error::RejectedStrict {
                    warnings,
                    report_dir,
                    findings: esms_ledger::run::unacknowledged(&validation),
                });
            }
            Ok(())
        }
        Command::Diff { inputs, out } => cmd::diff::run(inputs, out),
        Command::Explain {
            file,
            envelope,
            json,
        } => cmd::explain::run(file, envelope.as_deref(), *json),
        Command::Scaffold { file } => cmd::scaffold::run(file),
        Command::Region { name } => match normalise_region(name) {
            Ok(m) => {
                println!(
                    "{}\t{}\t{:?} ({})",
                    m.code.code(),
                    m.code.name(),
                    m.rule,
                    m.matched
                );
                if let Some(w) = m.warning {
                    println!("warning: {w}");
                }
                Ok(())
            }
            Err(e) => Err(Error::Extraction {
                location: "argument".to_string(),
                message: e.to_string(),
            }),
        },
        Command::Rules => {
            for r in esms_ledger::validate::RULES {
                println!("{}\t{}\t{}", r.id, r.severity.as_str(), r.en);
            }
            Ok(())
        }
    }
}
