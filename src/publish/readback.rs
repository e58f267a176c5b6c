//! A published Parquet table read back row group by row group, a few columns at a time: the
//! last publication of a million rows is compared with this run's in the memory of one
//! group, not of the table.

use crate::error::Error;
use parquet::basic::Type as Physical;
use parquet::column::reader::ColumnReader;
use parquet::data_type::ByteArray;
use parquet::file::reader::{FileReader, SerializedFileReader};
use rust_decimal::Decimal;
use std::path::Path;

/// One column of one row group, one value per row.
#[derive(Debug, Clone)]
pub enum Values {
    Text(Vec<Option<ByteArray>>),
    Flag(Vec<Option<bool>>),
    Money(Vec<Option<Decimal>>),
}

impl Values {
    /// The text of row `i` (`None` when null, not text, or not UTF-8).
    pub fn text(&self, i: usize) -> Option<&str> {
        match self {
            Values::Text(values) => values
                .get(i)?
                .as_ref()
                .and_then(|b| std::str::from_utf8(b.data()).ok()),
            Values::Flag(_) | Values::Money(_) => None,
        }
    }

    /// The bytes of a text of row `i`, as stored (`None` when null or not text).
    pub fn bytes(&self, i: usize) -> Option<&[u8]> {
        match self {
            Values::Text(values) => values.get(i)?.as_ref().map(ByteArray::data),
            Values::Flag(_) | Values::Money(_) => None,
        }
    }

    pub fn flag(&self, i: usize) -> Option<bool> {
        match self {
            Values::Flag(values) => values.get(i).copied().flatten(),
            Values::Text(_) | Values::Money(_) => None,
        }
    }

    pub fn money(&self, i: usize) -> Option<Decimal> {
        match self {
            Values::Money(values) => values.get(i).copied().flatten(),
            Values::Text(_) | Values::Flag(_) => None,
        }
    }
}

/// Calls `visit` with each row group of the table at `path`: its first row's number in the
/// table, its number of rows, and the columns `names` (in that order).
pub fn scan(
    path: &Path,
    names: &[&str],
    mut visit: impl FnMut(u64, usize, &[Values]) -> Result<(), Error>,
) -> Result<(), Error> {
    let unreadable = |what: String| {
        Error::input(
            path,
            format!("not a readable Parquet file of the published dataset: {what}"),
        )
    };
    let file = std::fs::File::open(path).map_err(|e| {
        Error::input(
            path,
            format!("{e} (the last publication is incomplete: run again to republish it)"),
        )
    })?;
    let reader = SerializedFileReader::new(file).map_err(|e| unreadable(e.to_string()))?;
    let schema = reader.metadata().file_metadata().schema_descr_ptr();
    let indices: Vec<usize> = names
        .iter()
        .map(|name| {
            schema
                .columns()
                .iter()
                .position(|c| c.name() == *name)
                .ok_or_else(|| {
                    Error::input(path, format!("the published table has no column `{name}`"))
                })
        })
        .collect::<Result<_, _>>()?;
    let mut first_row: u64 = 0;
    for g in 0..reader.num_row_groups() {
        let group = reader
            .get_row_group(g)
            .map_err(|e| unreadable(e.to_string()))?;
        let rows = usize::try_from(group.metadata().num_rows()).unwrap_or(0);
        let mut columns = Vec::with_capacity(indices.len());
        for (&index, name) in indices.iter().zip(names) {
            let descr = schema.column(index);
            let reader = group
                .get_column_reader(index)
                .map_err(|e| unreadable(format!("column `{name}`: {e}")))?;
            let values = read_column(reader, rows, descr.max_def_level(), descr.type_scale())
                .map_err(|e| unreadable(format!("column `{name}`: {e}")))?;
            columns.push(values);
        }
        visit(first_row, rows, &columns)?;
        first_row += rows as u64;
    }
    Ok(())
}

/// A column chunk's `rows` values, nulls where the definition levels say so.
fn read_column(
    reader: ColumnReader,
    rows: usize,
    max_def: i16,
    scale: i32,
) -> Result<Values, String> {
    let scale = u32::try_from(scale.max(0)).unwrap_or(0);
    let decimal = |unscaled: i128| Decimal::from_i128_with_scale(unscaled, scale).normalize();
    let money = |values: Vec<Option<i128>>| {
        Values::Money(values.into_iter().map(|v| v.map(decimal)).collect())
    };
    match reader {
        ColumnReader::ByteArrayColumnReader(r) => Ok(Values::Text(read_all(r, rows, max_def)?)),
        ColumnReader::BoolColumnReader(r) => Ok(Values::Flag(read_all(r, rows, max_def)?)),
        ColumnReader::Int64ColumnReader(r) => Ok(money(
            read_all(r, rows, max_def)?
                .into_iter()
                .map(|v| v.map(i128::from))
                .collect(),
        )),
        ColumnReader::Int32ColumnReader(r) => Ok(money(
            read_all(r, rows, max_def)?
                .into_iter()
                .map(|v| v.map(i128::from))
                .collect(),
        )),
        ColumnReader::FixedLenByteArrayColumnReader(r) => {
            // Big-endian two's complement, as Parquet stores a decimal's unscaled value.
            let unscaled = |bytes: &parquet::data_type::FixedLenByteArray| {
                let data = bytes.data();
                if data.is_empty() || data.len() > 16 {
                    return Err(format!("a decimal of {} bytes", data.len()));
                }
                let fill = if data[0] & 0x80 != 0 { 0xFF } else { 0 };
                let mut wide = [fill; 16];
                wide[16 - data.len()..].copy_from_slice(data);
                Ok(i128::from_be_bytes(wide))
            };
            let values = read_all(r, rows, max_def)?
                .iter()
                .map(|v| v.as_ref().map(unscaled).transpose())
                .collect::<Result<Vec<_>, _>>()?;
            Ok(money(values))
        }
        other => Err(format!(
            "unexpected physical type {}",
            match other {
                ColumnReader::FloatColumnReader(_) => Physical::FLOAT,
                ColumnReader::DoubleColumnReader(_) => Physical::DOUBLE,
                _ => Physical::INT96,
            }
        )),
    }
}

/// Every value of a column chunk of `rows` rows, one per row.
fn read_all<T: parquet::data_type::DataType>(
    mut reader: parquet::column::reader::ColumnReaderImpl<T>,
    rows: usize,
    max_def: i16,
) -> Result<Vec<Option<T::T>>, String> {
    let (def, values) = records(rows, max_def, |n, d, v| {
        reader
            .read_records(n, d, None, v)
            .map_err(|e| e.to_string())
    })?;
    Ok(spread(&def, max_def, rows, values))
}

/// Reads up to `rows` records with `read` (records, definition levels, values), until the
/// chunk ends.
fn records<T>(
    rows: usize,
    max_def: i16,
    mut read: impl FnMut(
        usize,
        Option<&mut Vec<i16>>,
        &mut Vec<T>,
    ) -> Result<(usize, usize, usize), String>,
) -> Result<(Vec<i16>, Vec<T>), String> {
    let mut def: Vec<i16> = Vec::with_capacity(rows);
    let mut values: Vec<T> = Vec::with_capacity(rows);
    let mut read_so_far = 0;
    while read_so_far < rows {
        let levels = (max_def > 0).then_some(&mut def);
        let (records, _, _) = read(rows - read_so_far, levels, &mut values)?;
        if records == 0 {
            break;
        }
        read_so_far += records;
    }
    if read_so_far != rows {
        return Err(format!("{read_so_far} values for {rows} rows"));
    }
    Ok((def, values))
}

/// Dense values and definition levels as one value per row.
fn spread<T>(def: &[i16], max_def: i16, rows: usize, values: Vec<T>) -> Vec<Option<T>> {
    if max_def == 0 {
        return values.into_iter().map(Some).collect();
    }
    let mut values = values.into_iter();
    def.iter()
        .take(rows)
        .map(|&d| if d == max_def { values.next() } else { None })
        .collect()
}
