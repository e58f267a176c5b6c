//! One batch run, the way cron and a person after a new BO publication both use it: take
//! the lock, read every description, extract, normalise, validate, and publish all the
//! outputs at once, or nothing (the previous outputs stay; the report goes to `rejected/`).

use crate::error::Error;
use crate::extract::Extraction;
use crate::extract::sheet::extract_sheet;
use crate::extract::text::{DescriptionRef, extract_text};
use crate::model::Location;
use crate::normalise::{Statement, normalise, rank_statements};
use crate::publish::{self, PublishedFile, Release};
use crate::report::{self, Report};
use crate::sources::{self, ACKNOWLEDGED_FILE, Publication, SourceFormat, sha256_hex};
use crate::validate::{self, Acknowledgement, Detail, FindingBuilder, Rule, Validation};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Where the report of a rejected run goes, inside the output folder.
pub const REJECTED_DIR: &str = "rejected";
pub const MANIFEST: &str = "_manifest.json";
const LOCK_FILE: &str = ".esms-ledger.lock";

#[derive(Debug, Clone)]
pub struct RunOptions {
    pub inputs: PathBuf,
    pub out: PathBuf,
    /// Warnings fail the run too.
    pub strict: bool,
    /// Publish even when the inputs are unchanged since the last publication.
    pub force: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Published,
    /// Same inputs as the last publication, whose files are intact: nothing written.
    Unchanged,
}

#[derive(Debug)]
pub struct RunOutcome {
    pub status: RunStatus,
    pub report: Report,
    pub published: Vec<PublishedFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AcknowledgedFile {
    #[serde(default)]
    acknowledged: Vec<Acknowledgement>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    manifest_version: String,
    tool_version: String,
    schema_version: String,
    input_fingerprint: String,
    status: String,
    started_at: String,
    finished_at: String,
    inputs: Vec<ManifestInput>,
    outputs: Vec<PublishedFile>,
    errors: usize,
    warnings: usize,
    acknowledged: usize,
}

#[derive(Debug, Serialize, Deserialize)]
struct ManifestInput {
    path: String,
    sha256: String,
    bytes: u64,
}

/// The advisory lock of the output folder, released when dropped (or when the process
/// dies: no stale lock to clean up).
struct Lock {
    _file: File,
}

fn lock(out: &Path) -> Result<Lock, Error> {
    std::fs::create_dir_all(out).map_err(|e| Error::output(out, e))?;
    let path = out.join(LOCK_FILE);
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&path)
        .map_err(|e| Error::output(&path, e))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let holder = std::fs::read_to_string(&path).unwrap_or_default();
            let holder = match holder.trim() {
                "" => "holder unknown".to_string(),
                written => written.to_string(),
            };
            return Err(Error::Locked {
                file: path.display().to_string(),
                holder,
            });
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(Error::output(&path, e)),
    }
    // For humans looking at a held lock: who holds it.
    let _ = file.set_len(0);
    let _ = writeln!(file, "pid {} since {}", std::process::id(), now_utc());
    Ok(Lock { _file: file })
}

/// RFC 3339 UTC time, for the manifest only (never in the data or the report).
fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn load_acknowledgements(inputs: &Path) -> Result<(Vec<Acknowledgement>, Option<Vec<u8>>), Error> {
    let path = inputs.join(ACKNOWLEDGED_FILE);
    if !path.exists() {
        return Ok((Vec::new(), None));
    }
    let text = std::fs::read_to_string(&path).map_err(|e| Error::input(&path, e.to_string()))?;
    let file: AcknowledgedFile = sources::parse_toml(&path, &text)?;
    Ok((file.acknowledged, Some(text.into_bytes())))
}

/// The line of `key = …` in a description, for locating what a description states.
fn key_line(text: &str, key: &str, value: &str) -> u32 {
    text.lines()
        .position(|l| l.trim_start().starts_with(key) && l.contains(value))
        .map_or(0, |i| u32::try_from(i + 1).unwrap_or(u32::MAX))
}

fn extract(p: &Publication, spec: &sources::EnvelopeSpec) -> Result<Extraction, Error> {
    match p.format {
        SourceFormat::Text => {
            let text = std::str::from_utf8(&p.bytes)
                .map_err(|e| Error::input(&p.source_path, format!("not UTF-8: {e}")))?;
            extract_text(
                &p.source_name,
                text,
                spec,
                &DescriptionRef {
                    path: &p.description_path,
                    text: &p.description_text,
                },
            )
        }
        SourceFormat::Spreadsheet => {
            let description_name = p
                .description_path
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            let fallback = Location::Line {
                file: description_name,
                line: spec
                    .declared_total
                    .as_deref()
                    .map_or(0, |d| key_line(&p.description_text, "declared_total", d)),
                span: (0, 0),
            };
            extract_sheet(&p.source_name, &p.bytes, spec, &fallback)
        }
    }
}

/// Money is published as DECIMAL(18,2): 16 digits before the comma at most. A figure
/// beyond is a typing error in the source, reported where it stands.
fn check_magnitudes(extraction: &Extraction) -> Result<(), Error> {
    let limit = rust_decimal::Decimal::from(10_000_000_000_000_000i64);
    let stated = extraction
        .items
        .iter()
        .flat_map(|i| std::iter::once(&i.amount).chain(i.previous.as_ref()))
        .chain(extraction.declared_total.as_ref())
        .chain(extraction.total_row.as_ref())
        .chain(extraction.claims.iter().filter_map(|c| match &c.kind {
            crate::model::ClaimKind::Money { amount } => Some(amount),
            crate::model::ClaimKind::Count { .. } => None,
        }));
    for s in stated {
        if s.amount.value.abs() >= limit {
            return Err(Error::extraction(
                &s.location,
                format!(
                    "\"{}\" is {} €, more than the 16 digits before the comma that the published DECIMAL(18,2) holds: a typing error?",
                    s.raw, s.amount.value
                ),
            ));
        }
    }
    Ok(())
}

/// Reads, extracts, normalises and validates; publishes nothing.
pub fn analyse(
    inputs: &Path,
) -> Result<(Vec<Publication>, Vec<Statement>, Validation, String), Error> {
    let publications = sources::load_publications(inputs)?;
    let (acks, ack_bytes) = load_acknowledgements(inputs)?;
    let mut statements = Vec::new();
    for p in &publications {
        for spec in &p.envelopes {
            let extraction = extract(p, spec)?;
            check_magnitudes(&extraction)?;
            tracing::debug!(publication = %p.meta.id, envelope = %spec.id, items = extraction.items.len(), claims = extraction.claims.len(), "extracted");
            statements.push(normalise(p, spec, extraction));
        }
    }
    rank_statements(&mut statements);
    let mut validation = validate::validate(&statements);
    for ack in validate::apply_acknowledgements(&mut validation, &acks) {
        validation.findings.push({
            let mut f = FindingBuilder::new(
                Rule::AcknowledgementUnused,
                "",
                "acknowledged",
                ack.fingerprint.clone(),
                Detail::AcknowledgementUnused {
                    fingerprint: ack.fingerprint.clone(),
                    reason: ack.reason.clone(),
                },
            )
            .build();
            f.envelope_id = None;
            f
        });
    }
    let fingerprint = input_fingerprint(&publications, ack_bytes.as_deref());
    Ok((publications, statements, validation, fingerprint))
}

/// sha256 of the tool and schema versions and of every description, source and the
/// acknowledgement file: the same inputs give the same fingerprint, whatever the file times.
fn input_fingerprint(publications: &[Publication], acks: Option<&[u8]>) -> String {
    let mut parts = vec![
        env!("CARGO_PKG_VERSION").to_string(),
        crate::dataset::SCHEMA_VERSION.to_string(),
    ];
    for p in publications {
        parts.push(format!(
            "{}:{}:{}",
            p.meta.id,
            sha256_hex(p.description_text.as_bytes()),
            p.source_sha256
        ));
    }
    parts.push(acks.map_or_else(String::new, sha256_hex));
    sha256_hex(parts.join("\n").as_bytes())
}

fn unchanged(out: &Path, fingerprint: &str) -> bool {
    let Ok(text) = std::fs::read_to_string(out.join(MANIFEST)) else {
        return false;
    };
    let Ok(manifest) = serde_json::from_str::<Manifest>(&text) else {
        return false;
    };
    manifest.input_fingerprint == fingerprint
        && manifest.outputs.iter().all(|o| {
            std::fs::read(out.join(&o.name)).is_ok_and(|bytes| sha256_hex(&bytes) == o.sha256)
        })
}

pub fn run(opts: &RunOptions) -> Result<RunOutcome, Error> {
    let started_at = now_utc();
    if !opts.inputs.is_dir() {
        return Err(Error::input(
            &opts.inputs,
            "inputs folder not found".to_string(),
        ));
    }
    let _lock = lock(&opts.out)?;
    let span =
        tracing::info_span!("run", inputs = %opts.inputs.display(), out = %opts.out.display());
    let _entered = span.enter();
    publish::remove_stale_staging(&opts.out);
    publish::remove_stale_staging(&opts.out.join(REJECTED_DIR));
    let (publications, statements, validation, fingerprint) = analyse(&opts.inputs)?;
    let dataset = crate::tables::build(&publications, &statements, &validation);

    let errors = validation.count(crate::model::Severity::Error, false);
    let warnings = validation.count(crate::model::Severity::Warning, false);
    let rejected = errors > 0 || (opts.strict && warnings > 0);
    let status = if rejected { "rejected" } else { "published" };
    let report = report::build(&fingerprint, status, &statements, &validation, &dataset);
    let json =
        report::to_json(&report).map_err(|e| Error::Internal(format!("report.json: {e}")))?;
    let markdown = report::to_markdown(&report);
    let html = report::to_html(&markdown);

    if rejected {
        let dir = opts.out.join(REJECTED_DIR);
        let mut release = Release::new(&dir)?;
        release.add("report.json", json.as_bytes())?;
        release.add("report.md", markdown.as_bytes())?;
        release.add("report.html", html.as_bytes())?;
        release.commit()?;
        let report_dir = dir.display().to_string();
        return Err(if errors > 0 {
            Error::Rejected { errors, report_dir }
        } else {
            Error::RejectedStrict {
                warnings,
                report_dir,
            }
        });
    }

    // A report of an earlier rejected run no longer describes what is published.
    let stale_rejection = opts.out.join(REJECTED_DIR);
    if !opts.force && unchanged(&opts.out, &fingerprint) {
        if stale_rejection.is_dir() {
            let _ = std::fs::remove_dir_all(&stale_rejection);
        }
        tracing::info!(fingerprint = %fingerprint, "inputs unchanged since the last publication; nothing written");
        return Ok(RunOutcome {
            status: RunStatus::Unchanged,
            report,
            published: Vec::new(),
        });
    }

    let metadata = vec![("esms.input_fingerprint".to_string(), fingerprint.clone())];
    let mut release = Release::new(&opts.out)?;
    for (name, mut frame) in publish::frames(&dataset)? {
        let bytes = publish::parquet_bytes(&mut frame, &metadata)?;
        release.add(name, &bytes)?;
    }
    release.add("report.json", json.as_bytes())?;
    release.add("report.md", markdown.as_bytes())?;
    release.add("report.html", html.as_bytes())?;
    // The manifest lists what the release holds, so it is staged last, once the others'
    // hashes are known.
    let staged = release.staged();
    let manifest = Manifest {
        manifest_version: "1".to_string(),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        schema_version: crate::dataset::SCHEMA_VERSION.to_string(),
        input_fingerprint: fingerprint,
        status: status.to_string(),
        started_at,
        finished_at: now_utc(),
        inputs: publications
            .iter()
            .map(|p| ManifestInput {
                path: p.source_name.clone(),
                sha256: p.source_sha256.clone(),
                bytes: p.bytes.len() as u64,
            })
            .collect(),
        outputs: staged,
        errors,
        warnings,
        acknowledged: report.summary.acknowledged,
    };
    let manifest_json = serde_json::to_string_pretty(&manifest)
        .map_err(|e| Error::Internal(format!("manifest: {e}")))?;
    release.add(MANIFEST, manifest_json.as_bytes())?;
    let published = release.commit()?;
    // A report of an earlier rejected run no longer describes the published outputs.
    let stale = opts.out.join(REJECTED_DIR);
    if stale.is_dir() {
        let _ = std::fs::remove_dir_all(&stale);
    }
    Ok(RunOutcome {
        status: RunStatus::Published,
        report,
        published,
    })
}
