//! One batch run, the way cron and a person after a new BO publication both use it: take
//! the lock, read every description, extract, normalise, validate, and publish all the
//! outputs at once, or nothing (the previous outputs stay; the candidate tables and the
//! report go to `rejected/`, replacing the previous rejected set as a whole).

use crate::core::sha256_hex;
use crate::error::{Error, Unacknowledged};
use crate::extract::{Source, extract_into};
use crate::model::{Publication, Severity, Statement};
use crate::normalise::{Normaliser, mark_restatements, rank_statements};
use crate::publish::diff::{self, Diff, Snapshot};
use crate::publish::release::{self, MANIFEST, Manifest, ManifestInput};
use crate::publish::report::{self, Report};
use crate::publish::tables::Allocations;
use crate::publish::{self, PublishedFile, Release};
use crate::sources::{self, ACKNOWLEDGED_FILE};
use crate::validate::{self, Acknowledgement, Validation};
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
    let clock = std::time::Instant::now();
    let publications = sources::load_publications(inputs)?;
    tracing::debug!(elapsed = ?clock.elapsed(), "descriptions and sources loaded");
    let (acks, ack_bytes) = load_acknowledgements(inputs)?;
    let mut statements = Vec::new();
    for p in &publications {
        let source = Source::read(p)?;
        for (index, spec) in p.envelopes.iter().enumerate() {
            // Each item is normalised as it is read: a spreadsheet's rows are never all
            // held as read.
            let mut normaliser = Normaliser::new(p, spec);
            let extraction = extract_into(p, &source, index, spec, &mut normaliser)?;
            let statement = normaliser.finish(extraction);
            tracing::debug!(publication = %p.meta.id, envelope = %spec.id, facts = statement.facts.len(), facts_bytes = statement.facts.footprint(), claims = statement.claims.len(), "extracted");
            statements.push(statement);
        }
    }
    tracing::debug!(elapsed = ?clock.elapsed(), "extracted and normalised");
    rank_statements(&mut statements);
    mark_restatements(&mut statements);
    let clock = std::time::Instant::now();
    let mut validation = validate::validate(&statements);
    tracing::debug!(elapsed = ?clock.elapsed(), "validated");
    validate::apply_acknowledgements(&mut validation, &acks);
    let fingerprint = input_fingerprint(&publications, ack_bytes.as_deref());
    Ok((publications, statements, validation, fingerprint))
}

/// The five Parquet tables and the three reports, in publication order.
fn stage_candidate(
    release: &mut Release,
    dataset: &crate::publish::dataset::Dataset,
    allocations: &Allocations<'_>,
    diff: &Diff,
    metadata: &[(String, String)],
    [json, markdown, html]: [&String; 3],
) -> Result<(), Error> {
    for (name, mut frame) in publish::frames(dataset)? {
        if name == publish::ALLOCATIONS {
            // Written row group by row group, straight to its staged file.
            release.add_with(name, |out| {
                publish::write_allocations(allocations, out, metadata)
            })?;
            continue;
        }
        let bytes = publish::parquet_bytes(&mut frame, metadata)?;
        release.add(name, &bytes)?;
    }
    let bytes = publish::parquet_bytes(&mut diff::frame(diff)?, metadata)?;
    release.add(diff::DIFF, &bytes)?;
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
                message: f.message(),
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

/// Each source once, as report.html embeds it. A source that cannot be read again (it was
/// read a moment ago) is left out of the page, never a reason to fail the run.
fn source_views(publications: &[Publication]) -> Vec<crate::model::source_view::SourceView> {
    let mut seen = std::collections::BTreeSet::new();
    publications
        .iter()
        .filter(|p| seen.insert(p.source_name.clone()))
        .filter_map(|p| {
            Source::read_checked(p)
                .ok()
                .map(|source| crate::extract::view::view(&p.source_name, &source))
        })
        .collect()
}

/// This run's dataset against the one published in `out`. A published dataset that cannot
/// be read back is no reason to refuse a run: the diff then has no baseline, and says so.
fn diff_against_published(
    out: &Path,
    dataset: &crate::publish::dataset::Dataset,
    allocations: &Allocations<'_>,
) -> Diff {
    let unreadable = |error: &Error| {
        tracing::warn!(%error, "the last publication cannot be read back: the diff has no baseline");
    };
    let mut previous = Snapshot::read_published(out).unwrap_or_else(|error| {
        unreadable(&error);
        None
    });
    let current = Snapshot::of(dataset, allocations, previous.is_some());
    let published =
        Snapshot::spell_published(out, &diff::removed_rows(previous.as_ref(), &current))
            .unwrap_or_else(|error| {
                unreadable(&error);
                previous = None;
                std::collections::BTreeMap::new()
            });
    compare(previous.as_ref(), &current, &published, allocations)
}

/// This run's snapshot against `previous`: the keys of its amounts spelt from this run's
/// statements, or from `published` (the rows read back from the last publication) for
/// those this run no longer has.
fn compare(
    previous: Option<&Snapshot>,
    current: &Snapshot,
    published: &std::collections::BTreeMap<u64, diff::AmountKey>,
    allocations: &Allocations<'_>,
) -> Diff {
    diff::compare(previous, current, &|side, origin| {
        let key = match side {
            diff::Side::Run => allocations.key_at(origin),
            diff::Side::Published => published.get(&origin).cloned(),
        };
        key.unwrap_or_default()
    })
}

/// `esms-ledger diff`: what a run of `inputs` would change in `out`; writes nothing.
pub fn diff(inputs: &Path, out: &Path) -> Result<Diff, Error> {
    if !inputs.is_dir() {
        return Err(Error::input(inputs, "inputs folder not found".to_string()));
    }
    let (publications, statements, validation, _) = analyse(inputs)?;
    let allocations = Allocations::new(&statements, &validation);
    let dataset =
        crate::publish::tables::build_without_allocations(&publications, &statements, &validation);
    let previous = Snapshot::read_published(out)?;
    let current = Snapshot::of(&dataset, &allocations, previous.is_some());
    let published =
        Snapshot::spell_published(out, &diff::removed_rows(previous.as_ref(), &current))?;
    Ok(compare(
        previous.as_ref(),
        &current,
        &published,
        &allocations,
    ))
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
    let clock = std::time::Instant::now();
    let (publications, statements, validation, fingerprint) = analyse(&opts.inputs)?;
    crate::core::memory::give_back_freed();
    tracing::debug!(elapsed = ?clock.elapsed(), "read, normalised and validated");
    let allocations = crate::publish::tables::Allocations::new(&statements, &validation);
    let dataset =
        crate::publish::tables::build_without_allocations(&publications, &statements, &validation);
    tracing::debug!(elapsed = ?clock.elapsed(), "tables built");

    let errors = validation.count(crate::model::Severity::Error, false);
    let warnings = validation.count(crate::model::Severity::Warning, false);
    let rejected = errors > 0 || (opts.strict && warnings > 0);
    let status = if rejected { "rejected" } else { "published" };
    let mut report = report::build(
        &fingerprint,
        status,
        &statements,
        &validation,
        &dataset,
        &allocations,
    );
    tracing::debug!(elapsed = ?clock.elapsed(), "report built");
    // The sources as report.html shows them are read on a thread of their own while the
    // last publication is read back for the diff: each reads a file of its own.
    let (diff, views) = std::thread::scope(|scope| {
        let views = std::thread::Builder::new()
            .name("source-views".to_string())
            .spawn_scoped(scope, || source_views(&publications));
        let diff = diff_against_published(&opts.out, &dataset, &allocations);
        let views = match views {
            Ok(handle) => handle.join().unwrap_or_default(),
            Err(_) => source_views(&publications),
        };
        (diff, views)
    });
    report.diff = Some(diff.listed());
    tracing::debug!(elapsed = ?clock.elapsed(), "diffed, sources viewed");
    let json =
        report::to_json(&report).map_err(|e| Error::Internal(format!("report.json: {e}")))?;
    let markdown = report::to_markdown(&report);
    let html = crate::publish::html::render(&report, &views);
    tracing::debug!(elapsed = ?clock.elapsed(), "reports written");

    let metadata = vec![("esms.input_fingerprint".to_string(), fingerprint.clone())];
    if rejected {
        // The whole candidate set, so that an analyst can open what was refused; the
        // published set is not touched.
        let mut release = Release::new(&opts.out)?;
        stage_candidate(
            &mut release,
            &dataset,
            &allocations,
            &diff,
            &metadata,
            [&json, &markdown, &html],
        )?;
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
    stage_candidate(
        &mut release,
        &dataset,
        &allocations,
        &diff,
        &metadata,
        [&json, &markdown, &html],
    )?;
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
