//! allocations.parquet, written row group by row group straight from the statements: a
//! million rows never stand in memory at once, and no row is first made into an
//! `AllocationRow` (only the few facts of a text are).
//!
//! Each group's columns are handed to the Parquet encoder as Arrow arrays. A text column
//! whose rows name a text by its number (a label or beneficiary the statement interned, a
//! region, a file, a role, the description's values) arrives with its dictionary already
//! made: the group's distinct texts in order of first appearance, which is what polars'
//! encoder would find by hashing every value twice (once to estimate their number, once to
//! build the dictionary), and at its threshold (see `text_column`), taken on the exact
//! count where polars estimates it: a column right at the threshold may be written plain
//! where polars would write a dictionary, or the reverse, which changes its encoding and
//! never its values. The other columns are left to the encoder's own choice. The file is
//! otherwise the one `parquet_bytes` writes for the whole frame (schema, `ARROW:schema`,
//! statistics, snappy); for the shipped inputs and both million-row benchmark workbooks,
//! byte for byte (a test holds the first).

use super::{
    MONEY_PRECISION, MONEY_SCALE, allocations_frame, cents, check_contract_dtypes, count,
    key_value_metadata, tables,
};
use crate::core::intern::BuildFx;
use crate::core::region::RegionCode;
use crate::error::Error;
use crate::publish::dataset::AllocationRow;
use polars::prelude::{CompatLevel, PolarsError, SchemaExt};
use polars_arrow::array::{
    Array, BooleanArray, DictionaryArray, MutableBinaryViewArray, PrimitiveArray,
};
use polars_arrow::datatypes::{ArrowDataType, IntegerType};
use polars_parquet::read::ParquetError;
use polars_parquet::write::{
    CompressionOptions, Compressor, DynIter, DynStreamingIterator, Encoding,
    FallibleStreamingIterator, FileWriter, StatisticsOptions, Version, WriteOptions,
    array_to_columns,
};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write;

/// Rows of allocations.parquet per row group: a million rows are written in 62 groups,
/// each built and encoded while the others are not in memory.
pub const ROW_GROUP_ROWS: usize = 16_384;

/// Row groups built ahead of the one being encoded. None: each costs some 7 MB at the
/// peak, and the two cores are busy either way.
const GROUPS_AHEAD: usize = 0;

/// The options `ParquetWriter` gives `parquet_bytes`: snappy, the default statistics
/// (min, max, null count), pages of version 1 and of the default size.
fn write_options() -> WriteOptions {
    WriteOptions {
        statistics: StatisticsOptions::default(),
        compression: CompressionOptions::Snappy,
        version: Version::V1,
        data_page_size: None,
    }
}

/// Writes allocations.parquet into `out`, row group by row group, with the key-value
/// metadata of `parquet_bytes`: the file `parquet_bytes` writes for the whole frame, but
/// for the encoding of a text column at the dictionary threshold (see the module's doc).
pub fn write_allocations(
    allocations: &tables::Allocations<'_>,
    out: impl Write + Send,
    extra_metadata: &[(String, String)],
) -> Result<(), Error> {
    let empty = allocations_frame(&[])?;
    let metadata = key_value_metadata(&empty, extra_metadata)?;
    check_contract_dtypes(&empty)?;
    let encoding = |e: PolarsError| Error::Internal(format!("encoding Parquet: {e}"));
    let options = write_options();
    let mut writer =
        FileWriter::try_new(out, empty.schema().to_arrow(CompatLevel::newest()), options)
            .map_err(encoding)?;
    let fields = writer.parquet_schema().fields().to_vec();
    // A group is encoded and written on another thread while the next one is built here.
    std::thread::scope(|scope| {
        let (groups, received) = std::sync::mpsc::sync_channel::<RowGroup>(GROUPS_AHEAD);
        let encoder = std::thread::Builder::new()
            .name("parquet-writer".to_string())
            .spawn_scoped(scope, move || -> Result<(), Error> {
                for group in received {
                    let columns = group
                        .columns
                        .into_iter()
                        .zip(&fields)
                        .map(|(column, field)| {
                            array_to_columns(
                                column.array,
                                field.clone(),
                                options,
                                &[column.encoding],
                            )
                        })
                        .collect::<Result<Vec<_>, PolarsError>>()
                        .map_err(encoding)?;
                    let pages = columns.into_iter().flatten().map(move |pages| {
                        // Pages are encoded as the compressor asks for them, here.
                        let pages = pages.map(|page| {
                            page.map_err(|e| {
                                ParquetError::OutOfSpec(format!("encoding a page: {e}"))
                            })
                        });
                        Ok(DynStreamingIterator::new(
                            Compressor::new_from_vec(pages, options.compression, Vec::new())
                                .map_err(PolarsError::from),
                        ))
                    });
                    writer
                        .write(group.rows as u64, DynIter::new(pages))
                        .map_err(encoding)?;
                }
                writer.end(Some(metadata)).map_err(encoding)?;
                Ok(())
            })
            .map_err(|e| Error::Internal(format!("cannot start a thread: {e}")))?;
        let built = (|| -> Result<(), Error> {
            let mut seen = FirstSeen::default();
            let mut columns = AllocationColumns::new(ROW_GROUP_ROWS);
            for (i, entry) in allocations.entries() {
                columns.push(allocations, i, entry)?;
                if columns.len() == ROW_GROUP_ROWS {
                    let group =
                        std::mem::replace(&mut columns, AllocationColumns::new(ROW_GROUP_ROWS));
                    if groups.send(group.finish(allocations, &mut seen)?).is_err() {
                        // The writer stopped on an error, which it returns.
                        return Ok(());
                    }
                }
            }
            if columns.len() > 0 {
                let _ = groups.send(columns.finish(allocations, &mut seen)?);
            }
            Ok(())
        })();
        drop(groups);
        let written = encoder
            .join()
            .unwrap_or_else(|_| Err(Error::Internal("the Parquet writer failed".to_string())));
        built.and(written)
    })
}

/// One row group, its columns in the contract's order.
struct RowGroup {
    rows: usize,
    columns: Vec<Encodable>,
}

/// A column as the encoder takes it: its array and the encoding asked for.
struct Encodable {
    array: Box<dyn Array>,
    encoding: Encoding,
}

impl Encodable {
    /// Values the encoder writes as a dictionary when it finds them repeated enough (its
    /// choice for every column but booleans).
    fn tried(array: impl Array + 'static) -> Self {
        Encodable {
            array: Box::new(array),
            encoding: Encoding::RleDictionary,
        }
    }

    fn plain(array: impl Array + 'static) -> Self {
        Encodable {
            array: Box::new(array),
            encoding: Encoding::Plain,
        }
    }
}

/// The columns of one row group of allocations.parquet, filled row by row.
struct AllocationColumns {
    rows: usize,
    /// The statements the rows come from, as runs (statement, rows): the columns its
    /// description gives (publication, envelope, programme, phase, channel) are built per
    /// run.
    runs: Vec<(usize, usize)>,
    /// The row's region, by its number in `RegionCode::ALL` (code and name columns).
    region: Vec<Option<u32>>,
    beneficiary: HeldText,
    amount_eur: Vec<Option<i128>>,
    amount_kind: Recurring,
    superseded: Vec<bool>,
    raw_label: HeldText,
    raw_amount: MutableBinaryViewArray<str>,
    source_file: Recurring,
    source_line: Vec<Option<i32>>,
    source_span: MutableBinaryViewArray<str>,
    role: Recurring,
    counted: Vec<bool>,
    identifier: MutableBinaryViewArray<str>,
    source_sheet: Recurring,
    source_cell: MutableBinaryViewArray<str>,
    label_line: Vec<Option<i32>>,
    label_span: MutableBinaryViewArray<str>,
    /// A row's own exercise (an "Exercice" column), else its envelope's.
    exercise: Vec<i32>,
    source_page: Vec<Option<i32>>,
    source_printed_page: MutableBinaryViewArray<str>,
    territory_code: MutableBinaryViewArray<str>,
    buffer: String,
}

impl AllocationColumns {
    fn new(capacity: usize) -> Self {
        let text = || MutableBinaryViewArray::<str>::with_capacity(capacity);
        AllocationColumns {
            rows: 0,
            runs: Vec::new(),
            region: Vec::with_capacity(capacity),
            beneficiary: HeldText::new(capacity),
            amount_eur: Vec::with_capacity(capacity),
            amount_kind: Recurring::new(capacity),
            superseded: Vec::with_capacity(capacity),
            raw_label: HeldText::new(capacity),
            raw_amount: text(),
            source_file: Recurring::new(capacity),
            source_line: Vec::with_capacity(capacity),
            source_span: text(),
            role: Recurring::new(capacity),
            counted: Vec::with_capacity(capacity),
            identifier: text(),
            source_sheet: Recurring::new(capacity),
            source_cell: text(),
            label_line: Vec::with_capacity(capacity),
            label_span: text(),
            exercise: Vec::with_capacity(capacity),
            source_page: Vec::with_capacity(capacity),
            source_printed_page: text(),
            territory_code: text(),
            buffer: String::new(),
        }
    }

    fn len(&self) -> usize {
        self.rows
    }

    fn push(
        &mut self,
        allocations: &tables::Allocations<'_>,
        i: usize,
        entry: tables::Entry,
    ) -> Result<(), Error> {
        match self.runs.last_mut() {
            Some((statement, rows)) if *statement == i => *rows += 1,
            _ => self.runs.push((i, 1)),
        }
        let s = allocations.statement(i);
        let tables::Entry::Fact(k) = entry else {
            return self.push_row(&allocations.row(i, entry));
        };
        let f = s.facts.get(k as usize);
        let Some((file, sheet, row, col)) = f.cell() else {
            // A fact of a text: few, built whole.
            return self.push_row(&allocations.row(i, entry));
        };
        self.rows += 1;
        self.exercise.push(f.exercise().unwrap_or(s.spec.exercise));
        self.source_page.push(None);
        self.source_printed_page.push_null();
        self.territory_code.push(f.territory().map(|t| t.code()));
        self.region.push(f.region().map(region_number).transpose()?);
        self.beneficiary
            .push_held(i, f.beneficiary_id().map(|id| id.number()));
        self.amount_eur.push(Some(cents("amount_eur", &f.value())?));
        self.amount_kind.push(Some(f.amount().kind()));
        let role = f.role();
        self.superseded.push(matches!(
            role,
            crate::model::FactRole::Superseded | crate::model::FactRole::Amended
        ));
        self.raw_label.push_held(i, Some(f.label_id().number()));
        self.buffer.clear();
        f.write_raw_amount(&mut self.buffer);
        self.raw_amount.push_value(&self.buffer);
        self.source_file.push(Some(file));
        self.source_line.push(None);
        self.source_span.push_null();
        let detailed = allocations.is_detailed(i, f);
        self.role.push(Some(tables::role_of(role, detailed)));
        self.counted.push(allocations.counted(i, entry).is_some());
        self.buffer.clear();
        if f.write_identifier(&mut self.buffer) {
            self.identifier.push_value(&self.buffer);
        } else {
            self.identifier.push_null();
        }
        self.source_sheet.push(Some(sheet));
        self.buffer.clear();
        crate::model::cell::push_a1(&mut self.buffer, row, col);
        self.source_cell.push_value(&self.buffer);
        let (label_line, label_span) = f.label_line_span();
        self.label_line.push(count("label_line", label_line)?);
        match label_span {
            Some((start, end)) => {
                self.buffer.clear();
                let _ = write!(self.buffer, "{}-{}", start + 1, end);
                self.label_span.push_value(&self.buffer);
            }
            None => self.label_span.push_null(),
        }
        Ok(())
    }

    /// A row's columns but those of its statement's description (see `runs`).
    fn push_row(&mut self, r: &AllocationRow) -> Result<(), Error> {
        self.rows += 1;
        self.exercise.push(r.exercise);
        self.source_page.push(count("source_page", r.source_page)?);
        self.source_printed_page
            .push(r.source_printed_page.as_deref());
        self.territory_code.push(r.territory_code.as_deref());
        let region = match r.region_code.as_deref() {
            None => None,
            Some(code) => Some(RegionCode::from_code(code).ok_or_else(|| {
                Error::Internal(format!("region code {code:?} is not one of the regions"))
            })?),
        };
        match (region, r.region_name.as_deref()) {
            (Some(region), Some(name)) if region.name() == name => {}
            (None, None) => {}
            (_, name) => {
                return Err(Error::Internal(format!(
                    "region name {name:?} without its code {:?}",
                    r.region_code
                )));
            }
        }
        self.region.push(region.map(region_number).transpose()?);
        self.beneficiary.push_own(r.beneficiary.as_deref());
        self.amount_eur
            .push(Some(cents("amount_eur", &r.amount_eur)?));
        self.amount_kind.push(Some(&r.amount_kind));
        self.superseded.push(r.superseded);
        self.raw_label.push_own(Some(&r.raw_label));
        self.raw_amount.push_value(&r.raw_amount);
        self.source_file.push(Some(&r.source_file));
        self.source_line.push(count("source_line", r.source_line)?);
        self.source_span.push(r.source_span.as_deref());
        self.role.push(Some(&r.role));
        self.counted.push(r.counted);
        self.identifier.push(r.identifier.as_deref());
        self.source_sheet.push(r.source_sheet.as_deref());
        self.source_cell.push(r.source_cell.as_deref());
        self.label_line.push(count("label_line", r.label_line)?);
        self.label_span.push(r.label_span.as_deref());
        Ok(())
    }

    fn finish(
        self,
        allocations: &tables::Allocations<'_>,
        seen: &mut FirstSeen,
    ) -> Result<RowGroup, Error> {
        let runs = self.runs.as_slice();
        let mut described = |name: &'static str,
                             value: &dyn Fn(&crate::model::Statement) -> &str|
         -> Result<Encodable, Error> {
            seen.clear();
            let mut keys = Vec::with_capacity(self.rows);
            for &(statement, rows) in runs {
                let key = seen.local(statement as u64);
                keys.extend(std::iter::repeat_n(Some(key), rows));
            }
            let values: Vec<&str> = seen
                .order
                .iter()
                .map(|&statement| value(allocations.statement(statement as usize)))
                .collect();
            text_column(name, keys, &values, Sources::Several)
        };
        let publication_id = described("publication_id", &|s| &s.publication_id)?;
        let envelope_id = described("envelope_id", &|s| &s.spec.id)?;
        let programme = described("programme", &|s| &s.spec.programme)?;
        let phase = described("phase", &|s| &s.spec.phase)?;
        let channel = described("channel", &|s| &s.spec.channel)?;
        let region_code = keyed_text("region_code", &self.region, seen, |n| {
            RegionCode::ALL.get(n as usize).map(|r| r.code())
        })?;
        let region_name = keyed_text("region_name", &self.region, seen, |n| {
            RegionCode::ALL.get(n as usize).map(|r| r.name())
        })?;
        let beneficiary = self.beneficiary.finish("beneficiary", allocations, seen)?;
        let raw_label = self.raw_label.finish("raw_label", allocations, seen)?;
        let money = PrimitiveArray::<i128>::from(self.amount_eur).to(ArrowDataType::Decimal(
            MONEY_PRECISION,
            MONEY_SCALE as usize,
        ));
        let int = |values: Vec<Option<i32>>| Encodable::tried(PrimitiveArray::<i32>::from(values));
        let flag = |values: Vec<bool>| Encodable::plain(BooleanArray::from_slice(values));
        let text = |values: MutableBinaryViewArray<str>| Encodable::tried(values.freeze());
        let columns = vec![
            publication_id,
            envelope_id,
            programme,
            Encodable::tried(PrimitiveArray::<i32>::from_vec(self.exercise)),
            phase,
            channel,
            region_code,
            region_name,
            beneficiary,
            Encodable::tried(money),
            self.amount_kind.finish("amount_kind")?,
            flag(self.superseded),
            raw_label,
            text(self.raw_amount),
            self.source_file.finish("source_file")?,
            int(self.source_line),
            text(self.source_span),
            self.role.finish("role")?,
            flag(self.counted),
            text(self.identifier),
            self.source_sheet.finish("source_sheet")?,
            text(self.source_cell),
            int(self.label_line),
            text(self.label_span),
            int(self.source_page),
            text(self.source_printed_page),
            text(self.territory_code),
        ];
        Ok(RowGroup {
            rows: self.rows,
            columns,
        })
    }
}

/// A region's number in `RegionCode::ALL`.
fn region_number(region: RegionCode) -> Result<u32, Error> {
    RegionCode::ALL
        .iter()
        .position(|r| *r == region)
        .and_then(|number| u32::try_from(number).ok())
        .ok_or_else(|| Error::Internal(format!("region {} missing from the list", region.code())))
}

/// A text column from `keys`, each row's number among `values` (`None`: null), the values
/// in order of first appearance. Polars' encoder writes a column as a dictionary unless it
/// has more than 128 rows and its distinct values are more than three quarters of them;
/// the same rule is applied here, on the exact count, and the dictionary handed over is the
/// one it would build (keys in order of first appearance).
///
/// `values` may name one text twice when they come from several sources (two statements'
/// interned labels): such values are merged first, as the dictionary holds each text once.
fn text_column(
    name: &str,
    mut keys: Vec<Option<u32>>,
    values: &[&str],
    sources: Sources,
) -> Result<Encodable, Error> {
    let merged;
    let values = match sources {
        Sources::One => values,
        Sources::Several => {
            let (distinct, renumbered) = merge_repeated(values);
            for key in keys.iter_mut().flatten() {
                *key = *renumbered
                    .get(*key as usize)
                    .ok_or_else(|| Error::Internal(format!("column {name}: no value {key}")))?;
            }
            merged = distinct;
            &merged
        }
    };
    let rows = keys.len();
    if written_plain(values.len(), rows) {
        return plain_text(
            rows,
            keys.iter()
                .map(|key| key.map(|key| value_at(name, values, key)).transpose()),
        );
    }
    let mut dictionary = MutableBinaryViewArray::<str>::with_capacity(values.len());
    for value in values {
        dictionary.push_value(value);
    }
    let dtype = ArrowDataType::Dictionary(
        IntegerType::UInt32,
        Box::new(ArrowDataType::Utf8View),
        false,
    );
    let array = DictionaryArray::try_new(
        dtype,
        PrimitiveArray::<u32>::from(keys),
        dictionary.freeze().boxed(),
    )
    .map_err(|e| Error::Internal(format!("column {name}: {e}")))?;
    Ok(Encodable {
        array: array.boxed(),
        encoding: Encoding::RleDictionary,
    })
}

/// Polars' encoder's rule: a column of more than 128 rows whose distinct values are more
/// than three quarters of its rows is written plain, any other as a dictionary.
fn written_plain(distinct: usize, rows: usize) -> bool {
    rows > 128 && distinct as f64 / rows as f64 > 0.75
}

/// Where a column's values come from: one source numbers each text once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sources {
    One,
    Several,
}

/// `values` with each text kept once, where it first appears, and each value's new number.
fn merge_repeated<'v>(values: &[&'v str]) -> (Vec<&'v str>, Vec<u32>) {
    let mut distinct: Vec<&'v str> = Vec::with_capacity(values.len());
    let mut number: HashMap<&str, u32, BuildFx> = HashMap::default();
    let renumbered = values
        .iter()
        .map(|&value| {
            *number.entry(value).or_insert_with(|| {
                distinct.push(value);
                u32::try_from(distinct.len() - 1).unwrap_or(u32::MAX)
            })
        })
        .collect();
    (distinct, renumbered)
}

/// A text column written plain: each row's text (`None`: null).
fn plain_text<'t>(
    rows: usize,
    texts: impl Iterator<Item = Result<Option<&'t str>, Error>>,
) -> Result<Encodable, Error> {
    let mut column = MutableBinaryViewArray::<str>::with_capacity(rows);
    for text in texts {
        column.push(text?);
    }
    Ok(Encodable::plain(column.freeze()))
}

fn value_at<'v>(name: &str, values: &[&'v str], key: u32) -> Result<&'v str, Error> {
    values
        .get(key as usize)
        .copied()
        .ok_or_else(|| Error::Internal(format!("column {name}: no value {key}")))
}

/// A text column whose rows name their text by a number `text` resolves (`None`: null).
fn keyed_text<'t>(
    name: &str,
    rows: &[Option<u32>],
    seen: &mut FirstSeen,
    text: impl Fn(u32) -> Option<&'t str>,
) -> Result<Encodable, Error> {
    seen.clear();
    let keys = rows
        .iter()
        .map(|row| row.map(|number| seen.local(u64::from(number))))
        .collect();
    let values = seen
        .order
        .iter()
        .map(|&number| {
            u32::try_from(number)
                .ok()
                .and_then(&text)
                .ok_or_else(|| Error::Internal(format!("column {name}: no text {number}")))
        })
        .collect::<Result<Vec<&str>, Error>>()?;
    text_column(name, keys, &values, Sources::One)
}

/// Keys below this (a text's number in its statement, a region's) are ranked in a table
/// indexed by the key, which takes 4 bytes a key up to the largest met (4 MiB at most, kept
/// for the whole file); larger ones (a statement and a number together) are hashed.
const DENSE_KEYS: u64 = 1 << 20;

/// The distinct keys of a column in order of first appearance, each with its rank.
#[derive(Default)]
struct FirstSeen {
    /// For a key below `DENSE_KEYS`: its rank plus one, 0 when not seen since `clear`.
    dense: Vec<u32>,
    rank: HashMap<u64, u32, BuildFx>,
    order: Vec<u64>,
}

impl FirstSeen {
    fn clear(&mut self) {
        for &key in &self.order {
            if let Some(slot) = self.dense.get_mut(key as usize) {
                *slot = 0;
            }
        }
        self.rank.clear();
        self.order.clear();
    }

    /// The rank of `key` among the keys seen since `clear`, a new key taking the next.
    fn local(&mut self, key: u64) -> u32 {
        // A group has fewer rows than `u32` counts.
        let next = u32::try_from(self.order.len()).unwrap_or(u32::MAX - 1);
        if key < DENSE_KEYS {
            let slot = key as usize;
            if self.dense.len() <= slot {
                self.dense.resize(slot + 1, 0);
            }
            if let Some(rank) = self.dense[slot].checked_sub(1) {
                return rank;
            }
            self.dense[slot] = next + 1;
            self.order.push(key);
            return next;
        }
        let order = &mut self.order;
        *self.rank.entry(key).or_insert_with(|| {
            order.push(key);
            next
        })
    }
}

/// A text column whose rows mostly name a text their statement interned (a label, a
/// beneficiary): a row keeps the statement and the text's number. Rows built whole (facts
/// of a text) bring their own.
struct HeldText {
    /// Per row: (statement, number of its text), `(OWN, n)` for the `n`-th of `own`,
    /// `None` for null.
    rows: Vec<Option<(u32, u32)>>,
    own: Vec<String>,
}

/// Marks a row whose text is in `HeldText::own`.
const OWN: u32 = u32::MAX;

impl HeldText {
    fn new(capacity: usize) -> Self {
        HeldText {
            rows: Vec::with_capacity(capacity),
            own: Vec::new(),
        }
    }

    /// A row naming the `number`-th text of statement `statement` (`Interner` order).
    fn push_held(&mut self, statement: usize, number: Option<u32>) {
        // No run holds 2^32 - 1 statements.
        let statement = u32::try_from(statement).unwrap_or(OWN - 1);
        self.rows.push(number.map(|number| (statement, number)));
    }

    /// A row with a text of its own.
    fn push_own(&mut self, text: Option<&str>) {
        self.rows.push(text.map(|t| {
            self.own.push(t.to_string());
            (OWN, u32::try_from(self.own.len() - 1).unwrap_or(u32::MAX))
        }));
    }

    fn finish(
        self,
        name: &str,
        allocations: &tables::Allocations<'_>,
        seen: &mut FirstSeen,
    ) -> Result<Encodable, Error> {
        // A statement's interner holds each text once; two statements, or a statement and
        // rows of their own, may hold the same.
        let first = self
            .rows
            .iter()
            .flatten()
            .next()
            .map(|(statement, _)| *statement);
        let one = match first {
            Some(first) if first != OWN && self.rows.iter().flatten().all(|(s, _)| *s == first) => {
                Some(first)
            }
            _ => None,
        };
        seen.clear();
        let keys: Vec<Option<u32>> = match one {
            // One statement: a text is known by its number.
            Some(_) => self
                .rows
                .iter()
                .map(|row| row.map(|(_, number)| seen.local(u64::from(number))))
                .collect(),
            None => self
                .rows
                .iter()
                .map(|row| row.map(|(statement, number)| seen.local(pack(statement, number))))
                .collect(),
        };
        if one.is_some() && written_plain(seen.order.len(), keys.len()) {
            // Mostly distinct texts: each row's text, with no dictionary made.
            let texts = self.rows.iter().map(|row| {
                row.map(|(statement, number)| self.text(name, allocations, statement, number))
                    .transpose()
            });
            return plain_text(keys.len(), texts);
        }
        let values = seen
            .order
            .iter()
            .map(|&key| {
                let (statement, number) = match one {
                    Some(statement) => (statement, key as u32),
                    None => unpack(key),
                };
                self.text(name, allocations, statement, number)
            })
            .collect::<Result<Vec<&str>, Error>>()?;
        let sources = match one {
            Some(_) => Sources::One,
            None => Sources::Several,
        };
        text_column(name, keys, &values, sources)
    }
}

impl HeldText {
    /// The `number`-th text of statement `statement`, or of the rows' own (`OWN`).
    fn text<'t>(
        &'t self,
        name: &str,
        allocations: &'t tables::Allocations<'_>,
        statement: u32,
        number: u32,
    ) -> Result<&'t str, Error> {
        let text = if statement == OWN {
            self.own.get(number as usize).map(String::as_str)
        } else {
            let texts = allocations.statement(statement as usize).facts.texts();
            texts.id(number).map(|id| texts.text(id))
        };
        text.ok_or_else(|| {
            let of = match statement {
                OWN => "the rows' own".to_string(),
                statement => format!("statement {statement}"),
            };
            Error::Internal(format!("column {name}: no text {number} in {of}"))
        })
    }
}

fn pack(statement: u32, number: u32) -> u64 {
    (u64::from(statement) << 32) | u64::from(number)
}

fn unpack(key: u64) -> (u32, u32) {
    ((key >> 32) as u32, key as u32)
}

/// A text column of a few values repeated row after row (the file, the sheet, the role): a
/// row keeps the number of its value, the values in order of first appearance.
struct Recurring {
    values: Vec<String>,
    rows: Vec<Option<u32>>,
}

impl Recurring {
    fn new(capacity: usize) -> Self {
        Recurring {
            values: Vec::new(),
            rows: Vec::with_capacity(capacity),
        }
    }

    fn push(&mut self, text: Option<&str>) {
        let number = text.map(|text| {
            // Most often the value of the row before, else one of a handful.
            let found = match self.rows.last() {
                Some(Some(last)) if self.values[*last as usize] == text => Some(*last as usize),
                _ => self.values.iter().position(|v| v == text),
            };
            let number = found.unwrap_or_else(|| {
                self.values.push(text.to_string());
                self.values.len() - 1
            });
            // A group has fewer rows than `u32` counts.
            u32::try_from(number).unwrap_or(u32::MAX)
        });
        self.rows.push(number);
    }

    fn finish(self, name: &str) -> Result<Encodable, Error> {
        let values: Vec<&str> = self.values.iter().map(String::as_str).collect();
        // Each value is pushed once (see `push`).
        text_column(name, self.rows, &values, Sources::One)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dictionary_of(column: &Encodable) -> Option<(Vec<Option<u32>>, Vec<String>)> {
        let array = column
            .array
            .as_any()
            .downcast_ref::<DictionaryArray<u32>>()?;
        let keys = array.keys().iter().map(|k| k.copied()).collect();
        let values = array
            .values()
            .as_any()
            .downcast_ref::<polars_arrow::array::Utf8ViewArray>()?
            .values_iter()
            .map(str::to_string)
            .collect();
        Some((keys, values))
    }

    #[test]
    fn few_values_make_a_dictionary_in_order_of_first_appearance() {
        let rows = [Some(7), None, Some(3), Some(7), Some(3), Some(9)];
        let texts = |n: u32| match n {
            3 => Some("trois"),
            7 => Some("sept"),
            9 => Some("neuf"),
            _ => None,
        };
        let column = keyed_text("t", &rows, &mut FirstSeen::default(), texts).unwrap();
        assert_eq!(column.encoding, Encoding::RleDictionary);
        let (keys, values) = dictionary_of(&column).expect("a dictionary");
        assert_eq!(
            keys,
            vec![Some(0), None, Some(1), Some(0), Some(1), Some(2)]
        );
        assert_eq!(values, vec!["sept", "trois", "neuf"]);
    }

    #[test]
    fn mostly_distinct_values_past_128_rows_are_plain_text() {
        // 129 rows, 97 distinct (more than three quarters): plain.
        let rows: Vec<Option<u32>> = (0..129).map(|n| Some(n % 97)).collect();
        let names: Vec<String> = (0..97).map(|n| format!("n{n}")).collect();
        let column = keyed_text("t", &rows, &mut FirstSeen::default(), |n| {
            names.get(n as usize).map(String::as_str)
        })
        .unwrap();
        assert_eq!(column.encoding, Encoding::Plain);
        let array = column
            .array
            .as_any()
            .downcast_ref::<polars_arrow::array::Utf8ViewArray>()
            .expect("plain text");
        assert_eq!(array.value(100), "n3");
        // 96 distinct of 129 (under three quarters): a dictionary.
        let rows: Vec<Option<u32>> = (0..129).map(|n| Some(n % 96)).collect();
        let column = keyed_text("t", &rows, &mut FirstSeen::default(), |n| {
            names.get(n as usize).map(String::as_str)
        })
        .unwrap();
        assert_eq!(column.encoding, Encoding::RleDictionary);
    }

    #[test]
    fn keys_are_ranked_by_first_appearance_small_or_large_and_afresh_after_clear() {
        let mut seen = FirstSeen::default();
        let large = pack(3, 7);
        let ranks: Vec<u32> = [5, large, 5, 0, large, 9].map(|k| seen.local(k)).to_vec();
        assert_eq!(ranks, vec![0, 1, 0, 2, 1, 3]);
        assert_eq!(seen.order, vec![5, large, 0, 9]);
        seen.clear();
        let ranks: Vec<u32> = [9, large, 5].map(|k| seen.local(k)).to_vec();
        assert_eq!(ranks, vec![0, 1, 2]);
    }

    #[test]
    fn a_text_from_two_sources_is_one_value_of_the_dictionary() {
        // Two statements' labels: "Lille" is the first text of both.
        let keys = vec![Some(0), Some(1), Some(2), None, Some(1)];
        let values = ["Lille", "Arras", "Lille"];
        let column = text_column("raw_label", keys, &values, Sources::Several).unwrap();
        let (keys, values) = dictionary_of(&column).expect("a dictionary");
        assert_eq!(keys, vec![Some(0), Some(1), Some(0), None, Some(1)]);
        assert_eq!(values, vec!["Lille", "Arras"]);
    }

    #[test]
    fn a_number_without_its_text_is_an_error_not_a_blank() {
        let rows = [Some(1), Some(2)];
        let Err(Error::Internal(message)) =
            keyed_text("region_code", &rows, &mut FirstSeen::default(), |n| {
                (n == 1).then_some("84")
            })
        else {
            panic!("a missing text must be refused");
        };
        assert!(message.contains("region_code"), "{message}");
    }
}
