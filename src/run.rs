//! One batch run, the way cron and a person after a new BO publication both use it: take
//! the lock, read every description, extract, normalise, validate, and publish all the
//! outputs at once, or nothing (the previous outputs stay; the candidate tables and the
//! report go to `rejected/`, replacing the previous rejected set as a whole).

use crate::error::{Error, Unacknowledged};
use crate::extract::extract;
use crate::model::{Severity, Statement};
use crate::normalise::{normalise, rank_statements};
use crate::publish::release::{self, MANIFEST, Manifest, ManifestInput};
use crate::publish::{self, PublishedFile, Release};
use crate::report::{self, Report};
use crate::sources::{self, ACKNOWLEDGED_FILE, Publication, sha256_hex};
use crate::validate::{self, Acknowledgement, FindingBuilder, Validation};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Where the candidate set of a rejected run goes, inside the output folder.
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
    let publications = sources::load_publications(inputs)?;
    let (acks, ack_bytes) = load_acknowledgements(inputs)?;
    let mut statements = Vec::new();
    for p in &publications {
        for (index, spec) in p.envelopes.iter().enumerate() {
            let extraction = extract(p, index, spec)?;
            tracing::debug!(publication = %p.meta.id, envelope = %spec.id, items = extraction.items.len(), claims = extraction.claims.len(), "extracted");
            statements.push(normalise(p, spec, extraction));
        }
    }
    rank_statements(&mut statements);
    let mut validation = validate::validate(&statements);
    for ack in validate::apply_acknowledgements(&mut validation, &acks) {
        validation.findings.push({
            let mut f = FindingBuilder::new("acknowledgement.unused", "", "acknowledged", ack.fingerprint.clone())
                .messages(
                    format!("acknowledgement {} matches no finding", ack.fingerprint),
                    format!(
                        "L'acquittement `{}` (« {} ») ne correspond plus à aucun constat : le retirer de {ACKNOWLEDGED_FILE}.",
                        ack.fingerprint, ack.reason
                    ),
                )
                .build();
            f.envelope_id = None;
            f
        });
    }
    let fingerprint = input_fingerprint(&publications, ack_bytes.as_deref());
    Ok((publications, statements, validation, fingerprint))
}

/// The five Parquet tables and the three reports, in publication order.
fn stage_candidate(
    release: &mut Release,
    dataset: &crate::dataset::Dataset,
    metadata: &[(String, String)],
    [json, markdown, html]: [&String; 3],
) -> Result<(), Error> {
    for (name, mut frame) in publish::frames(dataset)? {
        let bytes = publish::parquet_bytes(&mut frame, metadata)?;
        release.add(name, &bytes)?;
    }
    release.add("report.json", json.as_bytes())?;
    release.add("report.md", markdown.as_bytes())?;
    release.add("report.html", html.as_bytes())
}

/// The findings that fail a run or would fail it with `--strict`, errors first, as stderr
/// lists them.
pub fn unacknowledged(validation: &Validation) -> Vec<Unacknowledged> {
    let listed = |severity: Severity| {
        validation
            .findings
            .iter()
            .filter(move |f| f.severity == severity && f.acknowledged.is_none())
            .map(|f| Unacknowledged {
                severity: f.severity.as_str().to_string(),
                rule: f.rule.to_string(),
                location: f
                    .locations
                    .first()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                fingerprint: f.fingerprint.clone(),
                message: f.message.clone(),
            })
    };
    listed(Severity::Error)
        .chain(listed(Severity::Warning))
        .collect()
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

    let metadata = vec![("esms.input_fingerprint".to_string(), fingerprint.clone())];
    if rejected {
        // The whole candidate set, so that an analyst can open what was refused; the
        // published set is not touched.
        let mut release = Release::new(&opts.out)?;
        stage_candidate(&mut release, &dataset, &metadata, [&json, &markdown, &html])?;
        release.commit_as_folder(REJECTED_DIR)?;
        let report_dir = opts.out.join(REJECTED_DIR).display().to_string();
        let findings = unacknowledged(&validation);
        return Err(if errors > 0 {
            Error::Rejected {
                errors,
                report_dir,
                findings,
            }
        } else {
            Error::RejectedStrict {
                warnings,
                report_dir,
                findings,
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

    let mut release = Release::new(&opts.out)?;
    stage_candidate(&mut release, &dataset, &metadata, [&json, &markdown, &html])?;
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
        finished_at: release::now_utc(),
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
