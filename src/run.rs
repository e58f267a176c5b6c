//! One batch run, the way cron and a person after a new BO publication both use it: take
//! the lock, read every description, extract, normalise, validate, and publish all the
//! outputs at once, or nothing (the previous outputs stay; the report goes to `rejected/`).

use crate::core::sha256_hex;
use crate::error::Error;
use crate::extract::extract_into;
use crate::model::Publication;
use crate::model::Statement;
use crate::normalise::{Normaliser, rank_statements};
use crate::publish::release::{self, MANIFEST, Manifest, ManifestInput};
use crate::publish::report::{self, Report};
use crate::publish::{self, PublishedFile, Release};
use crate::sources::{self, ACKNOWLEDGED_FILE};
use crate::validate::{self, Acknowledgement, Detail, FindingBuilder, Rule, Validation};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Where the report of a rejected run goes, inside the output folder.
pub const REJECTED_DIR: &str = "rejected";

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

fn load_acknowledgements(inputs: &Path) -> Result<(Vec<Acknowledgement>, Option<Vec<u8>>), Error> {
    let path = inputs.join(ACKNOWLEDGED_FILE);
    if !path.exists() {
        return Ok((Vec::new(), None));
    }
    let text = std::fs::read_to_string(&path).map_err(|e| Error::input(&path, e.to_string()))?;
    let file: AcknowledgedFile = sources::parse_toml(&path, &text)?;
    Ok((file.acknowledged, Some(text.into_bytes())))
}

/// Reads, extracts, normalises and validates; publishes nothing.
pub fn analyse(
    inputs: &Path,
) -> Result<(Vec<Publication>, Vec<Statement>, Validation, String), Error> {
    let clock = std::time::Instant::now();
    let publications = sources::load_publications(inputs)?;
    tracing::debug!(elapsed = ?clock.elapsed(), "descriptions and sources loaded");
    let (acks, ack_bytes) = load_acknowledgements(inputs)?;
    let mut statements = Vec::new();
    for p in &publications {
        for (index, spec) in p.envelopes.iter().enumerate() {
            // Each item is normalised as it is read: a spreadsheet's rows are never all
            // held as read.
            let mut normaliser = Normaliser::new(p, spec);
            let extraction = extract_into(p, index, spec, &mut normaliser)?;
            let statement = normaliser.finish(extraction);
            tracing::debug!(publication = %p.meta.id, envelope = %spec.id, facts = statement.facts.len(), facts_bytes = statement.facts.footprint(), claims = statement.claims.len(), "extracted");
            statements.push(statement);
        }
    }
    tracing::debug!(elapsed = ?clock.elapsed(), "extracted and normalised");
    rank_statements(&mut statements);
    let clock = std::time::Instant::now();
    let mut validation = validate::validate(&statements);
    tracing::debug!(elapsed = ?clock.elapsed(), "validated");
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
        crate::publish::dataset::SCHEMA_VERSION.to_string(),
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

pub fn run(opts: &RunOptions) -> Result<RunOutcome, Error> {
    let started_at = release::now_utc();
    if !opts.inputs.is_dir() {
        return Err(Error::input(
            &opts.inputs,
            "inputs folder not found".to_string(),
        ));
    }
    let _lock = release::lock(&opts.out)?;
    let span =
        tracing::info_span!("run", inputs = %opts.inputs.display(), out = %opts.out.display());
    let _entered = span.enter();
    publish::remove_stale_staging(&opts.out);
    publish::remove_stale_staging(&opts.out.join(REJECTED_DIR));
    let clock = std::time::Instant::now();
    let (publications, statements, validation, fingerprint) = analyse(&opts.inputs)?;
    tracing::debug!(elapsed = ?clock.elapsed(), "read, normalised and validated");
    let allocations = crate::publish::tables::Allocations::new(&statements, &validation);
    let dataset =
        crate::publish::tables::build_without_allocations(&publications, &statements, &validation);

    let errors = validation.count(crate::model::Severity::Error, false);
    let warnings = validation.count(crate::model::Severity::Warning, false);
    let rejected = errors > 0 || (opts.strict && warnings > 0);
    let status = if rejected { "rejected" } else { "published" };
    let report = report::build(
        &fingerprint,
        status,
        &statements,
        &validation,
        &dataset,
        &allocations,
    );
    let json =
        report::to_json(&report).map_err(|e| Error::Internal(format!("report.json: {e}")))?;
    let markdown = report::to_markdown(&report);
    let html = report::to_html(&markdown);
    tracing::debug!(elapsed = ?clock.elapsed(), "tables and reports built");

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
    if !opts.force && release::unchanged(&opts.out, &fingerprint) {
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
        if name == publish::ALLOCATIONS {
            // Written row group by row group, straight to its staged file.
            release.add_with(name, |out| {
                publish::write_allocations(&allocations, out, &metadata)
            })?;
            continue;
        }
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
        schema_version: crate::publish::dataset::SCHEMA_VERSION.to_string(),
        input_fingerprint: fingerprint,
        status: status.to_string(),
        started_at,
        finished_at: release::now_utc(),
        inputs: publications
            .iter()
            .map(|p| ManifestInput {
                path: p.source_name.clone(),
                sha256: p.source_sha256.clone(),
                bytes: p.source_len,
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
    tracing::debug!(elapsed = ?clock.elapsed(), "outputs written");
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
