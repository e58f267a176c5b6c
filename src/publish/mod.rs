//! Stage 5: the dataset as Parquet files BI tools read, published all-or-nothing.
//!
//! Types follow /work/shared/reference/parquet-for-bi.md: money is `DECIMAL(18,2)` backed by
//! INT64 (the widest precision Tableau Hyper, Power Query's Fixed Decimal and .NET readers all
//! take), dates are Parquet `DATE`, text is plain `String` (no categoricals), counts are signed
//! INT32, and no column is ever Null-typed (DuckDB would type it `NULL`). Files are
//! snappy-compressed (the most widely supported codec; polars' zstd default is not read by
//! every old reader) and carry an `ARROW:schema` built at `CompatLevel::oldest()`, so
//! Arrow-C++ readers see `large_string` instead of `string_view`. The same frame always gives
//! the same bytes, which the manifest's hashes and skip-if-unchanged rely on.
//!
//! Publication follows batch-conventions §2.3: each file is staged inside the output
//! directory (same filesystem, so `rename` is atomic), synced, renamed over its target, and
//! the directory synced; nothing is renamed before every file is staged, and the renames are
//! written down first so that a run killed half-way is completed by the next one. A set
//! that is replaced as a whole (the candidate set of a rejected run) is staged as a folder
//! and swapped in by two renames.

mod allocations;
pub mod dataset;
pub mod diff;
pub mod html;
pub mod map;
pub mod readback;
pub mod release;
pub mod report;
pub mod tables;

pub use allocations::{ROW_GROUP_ROWS, write_allocations};

use crate::error::Error;
use crate::publish::dataset::{
    AllocationRow, Dataset, EnvelopeRow, FindingRow, PublicationRow, RegionRow, SCHEMA_VERSION,
};
use chrono::NaiveDate;
use polars::prelude::*;
use rust_decimal::Decimal;
use serde::Serialize;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Names of the published Parquet files, in publication order.
pub const ALLOCATIONS: &str = "allocations.parquet";
pub const ENVELOPES: &str = "envelopes.parquet";
pub const FINDINGS: &str = "findings.parquet";
pub const PUBLICATIONS: &str = "publications.parquet";
pub const REGIONS: &str = "regions.parquet";

/// Parquet key-value metadata key holding `dataset::SCHEMA_VERSION`.
pub const SCHEMA_VERSION_KEY: &str = "esms.schema_version";

/// The key under which Arrow writers (polars included) store the Arrow schema.
const ARROW_SCHEMA_KEY: &str = "ARROW:schema";

/// Money columns: DECIMAL(18,2). Precision 18 is the most an INT64 holds, and the ceiling
/// of Tableau Hyper storage and Power Query's Fixed Decimal; scale 2 is the cent.
const MONEY_PRECISION: usize = 18;
const MONEY_SCALE: u32 = 2;

/// Staging directories start with a dot so that BI globs (`*.parquet`) and folder
/// connectors that skip hidden entries never see them.
const STAGING_PREFIX: &str = ".staging-";

/// In a staging directory, the renames its commit is doing (see `remove_stale_staging`).
const COMMIT_PLAN: &str = "commit.json";

/// One rename of a commit plan: a staged file and the name it is published under.
#[derive(Debug, Serialize, serde::Deserialize)]
struct PlannedRename {
    staged: String,
    name: String,
}

/// Cleans what a killed run left in `out_dir`. Call it only while holding the run lock:
/// another run's staging folder is then impossible.
///
/// A staging folder holding a commit plan belongs to a run that was accepted and had
/// started renaming its files into place: the renames it did not do are done now (the
/// manifest, renamed last, then describes the files beside it), so that the folder never
/// stays a mix of two runs. Any other staging folder is removed.
pub fn remove_stale_staging(out_dir: &Path) {
    let Ok(entries) = fs::read_dir(out_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let stale = entry
            .file_name()
            .to_string_lossy()
            .starts_with(STAGING_PREFIX)
            && entry.file_type().is_ok_and(|t| t.is_dir());
        if !stale {
            continue;
        }
        let path = entry.path();
        if path.join(COMMIT_PLAN).is_file() {
            match roll_forward(out_dir, &path) {
                Ok(0) => {}
                Ok(renamed) => {
                    tracing::warn!(path = %path.display(), renamed, "completed the publication an interrupted run had started")
                }
                Err(error) => {
                    tracing::warn!(path = %path.display(), %error, "cannot complete the publication an interrupted run had started")
                }
            }
        }
        match fs::remove_dir_all(&path) {
            Ok(()) => {
                tracing::info!(path = %path.display(), "removed a staging folder left by an interrupted run")
            }
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "cannot remove a stale staging folder")
            }
        }
    }
}

/// Does the renames of `staging`'s commit plan that were not done; returns how many.
fn roll_forward(out_dir: &Path, staging: &Path) -> Result<usize, Error> {
    let plan_path = staging.join(COMMIT_PLAN);
    let text = fs::read_to_string(&plan_path).map_err(|e| Error::output(&plan_path, e))?;
    let plan: Vec<PlannedRename> = serde_json::from_str(&text)
        .map_err(|e| Error::Internal(format!("{}: {e}", plan_path.display())))?;
    let mut renamed = 0;
    for step in plan {
        check_name(&step.name)?;
        check_name(&step.staged)?;
        let from = staging.join(&step.staged);
        if from.is_file() {
            rename_into(out_dir, &from, &step.name)?;
            renamed += 1;
        }
    }
    Ok(renamed)
}

/// Build the five frames (file name, DataFrame) from a Dataset, in publication order; the
/// columns are the row structs' fields, in field order, with their contract types.
pub fn frames(dataset: &Dataset) -> Result<Vec<(&'static str, DataFrame)>, Error> {
    Ok(vec![
        (ALLOCATIONS, allocations_frame(&dataset.allocations)?),
        (ENVELOPES, envelopes(&dataset.envelopes)?),
        (FINDINGS, findings(&dataset.findings)?),
        (PUBLICATIONS, publications(&dataset.publications)?),
        (REGIONS, regions(&dataset.regions)?),
    ])
}

fn allocations_frame(rows: &[AllocationRow]) -> Result<DataFrame, Error> {
    Columns::new(rows)
        .text("publication_id", |r| &r.publication_id)
        .text("envelope_id", |r| &r.envelope_id)
        .text("programme", |r| &r.programme)
        .int("exercise", |r| r.exercise)
        .text("phase", |r| &r.phase)
        .text("channel", |r| &r.channel)
        .opt_text("region_code", |r| r.region_code.as_deref())
        .opt_text("region_name", |r| r.region_name.as_deref())
        .opt_text("beneficiary", |r| r.beneficiary.as_deref())
        .money("amount_eur", |r| Some(&r.amount_eur))?
        .text("amount_kind", |r| &r.amount_kind)
        .flag("superseded", |r| r.superseded)
        .text("raw_label", |r| &r.raw_label)
        .text("raw_amount", |r| &r.raw_amount)
        .text("source_file", |r| &r.source_file)
        .count("source_line", |r| r.source_line)?
        .opt_text("source_span", |r| r.source_span.as_deref())
        .text("role", |r| &r.role)
        .flag("counted", |r| r.counted)
        .opt_text("identifier", |r| r.identifier.as_deref())
        .opt_text("source_sheet", |r| r.source_sheet.as_deref())
        .opt_text("source_cell", |r| r.source_cell.as_deref())
        .count("label_line", |r| r.label_line)?
        .opt_text("label_span", |r| r.label_span.as_deref())
        .count("source_page", |r| r.source_page)?
        .opt_text("source_printed_page", |r| r.source_printed_page.as_deref())
        .opt_text("territory_code", |r| r.territory_code.as_deref())
        .finish()
}

/// A line number or count as the INT32 it is published as (see `Columns::count`).
fn count(name: &str, value: Option<u32>) -> Result<Option<i32>, Error> {
    value
        .map(|n| {
            i32::try_from(n)
                .map_err(|_| Error::Internal(format!("column {name}: {n} does not fit INT32")))
        })
        .transpose()
}

fn envelopes(rows: &[EnvelopeRow]) -> Result<DataFrame, Error> {
    Columns::new(rows)
        .text("envelope_id", |r| &r.envelope_id)
        .text("publication_id", |r| &r.publication_id)
        .int("exercise", |r| r.exercise)
        .text("phase", |r| &r.phase)
        .text("channel", |r| &r.channel)
        .text("breakdown", |r| &r.breakdown)
        .money("declared_total_eur", |r| r.declared_total_eur.as_ref())?
        .opt_text("declared_as", |r| r.declared_as.as_deref())
        .money("computed_total_eur", |r| Some(&r.computed_total_eur))?
        .count("components", |r| Some(r.components))?
        .money("difference_eur", |r| r.difference_eur.as_ref())?
        .text("programme", |r| &r.programme)
        .opt_text("parent_envelope_id", |r| r.parent_envelope_id.as_deref())
        .text("role", |r| &r.role)
        .opt_text("declared_kind", |r| r.declared_kind.as_deref())
        .money("tolerance_eur", |r| r.tolerance_eur.as_ref())?
        .text("source_file", |r| &r.source_file)
        .count("source_line", |r| r.source_line)?
        .opt_text("source_sheet", |r| r.source_sheet.as_deref())
        .opt_text("source_cell", |r| r.source_cell.as_deref())
        .count("source_page", |r| r.source_page)?
        .opt_text("source_printed_page", |r| r.source_printed_page.as_deref())
        .finish()
}

fn findings(rows: &[FindingRow]) -> Result<DataFrame, Error> {
    Columns::new(rows)
        .text("rule", |r| &r.rule)
        .text("severity", |r| &r.severity)
        .opt_text("envelope_id", |r| r.envelope_id.as_deref())
        .text("message", |r| &r.message)
        .money("expected_eur", |r| r.expected_eur.as_ref())?
        .money("actual_eur", |r| r.actual_eur.as_ref())?
        .money("difference_eur", |r| r.difference_eur.as_ref())?
        .opt_text("source_file", |r| r.source_file.as_deref())
        .count("source_line", |r| r.source_line)?
        .text("fingerprint", |r| &r.fingerprint)
        .flag("acknowledged", |r| r.acknowledged)
        .money("tolerance_eur", |r| r.tolerance_eur.as_ref())?
        .text("subject", |r| &r.subject)
        .opt_text("source_sheet", |r| r.source_sheet.as_deref())
        .opt_text("source_cell", |r| r.source_cell.as_deref())
        .text("message_fr", |r| &r.message_fr)
        .count("source_page", |r| r.source_page)?
        .opt_text("source_printed_page", |r| r.source_printed_page.as_deref())
        .finish()
}

fn publications(rows: &[PublicationRow]) -> Result<DataFrame, Error> {
    Columns::new(rows)
        .text("publication_id", |r| &r.publication_id)
        .text("title", |r| &r.title)
        .text("issuer", |r| &r.issuer)
        .text("kind", |r| &r.kind)
        .date("published_on", |r| r.published_on)
        .text("source_file", |r| &r.source_file)
        .text("source_sha256", |r| &r.source_sha256)
        .opt_text("reference", |r| r.reference.as_deref())
        .opt_text("url", |r| r.url.as_deref())
        .finish()
}

fn regions(rows: &[RegionRow]) -> Result<DataFrame, Error> {
    Columns::new(rows)
        .text("region_code", |r| &r.region_code)
        .text("region_name", |r| &r.region_name)
        .finish()
}

/// Builds a frame one whole column at a time from a slice of rows. Every method fixes the
/// column's dtype itself, so a column whose values are all null still gets its contract
/// type instead of polars' `Null`.
struct Columns<'a, R> {
    rows: &'a [R],
    columns: Vec<Column>,
}

impl<'a, R> Columns<'a, R> {
    fn new(rows: &'a [R]) -> Self {
        Columns {
            rows,
            columns: Vec::new(),
        }
    }

    fn push(mut self, column: Column) -> Self {
        self.columns.push(column);
        self
    }

    fn text(self, name: &'static str, value: impl Fn(&R) -> &str) -> Self {
        let values = self.rows.iter().map(value);
        let column = StringChunked::from_iter_values(PlSmallStr::from_static(name), values);
        self.push(column.into_column())
    }

    fn opt_text(self, name: &'static str, value: impl Fn(&R) -> Option<&str>) -> Self {
        let values = self.rows.iter().map(value);
        let column = StringChunked::from_iter_options(PlSmallStr::from_static(name), values);
        self.push(column.into_column())
    }

    fn int(self, name: &'static str, value: impl Fn(&R) -> i32) -> Self {
        let values = self.rows.iter().map(value);
        let column = Int32Chunked::from_iter_values(PlSmallStr::from_static(name), values);
        self.push(column.into_column())
    }

    /// Line numbers and counts are `u32` in the rows but published as signed INT32, the one
    /// integer every Parquet reader takes as is (the UINT_32 annotation is not: Spark only
    /// reads it since 3.2); no line number or component count comes near 2^31, and one that
    /// did would be a bug, reported rather than wrapped.
    fn count(self, name: &'static str, value: impl Fn(&R) -> Option<u32>) -> Result<Self, Error> {
        let values = self
            .rows
            .iter()
            .map(|row| count(name, value(row)))
            .collect::<Result<Vec<Option<i32>>, Error>>()?;
        let column =
            Int32Chunked::from_iter_options(PlSmallStr::from_static(name), values.into_iter());
        Ok(self.push(column.into_column()))
    }

    fn flag(self, name: &'static str, value: impl Fn(&R) -> bool) -> Self {
        let values = self.rows.iter().map(value);
        let column = BooleanChunked::from_iter_values(PlSmallStr::from_static(name), values);
        self.push(column.into_column())
    }

    /// A DECIMAL(18,2) column from exact cents: never through a float.
    fn money(
        self,
        name: &'static str,
        value: impl Fn(&R) -> Option<&Decimal>,
    ) -> Result<Self, Error> {
        let cents = self
            .rows
            .iter()
            .map(|row| value(row).map(|amount| cents(name, amount)).transpose())
            .collect::<Result<Vec<Option<i128>>, Error>>()?;
        let column =
            Int128Chunked::from_iter_options(PlSmallStr::from_static(name), cents.into_iter())
                .into_decimal(MONEY_PRECISION, MONEY_SCALE as usize)
                .map_err(|e| Error::Internal(format!("column {name}: {e}")))?;
        Ok(self.push(column.into_column()))
    }

    fn date(self, name: &'static str, value: impl Fn(&R) -> NaiveDate) -> Self {
        // Parquet DATE: days since 1970-01-01.
        let epoch = NaiveDate::default();
        let days = self.rows.iter().map(|row| {
            i32::try_from(value(row).signed_duration_since(epoch).num_days()).unwrap_or(i32::MAX)
        });
        let column =
            Int32Chunked::from_iter_values(PlSmallStr::from_static(name), days).into_date();
        self.push(column.into_column())
    }

    fn finish(self) -> Result<DataFrame, Error> {
        DataFrame::new(self.rows.len(), self.columns)
            .map_err(|e| Error::Internal(format!("building a frame: {e}")))
    }
}

/// The mantissa of `amount` at scale 2 (cents). An amount with a non-zero third decimal or
/// beyond 18 digits is a bug upstream (amounts are rounded to the cent when parsed): it is
/// reported, never rounded or truncated here.
fn cents(column: &str, amount: &Decimal) -> Result<i128, Error> {
    // The common case, a figure of at most two decimals: its mantissa scaled up.
    let scale = amount.scale();
    if scale <= MONEY_SCALE {
        let mantissa = amount.mantissa() * 10i128.pow(MONEY_SCALE - scale);
        if mantissa.unsigned_abs() >= 10u128.pow(MONEY_PRECISION as u32) {
            return Err(Error::Internal(format!(
                "column {column}: {amount} exceeds DECIMAL({MONEY_PRECISION},{MONEY_SCALE})"
            )));
        }
        return Ok(mantissa);
    }
    let mut at_cents = *amount;
    at_cents.rescale(MONEY_SCALE);
    // `rescale` rounds, and clamps the scale when the mantissa would overflow: either way
    // the value changes or the scale is not 2.
    if at_cents != *amount || at_cents.scale() != MONEY_SCALE {
        return Err(Error::Internal(format!(
            "column {column}: {amount} is not a whole number of cents"
        )));
    }
    let mantissa = at_cents.mantissa();
    if mantissa.unsigned_abs() >= 10u128.pow(MONEY_PRECISION as u32) {
        return Err(Error::Internal(format!(
            "column {column}: {amount} exceeds DECIMAL({MONEY_PRECISION},{MONEY_SCALE})"
        )));
    }
    Ok(mantissa)
}

/// Serialise one frame to Parquet bytes: snappy, `ARROW:schema` at `CompatLevel::oldest()`,
/// key-value metadata `esms.schema_version` = `SCHEMA_VERSION` then `extra_metadata` in the
/// given order (e.g. `esms.input_fingerprint`). The same frame and metadata give the same
/// bytes.
pub fn parquet_bytes(
    df: &mut DataFrame,
    extra_metadata: &[(String, String)],
) -> Result<Vec<u8>, Error> {
    check_contract_dtypes(df)?;
    let metadata = key_value_metadata(df, extra_metadata)?;
    let mut bytes = Vec::new();
    ParquetWriter::new(&mut bytes)
        .with_compression(ParquetCompression::Snappy)
        .with_key_value_metadata(Some(KeyValueMetadata::Static(metadata)))
        // Our tables are small; serial column encoding removes any doubt about byte order.
        .set_parallel(false)
        .finish(df)
        // Writing into memory cannot fail on I/O: a failure is an unsupported frame.
        .map_err(|e| Error::Internal(format!("encoding Parquet: {e}")))?;
    Ok(bytes)
}

/// `ARROW:schema` at `CompatLevel::oldest()`, `esms.schema_version`, then the caller's keys.
fn key_value_metadata(
    df: &DataFrame,
    extra_metadata: &[(String, String)],
) -> Result<Vec<polars_parquet::write::KeyValue>, Error> {
    for (key, _) in extra_metadata {
        if key == ARROW_SCHEMA_KEY || key == SCHEMA_VERSION_KEY {
            return Err(Error::Internal(format!(
                "Parquet metadata key {key} is set by publish itself"
            )));
        }
    }
    // Polars would describe strings as Utf8View (CompatLevel::newest()); it only adds its
    // own ARROW:schema when the key is absent, so ours, at the oldest level, wins.
    let arrow_schema = df.schema().to_arrow(CompatLevel::oldest());
    let mut metadata = vec![
        polars_parquet::write::schema_to_metadata_key(&arrow_schema),
        polars_parquet::write::KeyValue {
            key: SCHEMA_VERSION_KEY.to_string(),
            value: Some(SCHEMA_VERSION.to_string()),
        },
    ];
    metadata.extend(
        extra_metadata
            .iter()
            .map(|(key, value)| polars_parquet::write::KeyValue {
                key: key.clone(),
                value: Some(value.clone()),
            }),
    );
    Ok(metadata)
}

/// Refuses the dtypes BI readers mishandle, whoever built the frame: a `Null` column
/// (DuckDB types it `NULL`) and any decimal other than DECIMAL(18,2) — a polars `sum`
/// widens to Decimal(38,2), which would be written as FIXED_LEN_BYTE_ARRAY.
fn check_contract_dtypes(df: &DataFrame) -> Result<(), Error> {
    for column in df.columns() {
        let acceptable = match column.dtype() {
            DataType::Null => false,
            DataType::Decimal(precision, scale) => {
                *precision == MONEY_PRECISION && *scale == MONEY_SCALE as usize
            }
            _ => true,
        };
        if !acceptable {
            return Err(Error::Internal(format!(
                "column {} has dtype {}, outside the published contract",
                column.name(),
                column.dtype()
            )));
        }
    }
    Ok(())
}

/// One published file as the manifest records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct PublishedFile {
    /// Path relative to the output directory, `/`-separated.
    pub name: String,
    pub bytes: u64,
    /// Lower-case hex, as `sha256sum` prints it.
    pub sha256: String,
}

/// A set of files published all-or-nothing into an output directory.
///
/// Files are staged in a hidden directory inside `out_dir` and only renamed into place by
/// [`Release::commit`]; dropping a `Release` without committing removes the staging
/// directory and touches nothing else. Renames are atomic one file at a time: if one fails
/// half-way, the files before it are published and the rest are not, which is why the
/// manifest (the commit marker BI checks) is added last.
#[derive(Debug)]
pub struct Release {
    out_dir: PathBuf,
    staging: tempfile::TempDir,
    staged: Vec<Staged>,
}

#[derive(Debug)]
struct Staged {
    path: PathBuf,
    file: PublishedFile,
}

impl Release {
    /// Creates `out_dir` if missing and a staging directory inside it.
    pub fn new(out_dir: &Path) -> Result<Release, Error> {
        let existed = out_dir.is_dir();
        fs::create_dir_all(out_dir).map_err(|e| Error::output(out_dir, e))?;
        if !existed {
            // A new directory's entry lives in its parent: sync it too, or the whole output
            // directory could vanish on power loss after a "successful" run.
            let parent = match out_dir.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent,
                _ => Path::new("."),
            };
            sync_dir(parent)?;
        }
        // Inside `out_dir`, so the final renames stay on one filesystem and are atomic.
        let staging = tempfile::Builder::new()
            .prefix(STAGING_PREFIX)
            .tempdir_in(out_dir)
            .map_err(|e| Error::output(out_dir, e))?;
        Ok(Release {
            out_dir: out_dir.to_path_buf(),
            staging,
            staged: Vec::new(),
        })
    }

    /// Stages `bytes` as `name` (a file name, or `sub/dir/name`), written and synced to disk.
    pub fn add(&mut self, name: &str, bytes: &[u8]) -> Result<(), Error> {
        // A failure here is the file's, which `add_with` reports as an output error.
        self.add_with(name, |out| {
            out.write_all(bytes)
                .map_err(|e| Error::Internal(format!("{name}: {e}")))
        })
    }

    /// Stages `name` as `write` writes it (a file larger than what should be held in
    /// memory), hashed as it goes, then synced to disk.
    pub fn add_with(
        &mut self,
        name: &str,
        write: impl FnOnce(&mut (dyn Write + Send)) -> Result<(), Error>,
    ) -> Result<(), Error> {
        check_name(name)?;
        if self.staged.iter().any(|staged| staged.file.name == name) {
            return Err(Error::Internal(format!(
                "{name} added twice to one release"
            )));
        }
        // Numbered names without the target's extension: even a recursive `**/*.parquet`
        // glob does not pick a staged file up.
        let path = self
            .staging
            .path()
            .join(format!("{:04}.staged", self.staged.len()));
        let file = File::create_new(&path).map_err(|e| Error::output(&path, e))?;
        fail_point("stage", name).map_err(|e| Error::output(&path, e))?;
        let mut out = Hashing::new(std::io::BufWriter::with_capacity(1 << 20, file));
        if fail_point("write", name).is_err() {
            // A full disk met half-way through the file.
            out.fail_after = Some(1024);
        }
        if let Err(error) = write(&mut out) {
            // The encoder reports the file's failures as its own: a full disk is an output
            // error (exit 73) naming the file, not an internal one.
            return Err(match out.failure.take() {
                Some(failure) => Error::output(&path, format!("{name}: {failure}")),
                None => error,
            });
        }
        let (buffered, bytes, sha256) = out.finish();
        let file = buffered
            .into_inner()
            .map_err(|e| Error::output(&path, e.into_error()))?;
        file.sync_all().map_err(|e| Error::output(&path, e))?;
        self.staged.push(Staged {
            path,
            file: PublishedFile {
                name: name.to_string(),
                bytes,
                sha256,
            },
        });
        Ok(())
    }

    /// The files staged so far, as the manifest records them.
    pub fn staged(&self) -> Vec<PublishedFile> {
        self.staged.iter().map(|s| s.file.clone()).collect()
    }

    /// Renames every staged file over its target, in the order added, syncing each target's
    /// directory before moving the next file so that the last one (the manifest) is never
    /// durable before the files it describes. Creates missing subdirectories.
    ///
    /// The renames are first written down as a commit plan in the staging directory: a run
    /// killed half-way leaves the plan, and the next run completes it (see
    /// `remove_stale_staging`) instead of leaving a mix of two runs.
    pub fn commit(self) -> Result<Vec<PublishedFile>, Error> {
        let Release {
            out_dir,
            staging,
            staged,
        } = self;
        let plan: Vec<PlannedRename> = staged
            .iter()
            .map(|s| PlannedRename {
                staged: s
                    .path
                    .file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
                name: s.file.name.clone(),
            })
            .collect();
        let plan = serde_json::to_vec_pretty(&plan)
            .map_err(|e| Error::Internal(format!("commit plan: {e}")))?;
        write_synced(staging.path(), COMMIT_PLAN, &plan)?;
        let mut published = Vec::with_capacity(staged.len());
        for Staged { path, file } in staged {
            fail_point("rename", &file.name).map_err(|e| Error::output(&path, e))?;
            rename_into(&out_dir, &path, &file.name)?;
            published.push(file);
        }
        // Everything is published by now: a staging directory we cannot remove is litter,
        // not a failed publication.
        let staging_path = staging.path().to_path_buf();
        if let Err(error) = staging.close() {
            tracing::warn!(path = %staging_path.display(), %error, "cannot remove the staging directory");
        }
        Ok(published)
    }

    /// Publishes the staged files as the folder `name` of the output directory, replacing
    /// the previous folder of that name as a whole: a reader finds the old set, the new
    /// one, or (for an instant, or after a kill between the two renames) none, never a
    /// mix. For sets that are replaced together, such as the candidate set of a rejected
    /// run.
    pub fn commit_as_folder(self, name: &str) -> Result<Vec<PublishedFile>, Error> {
        check_name(name)?;
        let Release {
            out_dir,
            staging,
            staged,
        } = self;
        let mut published = Vec::with_capacity(staged.len());
        for Staged { path, file } in staged {
            rename_into(staging.path(), &path, &file.name)?;
            published.push(file);
        }
        // From here on the staging directory is the new folder: dropping it must not
        // remove it. Left behind by a failure below, it is removed by the next run.
        let complete = staging.keep();
        let target = out_dir.join(name);
        let replaced = out_dir.join(format!(
            "{STAGING_PREFIX}replaced-{}-{name}",
            std::process::id()
        ));
        let had_previous = target.exists();
        if had_previous {
            fs::rename(&target, &replaced).map_err(|e| Error::output(&target, e))?;
        }
        fail_point("swap", name).map_err(|e| Error::output(&target, e))?;
        fs::rename(&complete, &target).map_err(|e| Error::output(&target, e))?;
        sync_dir(target.parent().unwrap_or(&out_dir))?;
        if had_previous && let Err(error) = fs::remove_dir_all(&replaced) {
            tracing::warn!(path = %replaced.display(), %error, "cannot remove the replaced folder");
        }
        Ok(published)
    }
}

/// Renames `from` to `dir/name`, creating and syncing the missing directories of `name`,
/// then syncing the directory of the target.
fn rename_into(dir: &Path, from: &Path, name: &str) -> Result<(), Error> {
    let target = dir.join(name);
    let parent = target.parent().unwrap_or(dir).to_path_buf();
    if parent != dir {
        fs::create_dir_all(&parent).map_err(|e| Error::output(&parent, e))?;
        // New directories are entries of their parents, up to `dir`.
        for ancestor in parent.ancestors().skip(1) {
            sync_dir(ancestor)?;
            if ancestor == dir {
                break;
            }
        }
    }
    fs::rename(from, &target).map_err(|e| Error::output(&target, e))?;
    sync_dir(&parent)
}

/// Writes `dir/name` durably: a temporary file synced, renamed, and the directory synced,
/// so that the file is whole or absent after a crash.
fn write_synced(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), Error> {
    let temporary = dir.join(format!("{name}.tmp"));
    let mut file = File::create_new(&temporary).map_err(|e| Error::output(&temporary, e))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::output(&temporary, e))?;
    let target = dir.join(name);
    fs::rename(&temporary, &target).map_err(|e| Error::output(&target, e))?;
    sync_dir(dir)
}

/// A seam for the tests of publication failures, in debug builds only (release builds
/// compile it to nothing): `ESMS_LEDGER_FAIL_AT=enospc@stage:findings.parquet` makes
/// staging that file fail as a full disk does, `enospc@write:allocations.parquet` makes
/// writing it fail half-way; `abort@rename:envelopes.parquet` (or
/// `abort@stage:…`, `abort@swap:rejected`) kills the process there, without running a
/// destructor, as `kill -9` would.
#[cfg(debug_assertions)]
fn fail_point(step: &str, name: &str) -> std::io::Result<()> {
    let Ok(wanted) = std::env::var("ESMS_LEDGER_FAIL_AT") else {
        return Ok(());
    };
    let Some((action, at)) = wanted.split_once('@') else {
        return Ok(());
    };
    if at.split_once(':') != Some((step, name)) {
        return Ok(());
    }
    match action {
        // ENOSPC, "No space left on device".
        "enospc" => Err(std::io::Error::from_raw_os_error(28)),
        "abort" => std::process::abort(),
        _ => Ok(()),
    }
}

#[cfg(not(debug_assertions))]
#[inline(always)]
fn fail_point(_step: &str, _name: &str) -> std::io::Result<()> {
    Ok(())
}

/// A writer that counts and hashes what goes through it, and keeps the first failure of
/// the file beneath.
struct Hashing<W: Write> {
    inner: W,
    bytes: u64,
    hasher: sha2::Sha256,
    failure: Option<std::io::Error>,
    /// The tests' full disk (see `fail_point`): writing past this many bytes fails.
    fail_after: Option<u64>,
}

impl<W: Write> Hashing<W> {
    fn new(inner: W) -> Self {
        use sha2::Digest;
        Hashing {
            inner,
            bytes: 0,
            hasher: sha2::Sha256::new(),
            failure: None,
            fail_after: None,
        }
    }

    /// `result`, its error kept as the file's failure.
    fn noted<T>(&mut self, result: std::io::Result<T>) -> std::io::Result<T> {
        result.inspect_err(|error| {
            if self.failure.is_none() {
                self.failure = Some(std::io::Error::new(error.kind(), error.to_string()));
            }
        })
    }

    fn finish(self) -> (W, u64, String) {
        use sha2::Digest;
        let digest = self.hasher.finalize();
        (self.inner, self.bytes, crate::core::hex(&digest))
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        use sha2::Digest;
        let written = match self.fail_after {
            // ENOSPC, "No space left on device".
            Some(limit) if self.bytes + buf.len() as u64 > limit => {
                Err(std::io::Error::from_raw_os_error(28))
            }
            _ => self.inner.write(buf),
        };
        let n = self.noted(written)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        let flushed = self.inner.flush();
        self.noted(flushed)
    }
}

/// Names come from code (file constants, the manifest), so a bad one is a bug: it must stay
/// inside the output directory and be spelled one way only.
fn check_name(name: &str) -> Result<(), Error> {
    let well_formed = !name.is_empty()
        && !name.contains('\\')
        && name
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..");
    if well_formed {
        Ok(())
    } else {
        Err(Error::Internal(format!(
            "invalid output file name {name:?}"
        )))
    }
}

/// Makes a directory's entries (a rename, a new file or subdirectory) durable; without it a
/// rename can be lost on power failure even though the file itself was synced.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> Result<(), Error> {
    File::open(dir)
        .and_then(|handle| handle.sync_all())
        .map_err(|e| Error::output(dir, e))
}

/// std cannot open a directory as a file on Windows; the pipeline runs on Linux.
#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> Result<(), Error> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    #[test]
    fn cents_keep_every_digit() {
        assert_eq!(cents("x", &dec("1234.56")).unwrap(), 123_456);
        assert_eq!(cents("x", &dec("12199648")).unwrap(), 1_219_964_800);
        assert_eq!(cents("x", &dec("-0.5")).unwrap(), -50);
        // Trailing zeros beyond the cent are not extra precision.
        assert_eq!(cents("x", &dec("7.100")).unwrap(), 710);
        assert_eq!(
            cents("x", &dec("9999999999999999.99")).unwrap(),
            999_999_999_999_999_999
        );
    }

    #[test]
    fn cents_refuse_what_decimal_18_2_cannot_hold() {
        assert!(matches!(cents("x", &dec("1.005")), Err(Error::Internal(_))));
        assert!(matches!(
            cents("x", &dec("10000000000000000.00")),
            Err(Error::Internal(_))
        ));
        assert!(matches!(cents("x", &Decimal::MAX), Err(Error::Internal(_))));
    }

    #[test]
    fn names_stay_inside_the_output_directory() {
        assert!(check_name("allocations.parquet").is_ok());
        assert!(check_name("reports/report.json").is_ok());
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../b",
            "a//b",
            "a/",
            "./a",
            "a\\b",
        ] {
            assert!(check_name(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn parquet_bytes_refuses_a_null_typed_column() {
        let mut df = DataFrame::new(
            1,
            vec![Column::full_null(
                PlSmallStr::from_static("x"),
                1,
                &DataType::Null,
            )],
        )
        .unwrap();
        assert!(matches!(
            parquet_bytes(&mut df, &[]),
            Err(Error::Internal(_))
        ));
    }

    #[test]
    fn parquet_bytes_refuses_a_widened_decimal() {
        let mut df = DataFrame::new(
            1,
            vec![
                Int128Chunked::from_slice(PlSmallStr::from_static("total_eur"), &[100])
                    .into_decimal(38, 2)
                    .unwrap()
                    .into_column(),
            ],
        )
        .unwrap();
        assert!(matches!(
            parquet_bytes(&mut df, &[]),
            Err(Error::Internal(_))
        ));
    }

    #[test]
    fn arrow_schema_is_the_oldest_compat_level_one() {
        let dataset = Dataset {
            regions: vec![RegionRow {
                region_code: "84".to_string(),
                region_name: "Auvergne-Rhône-Alpes".to_string(),
            }],
            ..Dataset::default()
        };
        let (_, mut df) = frames(&dataset).unwrap().pop().unwrap();
        let bytes = parquet_bytes(&mut df, &[]).unwrap();
        let metadata =
            polars_parquet::read::read_metadata(&mut std::io::Cursor::new(bytes)).unwrap();
        let written: Vec<_> = metadata
            .key_value_metadata()
            .clone()
            .unwrap()
            .into_iter()
            .filter(|kv| kv.key == ARROW_SCHEMA_KEY)
            .collect();
        let schema_at = |level| {
            polars_parquet::write::schema_to_metadata_key(&df.schema().to_arrow(level)).value
        };
        assert_eq!(written.len(), 1);
        assert_eq!(written[0].value, schema_at(CompatLevel::oldest()));
        // The check means something only if the levels differ for string columns.
        assert_ne!(written[0].value, schema_at(CompatLevel::newest()));
    }

    /// The field names of a row struct, in declaration order, as serde sees them.
    fn field_names(row: &impl Serialize) -> Vec<String> {
        struct Keys(Vec<String>);
        impl<'de> serde::Deserialize<'de> for Keys {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Visitor;
                impl<'de> serde::de::Visitor<'de> for Visitor {
                    type Value = Keys;
                    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                        f.write_str("a struct")
                    }
                    fn visit_map<A: serde::de::MapAccess<'de>>(
                        self,
                        mut map: A,
                    ) -> Result<Keys, A::Error> {
                        let mut keys = Vec::new();
                        while let Some((key, _)) =
                            map.next_entry::<String, serde::de::IgnoredAny>()?
                        {
                            keys.push(key);
                        }
                        Ok(Keys(keys))
                    }
                }
                deserializer.deserialize_map(Visitor)
            }
        }
        // serde_json keeps the serialisation order in the text; `Keys` reads it back in order.
        let json = serde_json::to_string(row).unwrap();
        serde_json::from_str::<Keys>(&json).unwrap().0
    }

    #[test]
    fn columns_are_the_row_fields_in_field_order() {
        let date = NaiveDate::from_ymd_opt(2022, 1, 4).expect("a date");
        let dataset = Dataset {
            allocations: vec![AllocationRow {
                publication_id: String::new(),
                envelope_id: String::new(),
                programme: String::new(),
                exercise: 2022,
                phase: String::new(),
                channel: String::new(),
                region_code: None,
                region_name: None,
                beneficiary: None,
                amount_eur: Decimal::ZERO,
                amount_kind: String::new(),
                superseded: false,
                raw_label: String::new(),
                raw_amount: String::new(),
                source_file: String::new(),
                source_line: None,
                source_span: None,
                role: String::new(),
                counted: true,
                identifier: None,
                source_sheet: None,
                source_cell: None,
                label_line: None,
                label_span: None,
                source_page: None,
                source_printed_page: None,
                territory_code: None,
            }],
            envelopes: vec![EnvelopeRow {
                envelope_id: String::new(),
                publication_id: String::new(),
                exercise: 2022,
                phase: String::new(),
                channel: String::new(),
                breakdown: String::new(),
                declared_total_eur: None,
                declared_as: None,
                computed_total_eur: Decimal::ZERO,
                components: 0,
                difference_eur: None,
                programme: String::new(),
                parent_envelope_id: None,
                role: String::new(),
                declared_kind: None,
                tolerance_eur: None,
                source_file: String::new(),
                source_line: None,
                source_sheet: None,
                source_cell: None,
                source_page: None,
                source_printed_page: None,
            }],
            findings: vec![FindingRow {
                rule: String::new(),
                severity: String::new(),
                envelope_id: None,
                message: String::new(),
                expected_eur: None,
                actual_eur: None,
                difference_eur: None,
                source_file: None,
                source_line: None,
                fingerprint: String::new(),
                acknowledged: false,
                tolerance_eur: None,
                subject: String::new(),
                source_sheet: None,
                source_cell: None,
                message_fr: String::new(),
                source_page: None,
                source_printed_page: None,
            }],
            publications: vec![PublicationRow {
                publication_id: String::new(),
                title: String::new(),
                issuer: String::new(),
                kind: String::new(),
                published_on: date,
                source_file: String::new(),
                source_sha256: String::new(),
                reference: None,
                url: None,
            }],
            regions: vec![RegionRow {
                region_code: String::new(),
                region_name: String::new(),
            }],
        };
        let expected = [
            field_names(&dataset.allocations[0]),
            field_names(&dataset.envelopes[0]),
            field_names(&dataset.findings[0]),
            field_names(&dataset.publications[0]),
            field_names(&dataset.regions[0]),
        ];
        let frames = frames(&dataset).unwrap();
        assert_eq!(frames.len(), expected.len());
        for ((file, df), fields) in frames.iter().zip(expected) {
            let columns: Vec<String> = df
                .get_column_names()
                .iter()
                .map(|name| name.to_string())
                .collect();
            assert_eq!(columns, fields, "{file}");
        }
    }

    #[test]
    fn an_empty_dataset_still_has_typed_columns() {
        for (file, df) in frames(&Dataset::default()).unwrap() {
            assert_eq!(df.height(), 0, "{file}");
            assert!(
                df.columns().iter().all(|c| c.dtype() != &DataType::Null),
                "{file}"
            );
        }
    }
}
