//! Spreadsheet extraction (issue 5): one envelope's table out of an annex re-typed as a
//! workbook (xlsx, xls, xlsb or ods), every figure and label located by sheet and A1 cell.
//!
//! The shell (`Workbook`) reads the workbook: xlsx through `xlsx`, a reader that streams a
//! sheet row by row, the other formats through calamine. Either way a sheet comes as a
//! stream of rows, and nothing after holds it whole: the first rows (title and note rows,
//! the header, a Total row above it) are kept as the header's window, where the header and
//! the columns' roles are found; then the rows are read one at a time until the table ends,
//! each item handed over as it is read. A million-row annex goes through in the memory of a
//! few rows.
//!
//! The layouts handled are those of the official annexes: title and note rows above the
//! header, a header on two rows or in merged cells, blank and sub-total rows, a "Total" row,
//! a "Source : …" note below, amounts as numbers or as French text, scaled by the header
//! ("en k€", "en M€").

mod xlsx;
mod xml;

use crate::core::amount::{Amount, Precision, Qualifier, parse_number};
use crate::error::Error;
use crate::extract::{Extraction, declared_totals};
use crate::model::cell::{a1, column_letters, parse_a1, parse_column_letters};
use crate::model::{AmountAt, ItemAt, Items, Place, RawItem, TextAt};
use crate::model::{Breakdown, DescriptionRef, EnvelopeSpec, Unit};
use crate::model::{Detail, Rule};
use crate::model::{Location, Note, StatedAmount};
use calamine::{Data, Dimensions, Range, Reader, SheetType, SheetVisible, Sheets};
use rust_decimal::{Decimal, RoundingStrategy};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::io::{Cursor, Read, Seek};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::str::FromStr;
use xlsx::{CellRef, RowBuf, SharedStrings, Value};

/// How far below the top of a sheet (or of an anchor range) the header may stand. Annexes
/// put a title, a reference and a note or two above their table; thirty rows is generous.
const HEADER_SCAN_ROWS: u32 = 30;

/// Excel stores money as binary floats, so a sum of cents comes back as
/// 8348102.000000001. Below a millionth of a euro the difference is float noise, not a
/// figure the table states (french-reference-data.md §3.5 rule 5); above it the cell really
/// holds sub-cent digits that rounding to the cent drops, which an analyst should see.
const FLOAT_NOISE_EUR: Decimal = Decimal::from_parts(1, 0, 0, false, 6);

/// Extract one envelope's table from a spreadsheet held in memory, its items collected.
///
/// `source_name` goes into every `Location::Cell`; `description` is where the envelope's
/// keys stand, for a `declared_total` that no cell of the sheet holds.
pub fn extract_sheet(
    source_name: &str,
    bytes: &[u8],
    spec: &EnvelopeSpec,
    description: &DescriptionRef<'_>,
) -> Result<Extraction, Error> {
    let mut items: Vec<RawItem> = Vec::new();
    let mut extraction = extract_sheet_from(
        source_name,
        &|| Ok(Cursor::new(bytes)),
        spec,
        description,
        &mut items,
    )?;
    extraction.items = items;
    Ok(extraction)
}

/// Extract one envelope's table, each item handed to `sink` as it is read (the returned
/// `Extraction` holds no items). `open` gives the workbook's bytes from their start, as
/// many times as it is read (a table whose unit a note states is read twice).
pub fn extract_sheet_from<R: Read + Seek + Send>(
    source_name: &str,
    open: &dyn Fn() -> std::io::Result<R>,
    spec: &EnvelopeSpec,
    description: &DescriptionRef<'_>,
    sink: &mut dyn Items,
) -> Result<Extraction, Error> {
    extract_with_threads_above(THREADED_ABOVE, source_name, open, spec, description, sink)
}

/// `extract_sheet_from`, a sheet read on a thread of its own when its XML is larger than
/// `threaded_above` bytes.
fn extract_with_threads_above<R: Read + Seek + Send>(
    threaded_above: u64,
    source_name: &str,
    open: &dyn Fn() -> std::io::Result<R>,
    spec: &EnvelopeSpec,
    description: &DescriptionRef<'_>,
    sink: &mut dyn Items,
) -> Result<Extraction, Error> {
    std::thread::scope(|scope| {
        // A large xlsx sheet is read on a thread of its own, its rows handed over in
        // batches while they are interpreted here: on two cores, reading the XML and
        // reading the table take about as long as each other.
        let spawn = |name: &str| -> Result<Threaded, Error> {
            let reader = open().map_err(|e| {
                Error::extraction(
                    sheet_location(source_name, name),
                    format!("cannot read sheet '{name}': {e}"),
                )
            })?;
            let (rows, received) = std::sync::mpsc::sync_channel(BATCHES_AHEAD);
            let (recycle, recycled) = std::sync::mpsc::channel();
            let enough = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            let name = name.to_string();
            let stop = std::sync::Arc::clone(&enough);
            std::thread::Builder::new()
                .name("sheet-reader".to_string())
                .spawn_scoped(scope, move || {
                    read_in_thread(reader, &name, &rows, &recycled, &stop);
                })
                .map_err(|e| Error::Internal(format!("cannot start a thread: {e}")))?;
            Ok(Threaded {
                rows: received,
                recycle,
                enough,
                batch: Vec::new(),
                next: 0,
                merges: None,
                waited: std::time::Duration::ZERO,
                strings: 0,
            })
        };
        let mut workbook = Workbook::open(source_name, open)?;
        workbook.spawn = Some(&spawn);
        workbook.threaded_above = threaded_above;
        extract_table(&mut workbook, spec, description, sink)
    })
}

/// One envelope's table. A large sheet named by the anchor is read before its merged
/// regions are known (they stand after its cells, and finding them first costs a reading of
/// the whole sheet); when some turn out to change what was read, or may explain an error,
/// the table is read again with them.
fn extract_table<R: Read + Seek>(
    workbook: &mut Workbook<'_, R>,
    spec: &EnvelopeSpec,
    description: &DescriptionRef<'_>,
    sink: &mut dyn Items,
) -> Result<Extraction, Error> {
    workbook.speculate = spec.anchor.is_some();
    loop {
        workbook.speculated = None;
        let merges = match read_table(workbook, spec, description, sink) {
            Ok(Reading::Done(extraction)) => return Ok(*extraction),
            Ok(Reading::Again(name, merges)) => (name, merges),
            Err(error) => {
                let Some(name) = workbook.speculated.take() else {
                    return Err(error);
                };
                let merges = workbook.merges_of(&name)?;
                if merges.is_empty() {
                    return Err(error);
                }
                (name, merges)
            }
        };
        tracing::debug!(sheet = %merges.0, regions = merges.1.len(), "merged regions change the table: read again");
        sink.restart();
        workbook.speculate = false;
        workbook.known_merges = Some(merges);
    }
}

/// What reading a table gave: the extraction, or the merged regions it must be read with.
enum Reading {
    Done(Box<Extraction>),
    Again(String, Vec<Dimensions>),
}

fn read_table<R: Read + Seek>(
    workbook: &mut Workbook<'_, R>,
    spec: &EnvelopeSpec,
    description: &DescriptionRef<'_>,
    sink: &mut dyn Items,
) -> Result<Reading, Error> {
    let source_name = workbook.source;
    let anchor = spec.anchor.as_deref().map(Anchor::parse);
    let (name, layout, mut table) = match &anchor {
        Some(anchor) => {
            let name = workbook.find_sheet(&anchor.sheet)?;
            let mut table = workbook.table(&name, anchor.range, spec)?;
            let place = match anchor.range {
                Some(range) => format!("range {} of sheet '{name}'", range.a1()),
                None => format!("sheet '{name}'"),
            };
            let fail =
                |message: String| Error::extraction(sheet_location(source_name, &name), message);
            if table.is_empty()? {
                return Err(fail(format!(
                    "{place} named by the anchor is empty: point `anchor` at the sheet or range that holds the table"
                )));
            }
            match table.find_layout(spec)? {
                Some(layout) => (name, layout, table),
                None => {
                    return Err(fail(format!(
                        "no table found in {place}: looked in its first {HEADER_SCAN_ROWS} rows for {}",
                        looked_for(spec)
                    )));
                }
            }
        }
        None => discover(workbook, spec)?,
    };
    tracing::debug!(
        source = source_name,
        sheet = %name,
        header = %a1(layout.header_rows.1, layout.label),
        "spreadsheet table found"
    );
    let found = layout.clone();
    let mut layout = layout;
    if !layout.scale_stated {
        // "Annexe – Délégation de crédits 2025 (en milliers d'euros)" above the table, or a
        // note below it, gives the unit the header does not: the sheet is read for it
        // first, then for the figures.
        drop(table);
        let scale = workbook.unit_in_notes(&name)?;
        table = workbook.table(&name, anchor.as_ref().and_then(|a| a.range), spec)?;
        if let Some(scale) = scale {
            layout.amount_scale = scale;
            layout.previous = layout.previous.map(|(col, _)| (col, scale));
        }
    }
    let mut extraction = table.read_rows(&layout, sink)?;
    if extraction.total_row.is_none() {
        extraction.total_row = table.total_above_header(&layout)?;
    }
    let declared = match &spec.declared_total {
        Some(_) => table.declared_cells()?,
        None => Vec::new(),
    };
    declared_totals(spec, description, source_name, &mut extraction, |written| {
        declared
            .iter()
            .find(|(w, _)| w == &written.written)
            .and_then(|(_, found)| found.clone())
            .map(|location| StatedAmount {
                amount: written.amount,
                raw: written.written.clone(),
                location,
            })
    });
    if let Some(merges) = table.unread_merges()?
        && !merges.is_empty()
        && !table.unaffected_by(&merges, &found, spec)
    {
        return Ok(Reading::Again(name, merges));
    }
    Ok(Reading::Done(Box::new(extraction)))
}

/// The first `max_rows` rows and `max_columns` columns of every sheet of the workbook at
/// `path`, as text (what report.html shows of it): read as a stream, so that a million-row
/// sheet costs the rows shown. A workbook that cannot be read shows nothing.
pub fn preview(
    source_name: &str,
    path: &std::path::Path,
    max_rows: usize,
    max_columns: usize,
) -> Vec<crate::model::source_view::SheetGrid> {
    let open = || std::fs::File::open(path).map(|f| std::io::BufReader::with_capacity(1 << 16, f));
    let Ok(mut workbook) = Workbook::open(source_name, &open) else {
        return Vec::new();
    };
    if let Book::Xlsx(book) = &mut workbook.book {
        book.limit_strings(max_rows.saturating_mul(max_columns));
    }
    let names: Vec<String> = workbook.sheets.iter().map(|s| s.name.clone()).collect();
    let mut out = Vec::new();
    for name in names {
        // Cells only: their merged regions (listed after them, found by a scan of the whole
        // sheet) are not shown.
        workbook.known_merges = Some((name.clone(), Vec::new()));
        let Ok((mut stream, _, _)) = workbook.rows(&name) else {
            continue;
        };
        let strings = stream.strings();
        let mut read: Vec<(u32, Vec<(u32, String)>)> = Vec::new();
        while read.len() < max_rows {
            let Ok(Some(row)) = stream.next_row(source_name, &name) else {
                break;
            };
            let cells: Vec<(u32, String)> = row
                .cells(strings)
                .filter(|c| !matches!(c.value, Value::Empty))
                .map(|c| (c.col, c.value.to_string()))
                .collect();
            if !cells.is_empty() {
                read.push((row.index, cells));
            }
        }
        let Some(first_row) = read.first().map(|(index, _)| *index) else {
            continue;
        };
        let first_col = read
            .iter()
            .flat_map(|(_, cells)| cells.iter().map(|(col, _)| *col))
            .min()
            .unwrap_or(0);
        let last_row = read.last().map_or(first_row, |(index, _)| *index);
        let mut rows: Vec<Vec<String>> = Vec::new();
        let mut next = read.into_iter().peekable();
        for index in first_row..=last_row {
            if rows.len() >= max_rows {
                break;
            }
            let mut line: Vec<String> = Vec::new();
            if let Some((_, cells)) = next.next_if(|(i, _)| *i == index) {
                for (col, text) in cells {
                    let at = (col - first_col) as usize;
                    if at >= max_columns {
                        break;
                    }
                    if line.len() <= at {
                        line.resize(at + 1, String::new());
                    }
                    line[at] = text;
                }
            }
            rows.push(line);
        }
        // Every row as wide as the widest, as a rectangle of cells.
        let width = rows.iter().map(Vec::len).max().unwrap_or(0);
        for row in &mut rows {
            row.resize(width, String::new());
        }
        out.push(crate::model::source_view::SheetGrid {
            name,
            origin: (first_row, first_col),
            rows,
        });
    }
    out
}

// ---------------------------------------------------------------------------------------
// The shell: the workbook, read as rows.
// ---------------------------------------------------------------------------------------

/// An open workbook. xlsx is read by `xlsx`; anything else, and an xlsx package it cannot
/// open, by calamine, which picks the format from the bytes (xls, xlsx, xlsb, ods in that
/// order), never from the file name.
struct Workbook<'a, R: Read + Seek> {
    source: &'a str,
    book: Book<R>,
    sheets: Vec<calamine::Sheet>,
    /// Starts reading a sheet on a thread of its own.
    spawn: Option<&'a Spawn<'a>>,
    /// The size of XML above which a sheet is read on a thread of its own.
    threaded_above: u64,
    /// Whether a large sheet may be read before its merged regions are known (they are
    /// listed after its cells), which are then checked not to change what was read.
    speculate: bool,
    /// The sheet last read that way.
    speculated: Option<String>,
    /// A sheet's merged regions, known from a first reading.
    known_merges: Option<(String, Vec<Dimensions>)>,
}

/// What starts reading a sheet on a thread of its own.
type Spawn<'a> = dyn Fn(&str) -> Result<Threaded, Error> + 'a;

/// Sheets whose XML is larger than this are read on a thread of their own (a sheet of
/// some fifteen thousand rows): below, starting the thread costs more than it saves.
const THREADED_ABOVE: u64 = 4 << 20;

/// Rows per batch handed over, and batches the reading thread may be ahead.
const BATCH_ROWS: usize = 512;
/// Batches ahead before the first one is taken: some 100 000 rows, the rows read while
/// this side reads the shared strings (a quarter of a second for a million-row table's).
const BATCHES_AHEAD: usize = 192;
/// Batches ahead once rows are taken: enough to even out the two sides' pace, few enough
/// that the rows waiting (some 400 bytes each) do not add to the facts already kept.
const BATCHES_AHEAD_TAKING: usize = 16;

/// What the reading thread sends: rows, then the sheet's merged regions.
enum Message {
    /// Rows, and the largest shared string index they name (found by the thread, whose
    /// rows are still in its cache, and checked here, where the strings are known).
    Rows(Vec<RowBuf>, Option<u32>),
    End(Vec<Dimensions>),
    Failed(xlsx::XlsxError),
}

/// A sheet's rows as another thread reads them.
struct Threaded {
    rows: std::sync::mpsc::Receiver<Message>,
    /// Batches read go back to the thread, so that their buffers are reused.
    recycle: std::sync::mpsc::Sender<Vec<RowBuf>>,
    /// Set when no more rows are wanted: the thread skips to the merged regions.
    enough: std::sync::Arc<std::sync::atomic::AtomicBool>,
    batch: Vec<RowBuf>,
    next: usize,
    /// The merged regions, once the thread has sent them.
    merges: Option<Vec<Dimensions>>,
    /// How long this side waited for rows (the reading thread was behind).
    waited: std::time::Duration,
    /// How many shared strings the workbook has: a row naming one past them is an error.
    strings: usize,
}

impl Drop for Threaded {
    fn drop(&mut self) {
        tracing::debug!(waited = ?self.waited, "waited for the sheet's reading thread");
    }
}

impl Threaded {
    fn next_row(&mut self) -> Result<Option<&RowBuf>, xlsx::XlsxError> {
        if self.next >= self.batch.len() {
            let done = std::mem::take(&mut self.batch);
            // The thread may have stopped: the buffers are then dropped.
            let _ = self.recycle.send(done);
            if self.merges.is_some() {
                return Ok(None);
            }
            let clock = std::time::Instant::now();
            let received = self.rows.recv();
            self.waited += clock.elapsed();
            match received {
                Ok(Message::Rows(batch, max_shared)) => {
                    if let Some(index) = max_shared
                        && index as usize >= self.strings
                    {
                        return Err(xlsx::XlsxError::Invalid(format!(
                            "a shared string index out of the table: '{index}'"
                        )));
                    }
                    self.batch = batch;
                    self.next = 0;
                }
                Ok(Message::End(merges)) => {
                    self.merges = Some(merges);
                    return Ok(None);
                }
                Ok(Message::Failed(e)) => return Err(e),
                Err(_) => return Ok(None),
            }
        }
        self.next += 1;
        Ok(self.batch.get(self.next - 1))
    }

    /// The sheet's merged regions: the rows not read yet are not wanted any more.
    fn merges(&mut self) -> Result<Vec<Dimensions>, xlsx::XlsxError> {
        self.enough
            .store(true, std::sync::atomic::Ordering::Relaxed);
        self.batch.clear();
        while self.next_row()?.is_some() {
            self.batch.clear();
        }
        Ok(self.merges.clone().unwrap_or_default())
    }
}

/// What the reading thread does: opens the workbook again, reads the sheet's rows, and
/// sends them in batches with their texts copied in, then the merged regions listed after
/// them; when the other side has had `enough` rows, it skips to those.
fn read_in_thread<R: Read + Seek>(
    reader: R,
    name: &str,
    out: &std::sync::mpsc::SyncSender<Message>,
    recycled: &std::sync::mpsc::Receiver<Vec<RowBuf>>,
    enough: &std::sync::atomic::AtomicBool,
) {
    let read = || -> Result<(), xlsx::XlsxError> {
        let mut book = xlsx::Workbook::open(reader)?;
        // The shared strings are read by the other side meanwhile: rows come with their
        // indices.
        let mut rows = book.rows_deferred(name)?;
        let mut batches = Circulation::default();
        while !enough.load(std::sync::atomic::Ordering::Relaxed) {
            while let Ok(batch) = recycled.try_recv() {
                batches.handed_back(batch);
            }
            if batches.must_wait() {
                match recycled.recv() {
                    Ok(batch) => batches.handed_back(batch),
                    // The other side is gone.
                    Err(_) => return Ok(()),
                }
            }
            let mut batch = batches.spares.pop().unwrap_or_default();
            let mut filled = 0;
            while filled < BATCH_ROWS {
                if batch.len() == filled {
                    batch.push(RowBuf::default());
                }
                if !rows.next_row_into(&mut batch[filled])? {
                    break;
                }
                filled += 1;
            }
            batch.truncate(filled);
            let last = filled < BATCH_ROWS;
            if filled > 0 {
                let max_shared = batch.iter().filter_map(RowBuf::max_shared).max();
                if out.send(Message::Rows(batch, max_shared)).is_err() {
                    return Ok(());
                }
                batches.ahead += 1;
            }
            if last {
                break;
            }
        }
        let merges = rows.merges_after()?;
        let _ = out.send(Message::End(merges));
        Ok(())
    };
    if let Err(e) = read() {
        let _ = out.send(Message::Failed(e));
    }
}

/// The batches of a sheet's reading thread: how many were sent and not handed back (the
/// other side hands one back each time it takes the next, the first time an empty one),
/// and those handed back, reused for the next ones.
#[derive(Default)]
struct Circulation {
    ahead: usize,
    /// Whether the other side takes rows yet (it reads the shared strings first).
    taking: bool,
    spares: Vec<Vec<RowBuf>>,
}

impl Circulation {
    /// A batch handed back: kept for reuse, up to a few. Those of the rows read ahead
    /// while the other side read the shared strings are freed.
    fn handed_back(&mut self, batch: Vec<RowBuf>) {
        self.taking = true;
        self.ahead = self.ahead.saturating_sub(1);
        if self.spares.len() < BATCHES_AHEAD_TAKING {
            self.spares.push(batch);
        }
    }

    /// Whether the thread must wait for a batch to be taken before reading the next.
    fn must_wait(&self) -> bool {
        self.taking && self.ahead >= BATCHES_AHEAD_TAKING
    }
}

enum Book<R: Read + Seek> {
    Xlsx(xlsx::Workbook<R>),
    /// The other formats (small annexes), read from memory.
    Calamine(Sheets<Cursor<Vec<u8>>>),
}

impl<'a, R: Read + Seek> Workbook<'a, R> {
    fn open(source: &'a str, open: &dyn Fn() -> std::io::Result<R>) -> Result<Self, Error> {
        let unreadable = |e: &dyn std::fmt::Display| {
            Error::extraction(
                source,
                format!(
                    "cannot be read as a spreadsheet (xlsx, xls, xlsb or ods): {e}; \
                     check that the file is complete and not password-protected, or re-save it from Excel or LibreOffice"
                ),
            )
        };
        let reader = open().map_err(|e| unreadable(&e))?;
        let streamed = xlsx::Workbook::open(reader);
        if let Err(e) = &streamed {
            tracing::debug!(source, error = %e, "not an xlsx package: read by calamine");
        }
        if let Ok(book) = streamed {
            let sheets = book.sheets();
            return Ok(Workbook {
                source,
                book: Book::Xlsx(book),
                sheets,
                spawn: None,
                threaded_above: THREADED_ABOVE,
                speculate: false,
                speculated: None,
                known_merges: None,
            });
        }
        let mut bytes = Vec::new();
        open()
            .and_then(|mut reader| reader.read_to_end(&mut bytes))
            .map_err(|e| unreadable(&e))?;
        guarded(source, || {
            let reader = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
                .map_err(|e| unreadable(&e))?;
            let sheets = reader.sheets_metadata().to_vec();
            Ok(Workbook {
                source,
                book: Book::Calamine(reader),
                sheets,
                spawn: None,
                threaded_above: THREADED_ABOVE,
                speculate: false,
                speculated: None,
                known_merges: None,
            })
        })
    }

    /// The sheet an anchor names: by its exact name, else ignoring case, accents and spaces
    /// (a description typed by hand says "annexe 2" for "Annexe 2 ").
    fn find_sheet(&self, wanted: &str) -> Result<String, Error> {
        if let Some(sheet) = self.sheets.iter().find(|s| s.name == wanted) {
            return Ok(sheet.name.clone());
        }
        let folded = fold(wanted).trim().to_string();
        if let Some(sheet) = self.sheets.iter().find(|s| fold(&s.name).trim() == folded) {
            return Ok(sheet.name.clone());
        }
        let present: Vec<String> = self
            .sheets
            .iter()
            .map(|s| match s.visible {
                SheetVisible::Visible => format!("'{}'", s.name),
                SheetVisible::Hidden | SheetVisible::VeryHidden => {
                    format!("'{}' (hidden)", s.name)
                }
            })
            .collect();
        Err(Error::extraction(
            self.source,
            format!(
                "no sheet '{wanted}' (named by the envelope's anchor); the sheets present are {}. \
                 A range is written \"Sheet!A4:C23\"",
                if present.is_empty() {
                    "none".to_string()
                } else {
                    present.join(", ")
                }
            ),
        ))
    }

    /// One sheet as a stream of rows, with its merged regions (`None` when the format does
    /// not tell: ods, xlsb).
    fn rows(&mut self, name: &str) -> Result<(Stream<'_, R>, Option<Merges>, bool), Error> {
        let location = sheet_location(self.source, name);
        let cannot = |e: &dyn std::fmt::Display| {
            Error::extraction(&location, format!("cannot read sheet '{name}': {e}"))
        };
        let known = self
            .known_merges
            .as_ref()
            .filter(|(sheet, _)| sheet == name)
            .map(|(_, merges)| merges.clone());
        match &mut self.book {
            Book::Xlsx(book) => {
                if let Some(spawn) = self.spawn
                    && book.part_size(name).map_err(|e| cannot(&e))? > self.threaded_above
                {
                    // Started first, so that the thread reads the rows while this one
                    // reads the shared strings they name.
                    let mut threaded = spawn(name)?;
                    let (merges, speculative) = match known {
                        Some(merges) => (merges, false),
                        None if self.speculate => {
                            self.speculated = Some(name.to_string());
                            (Vec::new(), true)
                        }
                        None => (book.merges(name).map_err(|e| cannot(&e))?, false),
                    };
                    let strings = book.load_strings().map_err(|e| cannot(&e))?;
                    threaded.strings = strings.len();
                    return Ok((
                        Stream::Threaded(threaded, strings),
                        Some(Merges::new(&merges)),
                        speculative,
                    ));
                }
                let merges = match known {
                    Some(merges) => merges,
                    None => book.merges(name).map_err(|e| cannot(&e))?,
                };
                let rows = book.rows(name).map_err(|e| cannot(&e))?;
                Ok((
                    Stream::Xlsx(Box::new(rows)),
                    Some(Merges::new(&merges)),
                    false,
                ))
            }
            Book::Calamine(reader) => guarded(&location, || {
                let values = reader.worksheet_range(name).map_err(|e| cannot(&e))?;
                // Formulas only serve to tell an uncomputed formula from an empty cell; a
                // format that cannot list them leaves that check to the cached values alone.
                let formulas = reader.worksheet_formula(name).unwrap_or_else(|e| {
                    tracing::debug!(sheet = name, error = ?e, "formulas not available");
                    Range::default()
                });
                // Only xlsx and xls readers expose merged regions; for ods and xlsb the
                // header falls back on `fill_merged_header` below.
                let merges = match reader {
                    Sheets::Xlsx(x) => x.merge_cells_by_sheet_name(name).ok(),
                    Sheets::Xls(x) => x.merge_cells_by_sheet_name(name).ok(),
                    Sheets::Xlsb(_) | Sheets::Ods(_) => None,
                };
                Ok((
                    Stream::Grid(GridRows::new(&values, &formulas)),
                    merges.map(|m| Merges::new(&m)),
                    false,
                ))
            }),
        }
    }

    /// A sheet's table, read up to the end of the header's window: the rows from the first
    /// one in use (or the anchor's range) over `HEADER_SCAN_ROWS` rows and one more.
    fn table(
        &mut self,
        name: &str,
        range: Option<Bounds>,
        spec: &EnvelopeSpec,
    ) -> Result<Table<'_, R>, Error> {
        let source = self.source;
        let (stream, merges, speculative) = self.rows(name)?;
        let mut table = Table {
            speculative,
            sheet: SheetInfo {
                source,
                name: name.to_string(),
                merges,
            },
            stream,
            window: Vec::new(),
            first_used: None,
            last_used: 0,
            used_columns: (u32::MAX, 0),
            bounds: range.unwrap_or(Bounds::ALL),
            origins: HashMap::new(),
            declared: spec
                .declared_total
                .iter()
                .flat_map(|d| d.before().into_iter().chain(Some(d.current())))
                .map(|w| (w.written.clone(), compact(&w.written), None))
                .collect(),
            ended: false,
        };
        table.fill_window()?;
        Ok(table)
    }

    /// A sheet's merged regions, scanned for now.
    fn merges_of(&mut self, name: &str) -> Result<Vec<Dimensions>, Error> {
        match &mut self.book {
            Book::Xlsx(book) => book.merges(name).map_err(|e| {
                Error::extraction(
                    sheet_location(self.source, name),
                    format!("cannot read sheet '{name}': {e}"),
                )
            }),
            Book::Calamine(_) => Ok(Vec::new()),
        }
    }

    /// The unit a title or note cell of the sheet states explicitly ("en milliers d'euros",
    /// "(en M€)"): only "en …" forms, which no figure of a title takes. The first such
    /// cell in reading order.
    fn unit_in_notes(&mut self, name: &str) -> Result<Option<Decimal>, Error> {
        let source = self.source;
        let (mut stream, _, _) = self.rows(name)?;
        let strings = stream.strings();
        while let Some(row) = stream.next_row(source, name)? {
            for cell in row.cells(strings) {
                if let Value::Text(text) = cell.value
                    && let Some(scale) = unit_declared(text)
                {
                    return Ok(Some(scale));
                }
            }
        }
        Ok(None)
    }
}

/// `vocab::unit_declared`, which folds every text, for the texts that may hold "en": a
/// sheet of a million names is read for it without folding each.
fn unit_declared(text: &str) -> Option<Decimal> {
    let may = !text.is_ascii()
        || text
            .as_bytes()
            .windows(2)
            .any(|w| w.eq_ignore_ascii_case(b"en"));
    may.then(|| crate::core::vocab::unit_declared(text))
        .flatten()
}

/// calamine parses untrusted bytes; a panic deep inside it must become an error naming the
/// file, not abort the batch.
fn guarded<T>(location: &str, read: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    catch_unwind(AssertUnwindSafe(read)).unwrap_or_else(|_| {
        Err(Error::extraction(
            location,
            "the spreadsheet reader failed on malformed content; re-save the file from Excel or LibreOffice",
        ))
    })
}

/// A sheet's rows, from either reader.
enum Stream<'w, R: Read + Seek> {
    Xlsx(Box<xlsx::Rows<'w, R>>),
    /// Rows read by another thread, the shared strings they name read here.
    Threaded(Threaded, &'w SharedStrings),
    Grid(GridRows),
}

impl<'w, R: Read + Seek> Stream<'w, R> {
    fn next_row(&mut self, source: &str, sheet: &str) -> Result<Option<&RowBuf>, Error> {
        match self {
            Stream::Xlsx(rows) => rows.next_row().map_err(|e| {
                Error::extraction(
                    sheet_location(source, sheet),
                    format!("cannot read sheet '{sheet}': {e}"),
                )
            }),
            Stream::Threaded(rows, _) => rows.next_row().map_err(|e| {
                Error::extraction(
                    sheet_location(source, sheet),
                    format!("cannot read sheet '{sheet}': {e}"),
                )
            }),
            Stream::Grid(rows) => Ok(rows.next_row()),
        }
    }

    /// The shared strings the rows' cells may name (they outlive the stream's borrows).
    fn strings(&self) -> &'w SharedStrings {
        static NONE: std::sync::LazyLock<SharedStrings> =
            std::sync::LazyLock::new(SharedStrings::default);
        match self {
            Stream::Xlsx(rows) => rows.strings(),
            Stream::Threaded(_, strings) => strings,
            Stream::Grid(_) => &NONE,
        }
    }
}

/// The rows of a sheet calamine read whole (xls, xlsb, ods: small annexes), values and
/// formulas together.
struct GridRows {
    rows: std::vec::IntoIter<RowBuf>,
    current: RowBuf,
}

impl GridRows {
    fn new(values: &Range<Data>, formulas: &Range<String>) -> Self {
        // Each row's cells: value and formula by column.
        type Cells<'a> = BTreeMap<u32, (Option<&'a Data>, Option<&'a str>)>;
        let mut by_row: BTreeMap<u32, Cells<'_>> = BTreeMap::new();
        if let Some(start) = values.start() {
            for (r, c, data) in values.used_cells() {
                if matches!(data, Data::Empty) {
                    continue;
                }
                let (row, col) = offset(start, r, c);
                by_row.entry(row).or_default().entry(col).or_default().0 = Some(data);
            }
        }
        if let Some(start) = formulas.start() {
            for (r, c, formula) in formulas.used_cells() {
                if formula.trim().is_empty() {
                    continue;
                }
                let (row, col) = offset(start, r, c);
                by_row.entry(row).or_default().entry(col).or_default().1 = Some(formula);
            }
        }
        let rows: Vec<RowBuf> = by_row
            .into_iter()
            .map(|(index, cells)| {
                let mut row = RowBuf::default();
                row.start(index);
                for (col, (data, formula)) in cells {
                    let error;
                    let value = match data {
                        None | Some(Data::Empty) => Value::Empty,
                        Some(Data::String(s)) => Value::Text(s),
                        Some(Data::Float(f)) => Value::Number(*f),
                        Some(Data::Int(i)) => Value::Int(*i),
                        Some(Data::Bool(b)) => Value::Bool(*b),
                        Some(Data::DateTime(d)) => Value::Date(d.as_f64()),
                        Some(Data::DateTimeIso(s) | Data::DurationIso(s)) => Value::Iso(s),
                        Some(Data::Error(e)) => {
                            error = e.to_string();
                            Value::Error(&error)
                        }
                    };
                    row.push(col, value, formula);
                }
                row.finish();
                row
            })
            .collect();
        GridRows {
            rows: rows.into_iter(),
            current: RowBuf::default(),
        }
    }

    fn next_row(&mut self) -> Option<&RowBuf> {
        self.current = self.rows.next()?;
        Some(&self.current)
    }
}

fn offset(start: (u32, u32), row: usize, col: usize) -> (u32, u32) {
    (
        start
            .0
            .saturating_add(u32::try_from(row).unwrap_or(u32::MAX)),
        start
            .1
            .saturating_add(u32::try_from(col).unwrap_or(u32::MAX)),
    )
}

/// The first visible worksheet holding a table of the envelope's breakdown.
fn discover<'w, R: Read + Seek>(
    workbook: &'w mut Workbook<'_, R>,
    spec: &EnvelopeSpec,
) -> Result<(String, Layout, Table<'w, R>), Error> {
    let source = workbook.source;
    let mut searched = Vec::new();
    let mut skipped = Vec::new();
    let mut found = None;
    for sheet in workbook.sheets.clone() {
        let visible = sheet.visible == SheetVisible::Visible;
        if !visible || sheet.typ != SheetType::WorkSheet {
            skipped.push(format!("'{}'", sheet.name));
            continue;
        }
        searched.push(format!("'{}'", sheet.name));
        let table = workbook.table(&sheet.name, None, spec)?;
        if table.window.is_empty() {
            continue;
        }
        if table.find_layout(spec)?.is_some() {
            found = Some(sheet.name);
            break;
        }
    }
    if let Some(name) = found {
        // Opened again for the borrow checker: the search above read no more than its window.
        let table = workbook.table(&name, None, spec)?;
        let layout = table
            .find_layout(spec)?
            .ok_or_else(|| Error::Internal(format!("the table of sheet '{name}' vanished")))?;
        return Ok((name, layout, table));
    }
    let mut message = format!(
        "no table found: looked in the first {HEADER_SCAN_ROWS} rows of the visible sheets ({}) for {}",
        if searched.is_empty() {
            "none".to_string()
        } else {
            searched.join(", ")
        },
        looked_for(spec)
    );
    if !skipped.is_empty() {
        message.push_str(&format!(
            "; hidden sheets and chart sheets are skipped ({}): name one in `anchor` to use it",
            skipped.join(", ")
        ));
    } else {
        message.push_str("; set `anchor` to the sheet or range (\"Sheet!A4:C23\")");
    }
    Err(Error::extraction(source, message))
}

/// What discovery looks for, in the user's words.
fn looked_for(spec: &EnvelopeSpec) -> String {
    let amount = "an amount column (Montant, Crédits, Dotation, Enveloppe, Subvention, \"en €\", \"en M€\"…)";
    let label = match spec.breakdown {
        Breakdown::Region => "a region column (Région, ARS, Territoire…)",
        Breakdown::Beneficiary => {
            "a beneficiary column (Organisme gestionnaire, Bénéficiaire, Porteur, Structure, Gestionnaire, Raison sociale…)"
        }
        Breakdown::BudgetLine => "a budget-line column (Libellé, Objet, Poste, Ligne…)",
        Breakdown::Revision => {
            return "a header row with a region column (Région, ARS…), a previous-amount column (avant, initial, ancien, précédent) and a new-amount column (après, modifié, nouveau, révisé, définitif)".to_string();
        }
    };
    let mut text = format!("a header row with {label} and {amount}");
    if spec.columns.is_some() {
        text.push_str(", with the columns named by `columns`");
    }
    text
}

// ---------------------------------------------------------------------------------------
// The grid: the rows at hand, addressed as in the sheet (0-based row and column).
// ---------------------------------------------------------------------------------------

/// A merged region as one column sees it: first row, last row, top-left cell.
type Span = (u32, u32, (u32, u32));

/// The merged regions of a sheet, by column: a query is a binary search.
#[derive(Debug, Default)]
struct Merges {
    /// For each column, the regions covering it, sorted by first row (regions do not
    /// overlap).
    by_column: HashMap<u32, Vec<Span>>,
    origins: std::collections::HashSet<(u32, u32)>,
}

impl Merges {
    fn new(regions: &[Dimensions]) -> Self {
        let mut merges = Merges::default();
        for d in regions {
            // A region that is one cell merges nothing.
            if d.start == d.end {
                continue;
            }
            merges.origins.insert(d.start);
            for col in d.start.1..=d.end.1.min(d.start.1.saturating_add(16_384)) {
                merges
                    .by_column
                    .entry(col)
                    .or_default()
                    .push((d.start.0, d.end.0, d.start));
            }
        }
        for regions in merges.by_column.values_mut() {
            regions.sort_unstable();
        }
        merges
    }

    /// The top-left cell of the region holding (row, col), if one does.
    fn origin(&self, row: u32, col: u32) -> Option<(u32, u32)> {
        let regions = self.by_column.get(&col)?;
        let i = regions.partition_point(|&(first, _, _)| first <= row);
        let &(_, last, origin) = regions.get(i.checked_sub(1)?)?;
        (row <= last).then_some(origin)
    }

    /// The columns of `row` that a region covers, in `bounds`.
    fn columns_in(&self, row: u32, bounds: Bounds) -> impl Iterator<Item = u32> + '_ {
        self.by_column
            .keys()
            .copied()
            .filter(move |&col| bounds.has_col(col) && self.origin(row, col).is_some())
    }
}

/// The sheet a table is read from.
struct SheetInfo<'a> {
    source: &'a str,
    name: String,
    /// `None` when the format does not tell (ods, xlsb).
    merges: Option<Merges>,
}

/// A rectangle of the sheet, inclusive, 0-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Bounds {
    first_row: u32,
    first_col: u32,
    last_row: u32,
    last_col: u32,
}

impl Bounds {
    /// The whole sheet: its table is found where its cells are.
    const ALL: Bounds = Bounds {
        first_row: 0,
        first_col: 0,
        last_row: u32::MAX,
        last_col: u32::MAX,
    };

    fn a1(&self) -> String {
        format!(
            "{}:{}",
            a1(self.first_row, self.first_col),
            a1(self.last_row, self.last_col)
        )
    }

    fn has_col(&self, col: u32) -> bool {
        self.first_col <= col && col <= self.last_col
    }

    fn meets(&self, other: Bounds) -> bool {
        self.first_row.max(other.first_row) <= self.last_row.min(other.last_row)
            && self.first_col.max(other.first_col) <= self.last_col.min(other.last_col)
    }
}

/// The rows at hand (the header's window, or the row being read) and the text of every
/// merged region's top-left cell read so far, seen through the cells a table reads.
struct Grid<'g> {
    sheet: &'g SheetInfo<'g>,
    strings: &'g SharedStrings,
    rows: &'g [RowBuf],
    origins: &'g HashMap<(u32, u32), String>,
}

impl<'g> Grid<'g> {
    fn row(&self, row: u32) -> Option<&'g RowBuf> {
        let i = self.rows.binary_search_by_key(&row, |r| r.index).ok()?;
        self.rows.get(i)
    }

    fn cell(&self, row: u32, col: u32) -> Option<CellRef<'g>> {
        self.row(row)?.get(col, self.strings)
    }

    fn value(&self, row: u32, col: u32) -> Value<'g> {
        self.cell(row, col).map_or(Value::Empty, |c| c.value)
    }

    /// The number of the shared string a cell holds (xlsx): within the workbook, one
    /// number, one text.
    fn shared_index(&self, row: u32, col: u32) -> Option<u32> {
        self.row(row)?.shared_index(col)
    }

    fn formula(&self, row: u32, col: u32) -> Option<&'g str> {
        self.cell(row, col)?
            .formula
            .map(str::trim)
            .filter(|f| !f.is_empty())
    }

    /// The cells of `row` inside `bounds`.
    fn cells_in(&self, row: u32, bounds: Bounds) -> impl Iterator<Item = CellRef<'g>> + 'g {
        let strings = self.strings;
        self.row(row)
            .into_iter()
            .flat_map(move |r| r.cells(strings))
            .filter(move |c| bounds.has_col(c.col))
    }

    /// The top-left cell of the merged region holding (row, col), or the cell itself.
    fn merge_origin(&self, row: u32, col: u32) -> (u32, u32) {
        self.sheet
            .merges
            .as_ref()
            .and_then(|m| m.origin(row, col))
            .unwrap_or((row, col))
    }

    fn place(&self, row: u32, col: u32) -> Place<'g> {
        Place::Cell {
            file: self.sheet.source,
            sheet: &self.sheet.name,
            row,
            col,
        }
    }

    fn location(&self, row: u32, col: u32) -> Location {
        self.place(row, col).to_location()
    }

    fn is_blank_cell(&self, row: u32, col: u32) -> bool {
        is_blank(self.value(row, col)) && self.formula(row, col).is_none()
    }

    fn is_blank_row(&self, row: u32, bounds: Bounds) -> bool {
        self.cells_in(row, bounds)
            .all(|c| is_blank(c.value) && c.formula.is_none_or(|f| f.trim().is_empty()))
    }

    /// The text of a cell, following merged regions: a region written once over the four
    /// beneficiaries it groups labels each of them.
    fn merged_text(&self, row: u32, col: u32) -> (Option<Cow<'g, str>>, (u32, u32)) {
        let origin = self.merge_origin(row, col);
        if origin != (row, col) && self.row(origin.0).is_none() {
            let text = self.origins.get(&origin).map(|t| Cow::Borrowed(t.as_str()));
            return (text, origin);
        }
        (cell_text(self.value(origin.0, origin.1)), origin)
    }

    /// A cell that should hold something: an empty cell whose formula has no cached value is
    /// an error, since its figure cannot be known without recomputing the workbook.
    fn checked(&self, row: u32, col: u32) -> Result<Value<'g>, Error> {
        let data = self.value(row, col);
        if is_blank(data)
            && let Some(formula) = self.formula(row, col)
        {
            return Err(Error::extraction(
                self.location(row, col),
                format!(
                    "formula without a cached value (={formula}): open and save the file in Excel/LibreOffice so that its values are stored"
                ),
            ));
        }
        Ok(data)
    }
}

/// Whether a cell shows nothing: `cell_text` is `None`, without writing out a number.
fn is_blank(value: Value<'_>) -> bool {
    match value {
        Value::Empty => true,
        Value::Text(s) | Value::Iso(s) | Value::Error(s) => s.trim_matches(is_space).is_empty(),
        Value::Number(_) | Value::Int(_) | Value::Bool(_) | Value::Date(_) => false,
    }
}

/// A cell's content as text, `None` when it is empty or only spaces.
fn cell_text(value: Value<'_>) -> Option<Cow<'_, str>> {
    let text = match value {
        Value::Empty => return None,
        Value::Text(s) | Value::Iso(s) | Value::Error(s) => Cow::Borrowed(s),
        other => Cow::Owned(other.to_string()),
    };
    match text {
        Cow::Borrowed(s) => {
            let trimmed = s.trim_matches(is_space);
            (!trimmed.is_empty()).then_some(Cow::Borrowed(trimmed))
        }
        Cow::Owned(s) => {
            let trimmed = s.trim_matches(is_space);
            (!trimmed.is_empty()).then(|| Cow::Owned(trimmed.to_string()))
        }
    }
}

fn is_space(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{a0}' | '\u{202f}' | '\u{2007}' | '\u{2009}')
}

fn sheet_location(source: &str, sheet: &str) -> String {
    format!("{source}[{sheet}]")
}

/// A declared total's text compared without case, accents or spaces.
fn compact(s: &str) -> String {
    fold(s).chars().filter(|c| !c.is_whitespace()).collect()
}

// ---------------------------------------------------------------------------------------
// Anchors.
// ---------------------------------------------------------------------------------------

/// `anchor = "Annexe 1"` (a sheet) or `"Annexe 1!A4:C23"` (a range of it).
struct Anchor {
    sheet: String,
    range: Option<Bounds>,
}

impl Anchor {
    fn parse(anchor: &str) -> Anchor {
        if let Some((sheet, range)) = anchor.rsplit_once('!')
            && let Some(bounds) = parse_range(range)
        {
            let sheet = sheet.trim();
            // Excel quotes sheet names with spaces: 'Annexe 1'!A4:C23.
            let sheet = sheet
                .strip_prefix('\'')
                .and_then(|s| s.strip_suffix('\''))
                .unwrap_or(sheet);
            return Anchor {
                sheet: sheet.replace("''", "'"),
                range: Some(bounds),
            };
        }
        Anchor {
            sheet: anchor.to_string(),
            range: None,
        }
    }
}

/// "A4:C23" (dollars allowed) → bounds, corners in any order.
fn parse_range(text: &str) -> Option<Bounds> {
    let (from, to) = text.trim().split_once(':')?;
    let (r1, c1) = parse_a1(from)?;
    let (r2, c2) = parse_a1(to)?;
    Some(Bounds {
        first_row: r1.min(r2),
        first_col: c1.min(c2),
        last_row: r1.max(r2),
        last_col: c1.max(c2),
    })
}

// ---------------------------------------------------------------------------------------
// Header words.
// ---------------------------------------------------------------------------------------

/// Lower case, accents dropped, every kind of space made a plain space, typographic
/// apostrophes made straight: the form header words and sheet names are compared in.
fn fold(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    text.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            c if is_space(c) => ' ',
            '\u{2019}' | '\u{2018}' | '\u{2032}' | '`' => '\'',
            c => c,
        })
        .collect()
}

/// The folded words of a header, space-separated with a space at each end, so that a
/// phrase is searched as `" millions d euros "`. "€" sticks to its word ("m€", "k€") and
/// "%" is a word of its own.
fn words(text: &str) -> String {
    let mut out = String::from(" ");
    let mut word = String::new();
    for c in fold(text).chars() {
        if c.is_alphanumeric() || c == '€' {
            word.push(c);
        } else {
            if !word.is_empty() {
                out.push_str(&word);
                out.push(' ');
                word.clear();
            }
            if c == '%' {
                out.push_str("% ");
            }
        }
    }
    if !word.is_empty() {
        out.push_str(&word);
        out.push(' ');
    }
    out
}

fn has_any(words: &str, phrases: &[&str]) -> bool {
    phrases
        .iter()
        .any(|phrase| words.contains(&format!(" {phrase} ")))
}

const IGNORED: &[&str] = &[
    "%",
    "part",
    "parts",
    "taux",
    "pourcentage",
    "commentaire",
    "commentaires",
    "observation",
    "observations",
    "remarque",
    "remarques",
    // The differences of a revision table are not its amounts.
    "ecart",
    "ecarts",
    "variation",
    "variations",
    "evolution",
    "difference",
    "delta",
];
const IDENTIFIER: &[&str] = &["finess", "siren", "siret"];
const REGION: &[&str] = &[
    "region",
    "regions",
    "ars",
    "territoire",
    "territoires",
    "agence regionale de sante",
    "agences regionales de sante",
];
const BENEFICIARY: &[&str] = &[
    "organisme gestionnaire",
    "organismes gestionnaires",
    "organisme",
    "beneficiaire",
    "beneficiaires",
    "porteur",
    "porteurs",
    "porteuse",
    "structure",
    "structures",
    "gestionnaire",
    "gestionnaires",
    "raison sociale",
    "laureat",
    "laureats",
    "attributaire",
    "attributaires",
];
const BUDGET_LINE: &[&str] = &["libelle", "objet", "poste", "ligne", "lignes", "intitule"];
const AMOUNT: &[&str] = &[
    "montant",
    "montants",
    "credit",
    "credits",
    "dotation",
    "dotations",
    "enveloppe",
    "enveloppes",
    "subvention",
    "subventions",
    "financement",
    "financements",
    "somme",
    "sommes",
];
const PREVIOUS: &[&str] = &[
    "avant",
    "initial",
    "initiale",
    "initiaux",
    "ancien",
    "ancienne",
    "precedent",
    "precedente",
];
const NEW: &[&str] = &[
    "apres",
    "modifie",
    "modifiee",
    "nouveau",
    "nouvelle",
    "revise",
    "revisee",
    "definitif",
    "definitive",
    "rectifie",
    "rectifiee",
    "corrige",
    "corrigee",
];

/// The scale a header gives its column's numbers, if it gives one.
fn header_scale(words: &str) -> Option<Decimal> {
    crate::core::vocab::unit_in_header(words)
}

/// What a column's header says it holds.
#[derive(Debug, Clone, Default)]
struct Traits {
    ignored: bool,
    identifier: bool,
    region: bool,
    region_code: bool,
    beneficiary: bool,
    budget_line: bool,
    amount: bool,
    previous: bool,
    new: bool,
    /// "Exercice", "Année": each row's year.
    exercise: bool,
    scale: Option<Decimal>,
}

impl Traits {
    fn of(words: &str) -> Traits {
        let scale = header_scale(words);
        Traits {
            ignored: has_any(words, IGNORED),
            identifier: has_any(words, IDENTIFIER),
            // "Code région" beside the region's name: the name is the label.
            region: has_any(words, REGION) && !has_any(words, &["code"]),
            region_code: has_any(words, REGION) && has_any(words, &["code"]),
            beneficiary: has_any(words, BENEFICIARY),
            budget_line: has_any(words, BUDGET_LINE),
            amount: has_any(words, AMOUNT) || scale.is_some(),
            previous: has_any(words, PREVIOUS),
            new: has_any(words, NEW),
            exercise: has_any(words, &["exercice", "exercices", "annee", "annees"]),
            scale,
        }
    }

    fn labels(&self, breakdown: Breakdown) -> bool {
        match breakdown {
            Breakdown::Region => self.region,
            Breakdown::Beneficiary => self.beneficiary,
            Breakdown::BudgetLine => self.budget_line,
            // An amendment is per region, or per beneficiary or budget line when it has no
            // region column.
            Breakdown::Revision => self.region || self.beneficiary || self.budget_line,
        }
    }

    fn any(&self) -> bool {
        self.ignored
            || self.identifier
            || self.region
            || self.region_code
            || self.beneficiary
            || self.budget_line
            || self.amount
            || self.previous
            || self.new
    }
}

// ---------------------------------------------------------------------------------------
// Finding the header and giving columns their roles.
// ---------------------------------------------------------------------------------------

/// One column of a candidate header: its text (both rows joined for a two-row header) and
/// the cell that holds it, for messages.
#[derive(Debug, Clone)]
struct HeaderCell {
    text: String,
    traits: Traits,
    cell: (u32, u32),
}

type HeaderCells = BTreeMap<u32, HeaderCell>;

/// Where the table's parts stand.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Layout {
    /// First and last header rows (equal for a one-row header).
    header_rows: (u32, u32),
    label: u32,
    region: Option<u32>,
    identifier: Option<u32>,
    /// A column giving each row's exercise, when the table mixes years.
    exercise: Option<u32>,
    amount: u32,
    amount_scale: Decimal,
    /// Whether the header or the description gives the amounts' unit.
    scale_stated: bool,
    previous: Option<(u32, Decimal)>,
}

enum Assignment {
    NotATable,
    Table(Layout),
    Ambiguous(Error),
}

/// The table's header in `bounds`: the first row (or pair of rows) within
/// `HEADER_SCAN_ROWS` whose columns include a label and an amount.
fn find_layout(
    grid: &Grid<'_>,
    bounds: Bounds,
    spec: &EnvelopeSpec,
) -> Result<Option<Layout>, Error> {
    let scan_last = bounds
        .last_row
        .min(bounds.first_row.saturating_add(HEADER_SCAN_ROWS - 1));
    for row in bounds.first_row..=scan_last {
        let next = (row < bounds.last_row).then_some(row + 1);
        let single = header_cells(grid, bounds, row, None);
        match assign(grid, spec, &single, (row, row)) {
            Assignment::Table(layout) => {
                // A header whose second row carries the detail ("Crédits 2023" over
                // "Montant (en €)" and "Part (en %)"): read both rows together.
                if let Some(next) = next
                    && is_header_continuation(grid, bounds, next, layout.label)
                {
                    let combined = header_cells(grid, bounds, row, Some(next));
                    match assign(grid, spec, &combined, (row, next)) {
                        Assignment::Table(two_rows) => return Ok(Some(two_rows)),
                        Assignment::Ambiguous(error) => return Err(error),
                        Assignment::NotATable => {}
                    }
                }
                return Ok(Some(layout));
            }
            Assignment::Ambiguous(error) => {
                // "Montant" over "avant | après": the second row may settle it.
                if let Some(next) = next
                    && is_textual_row(grid, bounds, next)
                {
                    let combined = header_cells(grid, bounds, row, Some(next));
                    if let Assignment::Table(two_rows) = assign(grid, spec, &combined, (row, next))
                    {
                        return Ok(Some(two_rows));
                    }
                }
                return Err(error);
            }
            Assignment::NotATable => {
                // A header split over two rows where neither row alone has both columns. A
                // title or note row has a single cell and is never the top of a header.
                let filled = grid
                    .cells_in(row, bounds)
                    .filter(|c| cell_text(c.value).is_some())
                    .count();
                if let Some(next) = next
                    && filled >= 2
                    && is_textual_row(grid, bounds, next)
                {
                    let combined = header_cells(grid, bounds, row, Some(next));
                    match assign(grid, spec, &combined, (row, next)) {
                        Assignment::Table(two_rows) => return Ok(Some(two_rows)),
                        Assignment::Ambiguous(error) => return Err(error),
                        Assignment::NotATable => {}
                    }
                }
            }
        }
    }
    Ok(None)
}

/// The columns of `row` that hold something or lie in a merged region, in `bounds`.
fn header_columns(grid: &Grid<'_>, bounds: Bounds, row: u32) -> Vec<u32> {
    let mut columns: Vec<u32> = grid.cells_in(row, bounds).map(|c| c.col).collect();
    if let Some(merges) = &grid.sheet.merges {
        columns.extend(merges.columns_in(row, bounds));
    }
    columns.sort_unstable();
    columns.dedup();
    columns
}

/// The header text of each column of `row` (and `lower`, joined column-wise).
fn header_cells(grid: &Grid<'_>, bounds: Bounds, row: u32, lower: Option<u32>) -> HeaderCells {
    // A figure is never header text: "ARS Bretagne | 2 636 303 €" is a row of data even
    // though "ARS" and "€" are header words.
    let header_text = |row: u32, col: u32| match grid.merged_text(row, col) {
        // A year is header text though: "Montant (en euros)" over "2023 | 2024".
        (Some(text), origin) if !looks_like_number(&text) || is_year(&text) => {
            Some((text.into_owned(), origin))
        }
        _ => None,
    };
    let mut upper: BTreeMap<u32, (String, (u32, u32))> = BTreeMap::new();
    for col in header_columns(grid, bounds, row) {
        if let Some(entry) = header_text(row, col) {
            upper.insert(col, entry);
        }
    }
    let mut cells = HeaderCells::new();
    let Some(lower_row) = lower else {
        for (col, (text, origin)) in upper {
            let traits = Traits::of(&words(&text));
            cells.insert(
                col,
                HeaderCell {
                    text,
                    traits,
                    cell: origin,
                },
            );
        }
        return cells;
    };
    let mut lower_cells: BTreeMap<u32, (String, (u32, u32))> = BTreeMap::new();
    for col in header_columns(grid, bounds, lower_row) {
        if let Some(entry) = header_text(lower_row, col) {
            lower_cells.insert(col, entry);
        }
    }
    if grid.sheet.merges.is_none() {
        fill_merged_header(&mut upper, &lower_cells, row);
    }
    let columns: std::collections::BTreeSet<u32> =
        upper.keys().chain(lower_cells.keys()).copied().collect();
    for col in columns {
        let top = upper.get(&col);
        let bottom = lower_cells.get(&col);
        let (text, cell) = match (top, bottom) {
            (None, None) => continue,
            (Some((t, c)), None) | (None, Some((t, c))) => (t.clone(), *c),
            // A cell merged over both rows reads the same twice.
            (Some((t, _)), Some((b, c))) if t == b => (t.clone(), *c),
            (Some((t, _)), Some((b, c))) => (format!("{t} {b}"), *c),
        };
        let traits = Traits::of(&words(&text));
        cells.insert(col, HeaderCell { text, traits, cell });
    }
    cells
}

/// Without the merged regions (ods and xlsb readers do not give them), a group header
/// written once over sub-headers ("Montant (en €)" over "avant | après") applies to the
/// empty cells on its right that have a sub-header, as long as it heads a sub-header
/// itself. A header merged down over both rows ("Région") has no sub-header and spreads
/// nowhere.
fn fill_merged_header(
    upper: &mut BTreeMap<u32, (String, (u32, u32))>,
    lower: &BTreeMap<u32, (String, (u32, u32))>,
    row: u32,
) {
    let Some(last) = lower.keys().next_back().copied() else {
        return;
    };
    let mut group: Option<(String, (u32, u32))> = None;
    let first = upper.keys().next().copied().unwrap_or(0);
    for col in first..=last {
        match upper.get(&col) {
            Some(entry) => {
                group = lower.contains_key(&col).then(|| entry.clone());
            }
            None => {
                if lower.contains_key(&col)
                    && let Some((text, _)) = &group
                {
                    upper.insert(col, (text.clone(), (row, col)));
                }
            }
        }
    }
}

/// The row under a header that carries its second line: text only, no figure, and either
/// nothing under the label column (merged down) or header words.
fn is_header_continuation(grid: &Grid<'_>, bounds: Bounds, row: u32, label_col: u32) -> bool {
    if !is_textual_row(grid, bounds, row) {
        return false;
    }
    let label_empty = cell_text(grid.value(row, label_col)).is_none();
    label_empty
        || grid.cells_in(row, bounds).any(|c| {
            cell_text(c.value).is_some_and(|text| {
                let w = words(&text);
                Traits::of(&w).any()
            })
        })
}

/// A non-blank row of text cells none of which reads as a number.
fn is_textual_row(grid: &Grid<'_>, bounds: Bounds, row: u32) -> bool {
    let mut any = false;
    for cell in grid.cells_in(row, bounds) {
        match cell.value {
            Value::Empty => {}
            Value::Text(text) => {
                if text.trim_matches(is_space).is_empty() {
                    continue;
                }
                if (looks_like_number(text) && !is_year(text)) || total_kind(text).is_some() {
                    return false;
                }
                any = true;
            }
            // Years as numbers under a merged "Montant" header.
            value @ (Value::Number(_) | Value::Int(_))
                if cell_text(value).is_some_and(|t| is_year(&t)) =>
            {
                any = true;
            }
            _ => return false,
        }
    }
    any
}

/// "2023", "2024": a year standing as a column's header, not a figure.
fn is_year(text: &str) -> bool {
    let t = text.trim_matches(is_space);
    t.len() == 4 && t.parse::<u32>().is_ok_and(|y| (1990..=2100).contains(&y))
}

/// The one candidate column whose header names the exercise ("Crédits 2024").
fn of_exercise(cells: &HeaderCells, candidates: &[u32], exercise: i32) -> Option<u32> {
    let year = format!(" {exercise} ");
    let named: Vec<u32> = candidates
        .iter()
        .copied()
        .filter(|c| cells.get(c).is_some_and(|h| words(&h.text).contains(&year)))
        .collect();
    match named.as_slice() {
        [only] => Some(*only),
        _ => None,
    }
}

fn looks_like_number(text: &str) -> bool {
    let stripped = strip_currency(text);
    !stripped.is_empty() && parse_number(stripped).is_ok()
}

/// The column a `columns.*` override names: a header's text, else a column letter.
fn resolve_column(cells: &HeaderCells, wanted: &str) -> Option<u32> {
    let folded = fold(wanted).trim().to_string();
    if let Some((col, _)) = cells
        .iter()
        .find(|(_, cell)| fold(&cell.text).trim() == folded)
    {
        return Some(*col);
    }
    if let Some(col) = parse_column_letters(wanted.trim()) {
        return cells.contains_key(&col).then_some(col);
    }
    let wanted_words = words(wanted);
    let mut containing = cells
        .iter()
        .filter(|(_, cell)| words(&cell.text).contains(&wanted_words));
    match (containing.next(), containing.next()) {
        (Some((col, _)), None) => Some(*col),
        _ => None,
    }
}

/// Gives the columns of a candidate header their roles.
fn assign(
    grid: &Grid<'_>,
    spec: &EnvelopeSpec,
    cells: &HeaderCells,
    header_rows: (u32, u32),
) -> Assignment {
    let columns = spec.columns.clone().unwrap_or_default();
    let overridden = |wanted: &Option<String>| wanted.as_deref().map(|w| resolve_column(cells, w));

    let usable = |cell: &HeaderCell| !cell.traits.ignored && !cell.traits.identifier;

    // For a regional table, `columns.region` names the label column when `columns.label`
    // does not.
    let by_region = matches!(spec.breakdown, Breakdown::Region | Breakdown::Revision);
    let label_wanted = match (&columns.label, &columns.region) {
        (Some(label), _) => Some(label.clone()),
        (None, Some(region)) if by_region => Some(region.clone()),
        _ => None,
    };
    let label = match overridden(&label_wanted) {
        Some(Some(col)) => col,
        Some(None) => return Assignment::NotATable,
        None => {
            let mut candidates: Vec<u32> = cells
                .iter()
                .filter(|(_, cell)| usable(cell) && cell.traits.labels(spec.breakdown))
                .map(|(col, _)| *col)
                .collect();
            // Only a "Code région" column: the codes are the labels.
            if candidates.is_empty() && by_region {
                candidates = cells
                    .iter()
                    .filter(|(_, cell)| usable(cell) && cell.traits.region_code)
                    .map(|(col, _)| *col)
                    .collect();
            }
            // A header such as "Montant par région" is an amount first.
            let plain = candidates
                .iter()
                .copied()
                .find(|col| cells.get(col).is_some_and(|c| !c.traits.amount));
            match plain.or_else(|| candidates.first().copied()) {
                Some(col) => col,
                None => return Assignment::NotATable,
            }
        }
    };

    let region = match overridden(&columns.region) {
        Some(Some(col)) => Some(col),
        Some(None) => return Assignment::NotATable,
        None if spec.breakdown == Breakdown::Beneficiary => cells
            .iter()
            .find(|(col, cell)| {
                **col != label && usable(cell) && cell.traits.region && !cell.traits.amount
            })
            .map(|(col, _)| *col),
        None => None,
    };

    let identifier = match overridden(&columns.identifier) {
        Some(Some(col)) => Some(col),
        Some(None) => return Assignment::NotATable,
        None => cells
            .iter()
            .find(|(col, cell)| **col != label && cell.traits.identifier && !cell.traits.ignored)
            .map(|(col, _)| *col),
    };

    let taken = |col: u32| col == label || Some(col) == region || Some(col) == identifier;
    let amount_candidates: Vec<u32> = cells
        .iter()
        .filter(|(col, cell)| usable(cell) && cell.traits.amount && !taken(**col))
        .map(|(col, _)| *col)
        .collect();

    let scale_of = |col: u32| {
        cells
            .get(&col)
            .and_then(|c| c.traits.scale)
            .or_else(|| spec.unit.map(Unit::scale))
            .unwrap_or(Decimal::ONE)
    };
    let ambiguous = |cols: &[u32], key: &str, what: &str| {
        let first = cols
            .first()
            .and_then(|c| cells.get(c))
            .map_or(header_rows.1, |c| c.cell.0);
        let first_col = cols
            .first()
            .and_then(|c| cells.get(c))
            .map_or(0, |c| c.cell.1);
        let listed: Vec<String> = cols
            .iter()
            .filter_map(|c| cells.get(c))
            .map(|c| format!("{} '{}'", a1(c.cell.0, c.cell.1), c.text))
            .collect();
        Assignment::Ambiguous(Error::extraction(
            grid.location(first, first_col),
            format!(
                "{what}: {}; set `columns.{key}` in the envelope's description to the column's letter (\"{}\") or header text",
                listed.join(", "),
                cols.first()
                    .map_or_else(String::new, |c| column_letters(*c)),
            ),
        ))
    };

    let (amount, previous) = if spec.breakdown == Breakdown::Revision {
        let previous = match overridden(&columns.previous) {
            Some(Some(col)) => col,
            Some(None) => return Assignment::NotATable,
            None => {
                let found: Vec<u32> = amount_candidates
                    .iter()
                    .copied()
                    .filter(|c| cells.get(c).is_some_and(|h| h.traits.previous))
                    .collect();
                match found.as_slice() {
                    [] => return Assignment::NotATable,
                    [col] => *col,
                    _ => {
                        return ambiguous(
                            &found,
                            "previous",
                            "several columns could hold the amounts before the revision",
                        );
                    }
                }
            }
        };
        let amount = match overridden(&columns.amount) {
            Some(Some(col)) => col,
            Some(None) => return Assignment::NotATable,
            None => {
                let others: Vec<u32> = amount_candidates
                    .iter()
                    .copied()
                    .filter(|c| *c != previous)
                    .collect();
                let new: Vec<u32> = others
                    .iter()
                    .copied()
                    .filter(|c| cells.get(c).is_some_and(|h| h.traits.new))
                    .collect();
                match (new.as_slice(), others.as_slice()) {
                    ([col], _) => *col,
                    ([], [col]) => *col,
                    ([], []) => return Assignment::NotATable,
                    ([], many) => {
                        return ambiguous(
                            many,
                            "amount",
                            "several columns could hold the amounts after the revision",
                        );
                    }
                    (many, _) => {
                        return ambiguous(
                            many,
                            "amount",
                            "several columns could hold the amounts after the revision",
                        );
                    }
                }
            }
        };
        (amount, Some((previous, scale_of(previous))))
    } else {
        let amount = match overridden(&columns.amount) {
            Some(Some(col)) => col,
            Some(None) => return Assignment::NotATable,
            None => match amount_candidates.as_slice() {
                [] => return Assignment::NotATable,
                [col] => *col,
                // One merged cell over several columns ("Répartition des crédits … entre
                // les ARS" above the table) is a title, not a header.
                many if label_cell_spans(cells, label, many) => return Assignment::NotATable,
                // "Crédits 2023 | Crédits 2024": the column of the envelope's exercise.
                many => match of_exercise(cells, many, spec.exercise) {
                    Some(col) => col,
                    None => {
                        return ambiguous(many, "amount", "several columns could hold the amounts");
                    }
                },
            },
        };
        (amount, None)
    };

    let exercise = cells
        .iter()
        .find(|(col, cell)| {
            cell.traits.exercise
                && !cell.traits.amount
                && !taken(**col)
                && **col != amount
                && Some(**col) != previous.map(|p| p.0)
        })
        .map(|(col, _)| *col);
    Assignment::Table(Layout {
        header_rows,
        label,
        region,
        identifier,
        exercise,
        amount,
        amount_scale: scale_of(amount),
        scale_stated: spec.unit.is_some()
            || cells.get(&amount).is_some_and(|c| c.traits.scale.is_some()),
        previous,
    })
}

// ---------------------------------------------------------------------------------------
// Reading the rows.
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TotalKind {
    /// "Total", "TOTAL", "Total général", "Total national": the table's total.
    Total,
    /// "Sous-total", "Total Bretagne": a partial sum of the rows above it.
    Subtotal,
}

/// Whether a label opens a total or sub-total row (see `vocab::total_row`).
fn total_kind(label: &str) -> Option<TotalKind> {
    crate::core::vocab::total_row(label).map(|kind| match kind {
        crate::core::vocab::TotalRow::Grand => TotalKind::Total,
        crate::core::vocab::TotalRow::Sub => TotalKind::Subtotal,
    })
}

/// A note under a table (see `vocab::is_note`).
fn is_note(text: &str) -> bool {
    crate::core::vocab::is_note(text)
}

/// "8 348 102 €", "8.348.102,00 EUR", "645 000 euros", "€ 12" → the number text for
/// `parse_number`, which takes no unit.
fn strip_currency(text: &str) -> &str {
    const UNITS: [&str; 4] = ["euros", "euro", "eur", "€"];
    let mut rest = text.trim_matches(is_space);
    loop {
        let before = rest;
        for unit in UNITS {
            if let Some(cut) = rest.len().checked_sub(unit.len())
                && rest.is_char_boundary(cut)
                && rest[cut..].eq_ignore_ascii_case(unit)
            {
                rest = rest[..cut].trim_matches(is_space);
                break;
            }
            if rest.len() >= unit.len()
                && rest.is_char_boundary(unit.len())
                && rest[..unit.len()].eq_ignore_ascii_case(unit)
            {
                rest = rest[unit.len()..].trim_matches(is_space);
                break;
            }
        }
        if rest == before {
            return rest;
        }
    }
}

/// The first text of a row, where a "Total" or a note is written.
fn first_text<'g>(grid: &Grid<'g>, bounds: Bounds, row: u32) -> Option<&'g str> {
    grid.cells_in(row, bounds).find_map(|c| match c.value {
        Value::Text(s) => {
            let text = s.trim_matches(is_space);
            (!text.is_empty()).then_some(text)
        }
        _ => None,
    })
}

/// An amount cell read, scaled and rounded to the cent.
struct ReadAmount<'g> {
    amount: Amount,
    raw: Raw<'g>,
    cell: (u32, u32),
    note: Option<Note>,
}

/// How an amount was written.
enum Raw<'g> {
    /// As its value displays (a number cell read to the cent): not stored.
    AsValue,
    Text(&'g str),
    /// A number cell whose text differs from the value read (a table in k€, sub-cent noise).
    Number(f64),
    Int(i64),
}

impl<'g> ReadAmount<'g> {
    /// The figure as an item's amount; `buffer` holds the text of a number that needs one.
    fn at<'b>(&'b self, grid: &Grid<'g>, buffer: &'b mut String) -> AmountAt<'b>
    where
        'g: 'b,
    {
        let raw = match self.raw {
            Raw::AsValue => None,
            Raw::Text(text) => Some(text),
            Raw::Number(n) => {
                use std::fmt::Write as _;
                buffer.clear();
                let _ = write!(buffer, "{n}");
                Some(buffer.as_str())
            }
            Raw::Int(i) => {
                use std::fmt::Write as _;
                buffer.clear();
                let _ = write!(buffer, "{i}");
                Some(buffer.as_str())
            }
        };
        AmountAt {
            amount: self.amount,
            raw,
            at: grid.place(self.cell.0, self.cell.1),
        }
    }

    fn stated(&self, grid: &Grid<'g>, buffer: &mut String) -> StatedAmount {
        self.at(grid, buffer).to_stated()
    }
}

fn read_amount<'g>(
    grid: &Grid<'g>,
    row: u32,
    col: u32,
    scale: Decimal,
) -> Result<Option<ReadAmount<'g>>, Error> {
    let data = grid.checked(row, col)?;
    let fail = |message: String| Error::extraction(grid.location(row, col), message);
    let (value, raw, from_float) = match data {
        Value::Empty => return Ok(None),
        Value::Int(i) => (Decimal::from(i), Raw::Int(i), false),
        Value::Number(f) => {
            if scale == Decimal::ONE
                && let Some(value) = cents_of(f)
            {
                // The common case, read without formatting the float: a figure to the cent.
                return Ok(Some(ReadAmount {
                    amount: Amount::exact(value),
                    raw: Raw::AsValue,
                    cell: (row, col),
                    note: None,
                }));
            }
            // The shortest text that reads back as the same float is what Excel showed;
            // parsing it (never the float's binary expansion) keeps 0.1 as 0.1.
            let text = format!("{f}");
            let value = if f.is_finite() {
                Decimal::from_str(&text).ok()
            } else {
                None
            };
            match value {
                Some(v) => (v, Raw::Number(f), true),
                None => return Err(fail(format!("the number {text} is not a money amount"))),
            }
        }
        Value::Text(text) => {
            let number = strip_currency(text);
            if number.is_empty() {
                return Ok(None);
            }
            match parse_number(number) {
                Ok(value) => (value, Raw::Text(text), false),
                Err(e) => {
                    return Err(fail(format!(
                        "cannot read the amount: {e}; write it as a number or in French format (\"8 348 102\", \"8.348.102,00 €\")"
                    )));
                }
            }
        }
        Value::Bool(_) | Value::Date(_) | Value::Iso(_) => {
            return Err(fail(format!(
                "'{data}' is a date, a duration or a boolean where an amount is expected"
            )));
        }
        Value::Error(e) => {
            return Err(fail(format!(
                "the cell holds the error value {e} where an amount is expected: fix the formula in the spreadsheet"
            )));
        }
    };
    let raw_text = match &raw {
        Raw::Text(t) => (*t).to_string(),
        Raw::Number(n) => format!("{n}"),
        Raw::Int(i) => i.to_string(),
        Raw::AsValue => value.to_string(),
    };
    let scaled = value
        .checked_mul(scale)
        .ok_or_else(|| fail(format!("'{raw_text}' is too large")))?;
    // Normalised so that 8348102, "8 348 102" and "8.348.102,00 €" read alike.
    let rounded = scaled
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
        .normalize();
    let dropped = (scaled - rounded).abs();
    let note = if from_float && dropped > FLOAT_NOISE_EUR {
        Some(Note::new(
            Rule::SheetFloatNoise,
            Detail::FloatNoise {
                held: scaled,
                read: rounded,
            },
            grid.location(row, col),
        ))
    } else if !from_float && !dropped.is_zero() {
        // Typed text with a third decimal: the same rule (a cell's amount beyond the cent,
        // validate/rules.rs), with a message that quotes the text.
        Some(Note::new(
            Rule::SheetFloatNoise,
            Detail::ExtraDecimals {
                raw: raw_text,
                value: scaled,
                read: rounded,
            },
            grid.location(row, col),
        ))
    } else {
        None
    };
    // A table in k€ or M€ shows figures rounded to their last digit (8 412 k€ is 8 412 000
    // € give or take 500 €): the same half-unit rule as the texts.
    let amount = if scale > Decimal::ONE {
        Amount {
            value: rounded,
            precision: Precision::Rounded {
                // Float noise ("59.999999999999" k€) must not make a unit below the cent.
                unit: (scale / Decimal::from(10u64.pow(value.normalize().scale().min(18))))
                    .max(Decimal::new(1, 2)),
            },
            qualifier: Qualifier::Equal,
        }
    } else {
        Amount::exact(rounded)
    };
    Ok(Some(ReadAmount {
        amount,
        raw,
        cell: (row, col),
        note,
    }))
}

/// A float that is a whole number of cents, as that number: Excel's shortest text for it
/// is the decimal itself, so reading it needs neither that text nor a rounding. Below 2^43
/// euros the floats are closer together than a cent, so the float nearest to a number of
/// cents stands for that number alone; zero is left out for "-0".
fn cents_of(f: f64) -> Option<Decimal> {
    const LIMIT: f64 = 8_796_093_022_208.0; // 2^43
    if !(f.is_finite() && f != 0.0 && f.abs() < LIMIT) {
        return None;
    }
    let cents = (f * 100.0).round();
    // `as` is exact here: |cents| < 2^50.
    #[allow(clippy::cast_possible_truncation)]
    let whole = cents as i64;
    (cents / 100.0 == f).then(|| Decimal::new(whole, 2).normalize())
}

/// A FINESS or SIREN kept as its 9 characters (french-reference-data.md §3.4), written into
/// `buffer`.
fn read_identifier(
    grid: &Grid<'_>,
    row: u32,
    col: u32,
    buffer: &mut String,
) -> Result<Option<Option<Note>>, Error> {
    use std::fmt::Write as _;
    let data = grid.checked(row, col)?;
    let fail = |message: String| Error::extraction(grid.location(row, col), message);
    // The common case, nine digits as written: nothing to clean, pad or refuse.
    if let Value::Text(digits) = data
        && digits.len() == 9
        && digits.bytes().all(|b| b.is_ascii_digit())
    {
        buffer.clear();
        buffer.push_str(digits);
        return Ok(Some(check_digit_note(buffer, grid, row, col)));
    }
    let mut text = String::new();
    match data {
        Value::Empty => return Ok(None),
        Value::Int(i) => {
            let _ = write!(text, "{i}");
        }
        // A number cell: Excel dropped the leading zero of "010002345".
        Value::Number(f) if f.is_finite() && f.fract() == 0.0 && f >= 0.0 => {
            // A whole float below 2^53 is written as the integer it is, as `{f}` writes it.
            if f < 9_007_199_254_740_992.0 {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let whole = f as u64;
                let _ = write!(text, "{whole}");
            } else {
                let _ = write!(text, "{f}");
            }
        }
        Value::Text(s) => {
            text.extend(s.chars().filter(|c| !is_space(*c)));
            if text.is_empty() {
                return Ok(None);
            }
        }
        other => {
            return Err(fail(format!(
                "'{other}' is not a FINESS or SIREN identifier (9 characters)"
            )));
        }
    }
    if is_scientific(&text) {
        return Err(fail(format!(
            "'{text}' is an identifier in scientific notation: its digits are lost; format the column as text and type the 9 characters again"
        )));
    }
    buffer.clear();
    if text.chars().all(|c| c.is_ascii_digit()) && text.len() < 9 {
        let _ = write!(buffer, "{text:0>9}");
    } else {
        buffer.extend(text.chars().map(|c| c.to_ascii_uppercase()));
    }
    let identifier = buffer.as_str();
    let corsican = identifier.starts_with("2A") || identifier.starts_with("2B");
    let well_formed = identifier.len() == 9
        && (identifier.chars().all(|c| c.is_ascii_digit())
            || (corsican && identifier[2..].chars().all(|c| c.is_ascii_digit())));
    if !well_formed {
        return Err(fail(format!(
            "'{text}' is not a FINESS or SIREN identifier (9 digits, or 2A/2B and 7 digits)"
        )));
    }
    Ok(Some(check_digit_note(identifier, grid, row, col)))
}

/// The note on a well-formed identifier whose check digit fails. The FINESS check digit is
/// not published; Luhn held on every real number sampled, so a failure is a warning, never
/// a rejection. Corsican numbers follow an unknown rule.
fn check_digit_note(identifier: &str, grid: &Grid<'_>, row: u32, col: u32) -> Option<Note> {
    match super::identifier_passes(identifier) {
        true => None,
        false => super::identifier_note(identifier, &grid.location(row, col)),
    }
}

/// Whether the label and the amount candidates are one merged cell.
fn label_cell_spans(cells: &HeaderCells, label: u32, amounts: &[u32]) -> bool {
    let origin = |col: &u32| cells.get(col).map(|c| c.cell);
    let label_origin = origin(&label);
    label_origin.is_some() && amounts.iter().all(|col| origin(col) == label_origin)
}

/// "2,601E+13", "2.601e13": what Excel shows of a long number it could not keep.
fn is_scientific(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    let Some((mantissa, exponent)) = lower.split_once('e') else {
        return false;
    };
    let exponent = exponent.trim_start_matches(['+', '-']);
    !mantissa.is_empty()
        && mantissa
            .chars()
            .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
        && !exponent.is_empty()
        && exponent.chars().all(|c| c.is_ascii_digit())
}

/// A label-ish cell as written, and the cell that holds the text (the top-left of a merged
/// region).
#[allow(clippy::type_complexity)]
fn read_text<'g>(
    grid: &Grid<'g>,
    row: u32,
    col: u32,
) -> Result<Option<(Cow<'g, str>, (u32, u32))>, Error> {
    let (text, origin) = grid.merged_text(row, col);
    if text.is_none() {
        grid.checked(row, col)?;
    }
    Ok(text.map(|text| (text, origin)))
}

/// A text read and its cell, as an item's.
fn text_at<'a>(grid: &Grid<'a>, (text, at): &'a (Cow<'_, str>, (u32, u32))) -> TextAt<'a> {
    TextAt {
        text: text.as_ref(),
        at: grid.place(at.0, at.1),
    }
}

/// Whether a row after a blank one still belongs to the table.
fn is_table_row(grid: &Grid<'_>, bounds: Bounds, layout: &Layout, row: u32) -> bool {
    if first_text(grid, bounds, row).is_some_and(|t| total_kind(t).is_some()) {
        return true;
    }
    let labelled = grid.merged_text(row, layout.label).0.is_some();
    let figured = match grid.value(row, layout.amount) {
        Value::Int(_) | Value::Number(_) => true,
        Value::Text(text) => looks_like_number(text),
        Value::Empty => grid.formula(row, layout.amount).is_some(),
        _ => false,
    };
    labelled && figured
}

/// The table's rows read one at a time: what a row means depends on the rows before it
/// (a blank row, a total row, the rows since the last sub-total, the region above).
struct RowReader<'l> {
    layout: &'l Layout,
    bounds: Bounds,
    extraction: Extraction,
    notes: NoteLog,
    since_subtotal: Decimal,
    rows_since_subtotal: usize,
    last_region: Option<(String, (u32, u32))>,
    /// The last row read (the header's last, at first): a gap after it is blank rows.
    last_row: u32,
    items: usize,
    after_blank: bool,
    after_total: bool,
    identifier: String,
    raw: String,
    previous_raw: String,
    /// Whether a row's first text opens a total, by text: a million rows write their first
    /// cell in a few spellings (a phase, a region), each folded once.
    total_kinds: TextCache<Option<TotalKind>>,
}

/// Results kept by the text they were computed from, up to a bound.
struct TextCache<V> {
    map: HashMap<Box<str>, V, crate::core::intern::BuildFx>,
}

impl<V: Copy> TextCache<V> {
    /// Distinct texts remembered; beyond, results are computed again.
    const BOUND: usize = 4_096;

    fn new() -> Self {
        TextCache {
            map: HashMap::default(),
        }
    }

    fn get_or(&mut self, text: &str, compute: impl FnOnce(&str) -> V) -> V {
        if let Some(&v) = self.map.get(text) {
            return v;
        }
        let v = compute(text);
        if self.map.len() < Self::BOUND {
            self.map.insert(text.into(), v);
        }
        v
    }
}

impl<'l> RowReader<'l> {
    fn new(layout: &'l Layout, bounds: Bounds) -> Self {
        RowReader {
            layout,
            bounds,
            extraction: Extraction::default(),
            notes: NoteLog::default(),
            since_subtotal: Decimal::ZERO,
            rows_since_subtotal: 0,
            last_region: None,
            last_row: layout.header_rows.1,
            items: 0,
            after_blank: false,
            after_total: false,
            identifier: String::new(),
            raw: String::new(),
            previous_raw: String::new(),
            total_kinds: TextCache::new(),
        }
    }

    fn finish(mut self) -> Extraction {
        self.extraction.notes.extend(self.notes.into_notes());
        self.extraction
    }

    /// Reads `row`, which `grid` holds; says whether the table goes on.
    fn row(&mut self, grid: &Grid<'_>, row: u32, sink: &mut dyn Items) -> Result<Flow, Error> {
        let layout = self.layout;
        let bounds = self.bounds;
        if row > self.last_row.saturating_add(1) {
            // Rows without any cell between this one and the last.
            self.after_blank = true;
        }
        self.last_row = row;
        if grid.is_blank_row(row, bounds) {
            self.after_blank = true;
            return Ok(Flow::Continue);
        }
        let first = first_text(grid, bounds, row);
        let kind = first.and_then(|text| self.total_kinds.get_or(text, total_kind));
        if self.after_total && kind != Some(TotalKind::Total) {
            // The table ends at its total row (the last of consecutive ones).
            return Ok(Flow::Stop);
        }
        // "dont Saint-Martin et Saint-Barthélemy | 150 000" under Guadeloupe details the row
        // above it: not another line.
        if kind.is_none()
            && let (Some(label), _) = grid.merged_text(row, layout.label)
            && crate::core::vocab::is_detail(&label)
        {
            self.notes.push(Note::new(
                Rule::ExtractionDetail,
                Detail::DetailOfRow {
                    label: label.into_owned(),
                },
                grid.location(row, layout.label),
            ));
            return Ok(Flow::Continue);
        }
        let amount_empty = grid.is_blank_cell(row, layout.amount);
        if amount_empty && kind.is_none() && first.is_some_and(is_note) {
            return Ok(Flow::Stop);
        }
        if self.after_blank && !is_table_row(grid, bounds, layout, row) {
            // A blank row, then something that is not a row of the table: a note, a
            // second table. Blank rows inside the table are skipped.
            return Ok(Flow::Stop);
        }
        self.after_blank = false;

        match kind {
            Some(kind) => self.total_row(grid, row, kind, first.unwrap_or_default())?,
            None => return self.item_row(grid, row, sink),
        }
        Ok(Flow::Continue)
    }

    fn total_row(
        &mut self,
        grid: &Grid<'_>,
        row: u32,
        kind: TotalKind,
        label: &str,
    ) -> Result<(), Error> {
        let layout = self.layout;
        let Some(read) = read_amount(grid, row, layout.amount, layout.amount_scale)? else {
            return Err(Error::extraction(
                grid.location(row, layout.amount),
                format!("the row '{label}' has no amount: fill it in or delete the row"),
            ));
        };
        let stated = read.stated(grid, &mut self.raw);
        self.notes.extend(read.note);
        match kind {
            TotalKind::Total => {
                self.extraction.total_row = Some(stated);
                self.after_total = true;
            }
            // "Total France entière" after "Sous-total Métropole" and "Sous-total DROM": no
            // row since the last sub-total, so it totals the table.
            TotalKind::Subtotal if self.rows_since_subtotal == 0 && self.extraction_has_items() => {
                self.extraction.total_row = Some(stated);
                self.after_total = true;
            }
            TotalKind::Subtotal => {
                let value = stated.amount.value;
                if value != self.since_subtotal {
                    // Checked to the cent: the row and its rows are read alike.
                    self.notes.push(
                        Note::new(
                            Rule::SheetSubtotalMismatch,
                            Detail::SubtotalOfRows {
                                label: label.to_string(),
                                stated: value,
                                rows: self.rows_since_subtotal,
                                rows_sum: self.since_subtotal,
                            },
                            stated.location,
                        )
                        .arithmetic(
                            value,
                            self.since_subtotal,
                            Decimal::ZERO,
                        ),
                    );
                }
                self.since_subtotal = Decimal::ZERO;
                self.rows_since_subtotal = 0;
            }
        }
        Ok(())
    }

    fn extraction_has_items(&self) -> bool {
        self.items > 0
    }

    fn item_row(&mut self, grid: &Grid<'_>, row: u32, sink: &mut dyn Items) -> Result<Flow, Error> {
        let layout = self.layout;
        let label = read_text(grid, row, layout.label)?;
        let amount = read_amount(grid, row, layout.amount, layout.amount_scale)?;
        let previous = match layout.previous {
            Some((col, scale)) => read_amount(grid, row, col, scale)?,
            None => None,
        };
        let (label, amount) = match (label, amount) {
            (None, None) if previous.is_none() => return Ok(Flow::Continue),
            (Some(label), Some(amount)) => (label, amount),
            (Some((label, _)), None) => {
                return Err(Error::extraction(
                    grid.location(row, layout.amount),
                    format!(
                        "'{label}' has no amount: fill it in, or delete the row if it is not part of the table"
                    ),
                ));
            }
            (None, _) => {
                return Err(Error::extraction(
                    grid.location(row, layout.label),
                    format!(
                        "a figure without a label: row {} has an amount but column {} is empty",
                        u64::from(row) + 1,
                        column_letters(layout.label)
                    ),
                ));
            }
        };
        let mut region_hint = match layout.region {
            Some(col) => read_text(grid, row, col)?,
            None => None,
        };
        // ODS and xlsb do not report merged cells: a region merged down over its
        // beneficiaries reads as one value then empty cells. The region above is carried
        // down, and said.
        if grid.sheet.merges.is_none() {
            if region_hint.is_none()
                && let Some((text, from)) = &self.last_region
            {
                if let Some(col) = layout.region {
                    self.notes.push(Note::new(
                        Rule::SheetRegionCarried,
                        Detail::RegionCarried {
                            region: text.clone(),
                            from: grid.location(from.0, from.1),
                        },
                        grid.location(row, col),
                    ));
                }
                region_hint = Some((Cow::Owned(text.clone()), *from));
            }
            self.last_region = region_hint
                .as_ref()
                .map(|(text, at)| (text.to_string(), *at));
        }
        let identifier = match layout.identifier {
            Some(col) => match read_identifier(grid, row, col, &mut self.identifier)? {
                Some(note) => {
                    self.notes.extend(note);
                    Some(TextAt {
                        text: self.identifier.as_str(),
                        at: grid.place(row, col),
                    })
                }
                None => None,
            },
            None => None,
        };
        if let Some(note) = &amount.note {
            self.notes.push(note.clone());
        }
        if let Some(note) = previous.as_ref().and_then(|p| p.note.clone()) {
            self.notes.push(note);
        }
        self.since_subtotal += amount.amount.value;
        self.rows_since_subtotal += 1;
        self.items += 1;
        // "2024" in an "Exercice" column: the row's own year, published as such.
        let exercise = layout.exercise.and_then(|col| match grid.value(row, col) {
            Value::Int(year) => i32::try_from(year).ok().filter(|y| is_year(&y.to_string())),
            Value::Number(year) if year.fract() == 0.0 && (1990.0..=2100.0).contains(&year) => {
                Some(year as i32)
            }
            Value::Text(text) if is_year(text) => text.trim_matches(is_space).parse().ok(),
            _ => None,
        });
        let item = ItemAt {
            label: text_at(grid, &label),
            region_hint: region_hint.as_ref().map(|hint| text_at(grid, hint)),
            identifier,
            amount: amount.at(grid, &mut self.raw),
            previous: previous
                .as_ref()
                .map(|p| p.at(grid, &mut self.previous_raw)),
            exercise,
            // The label as the workbook's shared string of its cell reads it (trimmed).
            label_key: grid.shared_index(label.1.0, label.1.1),
        };
        crate::extract::check_magnitude(&item)?;
        sink.item(&item)?;
        Ok(Flow::Continue)
    }
}

// ---------------------------------------------------------------------------------------
// A sheet's table, read row by row.
// ---------------------------------------------------------------------------------------

/// A sheet being read: its stream, the header's window, the texts of the merged regions'
/// top-left cells read so far, and what the whole sheet is searched for as it passes (the
/// cells stating the declared totals).
struct Table<'w, R: Read + Seek> {
    /// Read before the sheet's merged regions were known (see `Workbook::speculate`).
    speculative: bool,
    sheet: SheetInfo<'w>,
    stream: Stream<'w, R>,
    /// The rows in use from the top of `bounds` over `HEADER_SCAN_ROWS` rows and one more.
    window: Vec<RowBuf>,
    /// The first row of the sheet holding a cell, and the last read so far.
    first_used: Option<u32>,
    last_used: u32,
    /// The first and last columns holding a cell, in the rows read so far.
    used_columns: (u32, u32),
    bounds: Bounds,
    origins: HashMap<(u32, u32), String>,
    /// Each declared total as written, its compact form, and the first cell holding it.
    declared: Vec<(String, String, Option<Location>)>,
    /// The stream has no more rows.
    ended: bool,
}

impl<'w, R: Read + Seek> Table<'w, R> {
    fn grid<'g>(&'g self, rows: &'g [RowBuf]) -> Grid<'g> {
        Grid {
            sheet: &self.sheet,
            strings: self.stream.strings(),
            rows,
            origins: &self.origins,
        }
    }

    /// Reads the rows of the header's window: from the first row in use (in any column) or
    /// the top of the anchor's range, whichever is lower, over `HEADER_SCAN_ROWS` rows and
    /// one more. Rows above pass through `observe` only; the cells of the window are those
    /// of the range's columns.
    fn fill_window(&mut self) -> Result<(), Error> {
        let source = self.sheet.source;
        let name = self.sheet.name.clone();
        let strings = self.stream.strings();
        loop {
            let Some(row) = self.stream.next_row(source, &name)? else {
                self.ended = true;
                break;
            };
            observe(
                &self.sheet,
                &mut self.origins,
                &mut self.declared,
                row,
                strings,
            );
            let first_used = *self.first_used.get_or_insert(row.index);
            self.last_used = row.index;
            self.used_columns = used_columns(self.used_columns, row, strings);
            let start = self.bounds.first_row.max(first_used);
            let end = start
                .saturating_add(HEADER_SCAN_ROWS)
                .min(self.bounds.last_row);
            if row.index < start {
                continue;
            }
            if row.index > self.bounds.last_row {
                break;
            }
            let mut kept = row.clone();
            kept.retain_columns(|col| self.bounds.has_col(col));
            if !kept.is_empty() {
                self.window.push(kept);
            }
            // A row past the window (after blank rows) is kept too: it is the table's.
            if row.index >= end {
                break;
            }
        }
        Ok(())
    }

    /// Whether the table's bounds hold no cell: the range and the rectangle of the cells in
    /// use do not meet (then the rest of the sheet is read to tell).
    fn is_empty(&mut self) -> Result<bool, Error> {
        if !self.window.is_empty() {
            return Ok(false);
        }
        let Some(first_used) = self.first_used else {
            return Ok(true);
        };
        let source = self.sheet.source;
        let name = self.sheet.name.clone();
        let strings = self.stream.strings();
        while let Some(row) = self.stream.next_row(source, &name)? {
            self.last_used = row.index;
            self.used_columns = used_columns(self.used_columns, row, strings);
        }
        self.ended = true;
        let (first_col, last_col) = self.used_columns;
        let used = Bounds {
            first_row: first_used,
            first_col,
            last_row: self.last_used,
            last_col,
        };
        Ok(first_col > last_col || !self.bounds.meets(used))
    }

    /// The bounds of the table: from the window's first row, down to the range's last row
    /// or the sheet's.
    fn table_bounds(&self) -> Bounds {
        let first_row = self.first_used.map_or(self.bounds.first_row, |used| {
            self.bounds.first_row.max(used)
        });
        let mut bounds = Bounds {
            first_row,
            ..self.bounds
        };
        if self.ended {
            // The whole sheet has been read: its last row is the table's last.
            bounds.last_row = bounds.last_row.min(self.last_used);
        }
        bounds
    }

    /// The table's header in the window: the first row (or pair of rows) within
    /// `HEADER_SCAN_ROWS` whose columns include a label and an amount.
    fn find_layout(&self, spec: &EnvelopeSpec) -> Result<Option<Layout>, Error> {
        let grid = self.grid(&self.window);
        find_layout(&grid, self.table_bounds(), spec)
    }

    /// A summary first: a "Total" row above the header, its amount in the amount column.
    fn total_above_header(&self, layout: &Layout) -> Result<Option<StatedAmount>, Error> {
        let grid = self.grid(&self.window);
        let bounds = self.table_bounds();
        for row in self
            .window
            .iter()
            .map(|r| r.index)
            .filter(|&r| r < layout.header_rows.0)
        {
            let is_total = first_text(&grid, bounds, row)
                .is_some_and(|t| total_kind(t) == Some(TotalKind::Total));
            if is_total
                && let Some(read) = read_amount(&grid, row, layout.amount, layout.amount_scale)?
            {
                let mut raw = String::new();
                return Ok(Some(read.stated(&grid, &mut raw)));
            }
        }
        Ok(None)
    }

    /// Reads the table's rows, from the one under the header to its end, each item handed
    /// to `sink` as it is read.
    fn read_rows(&mut self, layout: &Layout, sink: &mut dyn Items) -> Result<Extraction, Error> {
        let bounds = self.table_bounds();
        let mut reader = RowReader::new(layout, bounds);
        let window = std::mem::take(&mut self.window);
        let mut flow = Flow::Continue;
        for row in window.iter().filter(|r| r.index > layout.header_rows.1) {
            let grid = Grid {
                sheet: &self.sheet,
                strings: self.stream.strings(),
                rows: std::slice::from_ref(row),
                origins: &self.origins,
            };
            flow = reader.row(&grid, row.index, sink)?;
            if flow == Flow::Stop {
                break;
            }
        }
        self.window = window;
        if flow == Flow::Continue && !self.ended {
            let source = self.sheet.source;
            let name = self.sheet.name.clone();
            // The window's rows were read by `fill_window`; the stream goes on after them.
            let strings = self.stream.strings();
            while let Some(row) = self.stream.next_row(source, &name)? {
                observe(
                    &self.sheet,
                    &mut self.origins,
                    &mut self.declared,
                    row,
                    strings,
                );
                if row.index > bounds.last_row {
                    break;
                }
                let grid = Grid {
                    sheet: &self.sheet,
                    strings,
                    rows: std::slice::from_ref(row),
                    origins: &self.origins,
                };
                if reader.row(&grid, row.index, sink)? == Flow::Stop {
                    break;
                }
            }
        }
        Ok(reader.finish())
    }

    /// The merged regions of a sheet read before they were known; `None` if it was read
    /// with them.
    fn unread_merges(&mut self) -> Result<Option<Vec<Dimensions>>, Error> {
        if !self.speculative {
            return Ok(None);
        }
        let Stream::Threaded(rows, _) = &mut self.stream else {
            return Ok(None);
        };
        rows.merges().map(Some).map_err(|e| {
            Error::extraction(
                sheet_location(self.sheet.source, &self.sheet.name),
                format!("cannot read sheet '{}': {e}", self.sheet.name),
            )
        })
    }

    /// Whether merged regions leave what was read without them as it is: none covers the
    /// label or region column below the header (the only cells of the rows read through
    /// merged regions), and the header's window gives the same table with them.
    fn unaffected_by(&self, regions: &[Dimensions], layout: &Layout, spec: &EnvelopeSpec) -> bool {
        let merges = Merges::new(regions);
        let below = layout.header_rows.1;
        for col in std::iter::once(layout.label).chain(layout.region) {
            let covers_rows = merges
                .by_column
                .get(&col)
                .is_some_and(|spans| spans.iter().any(|&(_, last, _)| last > below));
            if covers_rows {
                return false;
            }
        }
        let (Some(first), Some(last)) = (self.window.first(), self.window.last()) else {
            return true;
        };
        let touching: Vec<&Dimensions> = regions
            .iter()
            .filter(|d| d.start != d.end && d.start.0 <= last.index && d.end.0 >= first.index)
            .collect();
        if touching.is_empty() {
            return true;
        }
        // A region's text is its top-left cell's: it must be one the window holds.
        if touching
            .iter()
            .any(|d| d.start.0 < first.index || !self.bounds.has_col(d.start.1))
        {
            return false;
        }
        let sheet = SheetInfo {
            source: self.sheet.source,
            name: self.sheet.name.clone(),
            merges: Some(merges),
        };
        let no_origins = HashMap::new();
        let grid = Grid {
            sheet: &sheet,
            strings: self.stream.strings(),
            rows: &self.window,
            origins: &no_origins,
        };
        matches!(find_layout(&grid, self.table_bounds(), spec), Ok(Some(again)) if again == *layout)
    }

    /// Where the sheet states each declared total (compared without spaces, so that
    /// "67 000 000 €" matches "67 000 000 €"): the first cell in reading order, the rest of
    /// the sheet read for it when the table did not reach it.
    fn declared_cells(&mut self) -> Result<Vec<(String, Option<Location>)>, Error> {
        let source = self.sheet.source;
        let name = self.sheet.name.clone();
        let strings = self.stream.strings();
        while self.declared.iter().any(|(_, _, found)| found.is_none())
            && let Some(row) = self.stream.next_row(source, &name)?
        {
            observe(
                &self.sheet,
                &mut self.origins,
                &mut self.declared,
                row,
                strings,
            );
        }
        Ok(self
            .declared
            .iter()
            .map(|(written, _, found)| (written.clone(), found.clone()))
            .collect())
    }
}

/// The first and last columns of `row`'s cells, with those before.
fn used_columns((first, last): (u32, u32), row: &RowBuf, strings: &SharedStrings) -> (u32, u32) {
    row.cells(strings)
        .fold((first, last), |(f, l), c| (f.min(c.col), l.max(c.col)))
}

/// What every row of the sheet is read for as it passes, inside the table or not: the text
/// of the merged regions' top-left cells (a region merged down over the rows below labels
/// each of them), and the first cell stating each declared total.
fn observe(
    sheet: &SheetInfo<'_>,
    origins: &mut HashMap<(u32, u32), String>,
    declared: &mut [(String, String, Option<Location>)],
    row: &RowBuf,
    strings: &SharedStrings,
) {
    if let Some(merges) = &sheet.merges
        && !merges.origins.is_empty()
    {
        for cell in row.cells(strings) {
            if merges.origins.contains(&(row.index, cell.col))
                && let Some(text) = cell_text(cell.value)
            {
                origins.insert((row.index, cell.col), text.into_owned());
            }
        }
    }
    for (_, wanted, found) in declared.iter_mut().filter(|(_, _, f)| f.is_none()) {
        for cell in row.cells(strings) {
            if let Value::Text(text) = cell.value
                && contains_compact(text, wanted)
            {
                *found = Some(Location::Cell {
                    file: sheet.source.to_string(),
                    sheet: sheet.name.clone(),
                    cell: a1(row.index, cell.col),
                });
                break;
            }
        }
    }
}

/// Whether `text`, folded and without spaces, contains `wanted` (folded, without spaces):
/// an ASCII text is compared without building its folded form.
fn contains_compact(text: &str, wanted: &str) -> bool {
    if text.is_ascii() {
        // `fold` on ASCII: lower case, and a backquote read as an apostrophe.
        let bytes: Vec<u8> = text
            .bytes()
            .filter(|&b| !char::from(b).is_whitespace())
            .map(|b| match b {
                b'`' => b'\'',
                b => b.to_ascii_lowercase(),
            })
            .collect();
        return memchr::memmem::find(&bytes, wanted.as_bytes()).is_some();
    }
    compact(text).contains(wanted)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Continue,
    Stop,
}

/// The notes of one table, in the order they were made.
#[derive(Debug, Default)]
struct NoteLog {
    notes: Vec<Note>,
}

impl NoteLog {
    fn push(&mut self, note: Note) {
        self.notes.push(note);
    }

    fn extend(&mut self, notes: impl IntoIterator<Item = Note>) {
        for note in notes {
            self.push(note);
        }
    }

    fn into_notes(self) -> Vec<Note> {
        self.notes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchor_is_a_sheet_or_a_range() {
        let a = Anchor::parse("Annexe 1!A4:C23");
        assert_eq!(a.sheet, "Annexe 1");
        assert_eq!(a.range.map(|r| r.a1()), Some("A4:C23".to_string()));
        let a = Anchor::parse("'L''annexe'!C23:A4");
        assert_eq!(a.sheet, "L'annexe");
        assert_eq!(a.range.map(|r| r.a1()), Some("A4:C23".to_string()));
        let a = Anchor::parse("Attention!");
        assert_eq!(a.sheet, "Attention!");
        assert!(a.range.is_none());
    }

    #[test]
    fn header_words_are_matched_whole_and_folded() {
        assert!(Traits::of(&words("Région")).region);
        assert!(!Traits::of(&words("Répartition régionale")).region);
        assert!(Traits::of(&words("Agence régionale de santé")).region);
        assert!(Traits::of(&words("Montant de la subvention (en €)")).amount);
        assert!(Traits::of(&words("Part (en %)")).ignored);
        assert!(Traits::of(&words("N° FINESS EJ")).identifier);
        assert_eq!(
            header_scale(&words("Crédits (en M€)")),
            Some(Decimal::from(1_000_000))
        );
        assert_eq!(
            header_scale(&words("en milliers d’euros")),
            Some(Decimal::from(1_000))
        );
        assert_eq!(header_scale(&words("Montant (€)")), Some(Decimal::ONE));
        assert_eq!(header_scale(&words("Montant")), None);
    }

    #[test]
    fn totals_and_subtotals_are_told_apart() {
        assert_eq!(total_kind("Total"), Some(TotalKind::Total));
        assert_eq!(total_kind("TOTAL GÉNÉRAL"), Some(TotalKind::Total));
        assert_eq!(total_kind("Total national"), Some(TotalKind::Total));
        assert_eq!(total_kind("Sous-total"), Some(TotalKind::Subtotal));
        assert_eq!(total_kind("Sous total Nord"), Some(TotalKind::Subtotal));
        assert_eq!(total_kind("Total Île-de-France"), Some(TotalKind::Subtotal));
        assert_eq!(total_kind("Totalement autre"), None);
        assert_eq!(total_kind("Bretagne"), None);
    }

    #[test]
    fn currency_is_stripped_before_parsing() {
        assert_eq!(strip_currency("8.348.102,00 €"), "8.348.102,00");
        assert_eq!(strip_currency("645 000 euros"), "645 000");
        assert_eq!(strip_currency("12 EUR"), "12");
        assert_eq!(strip_currency("€ 12"), "12");
        assert_eq!(
            strip_currency("\u{a0}2\u{a0}763\u{a0}000,00\u{a0}€"),
            "2\u{a0}763\u{a0}000,00"
        );
        assert_eq!(strip_currency("€"), "");
        assert_eq!(strip_currency("Montant"), "Montant");
    }

    #[test]
    fn luhn_and_scientific_notation() {
        // 732829320 is a real SIREN (it opens the SIRET 732 829 320 00074).
        assert!(crate::extract::luhn_valid("732829320"));
        assert!(!crate::extract::luhn_valid("732829321"));
        assert!(is_scientific("2,601E+13"));
        assert!(is_scientific("2.601e13"));
        assert!(!is_scientific("010002345"));
        assert!(!is_scientific("E12"));
    }

    #[test]
    fn notes_under_a_table() {
        assert!(is_note("Source : instruction du 16 janvier 2023"));
        assert!(is_note("* montants arrondis"));
        assert!(is_note("NB : hors Mayotte"));
        assert!(!is_note("Bretagne"));
    }

    /// Every xlsx workbook of the repository, read by the streaming reader and by
    /// calamine: the same cells with the same values and formulas, the same merged regions.
    #[test]
    fn the_streaming_reader_reads_every_workbook_as_calamine_does() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut workbooks = Vec::new();
        let mut dirs = vec![root.join("tests/fixtures"), root.join("inputs")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("a fixtures folder") {
                let path = entry.expect("an entry").path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "xlsx") {
                    workbooks.push(path);
                }
            }
        }
        assert!(workbooks.len() > 20, "{workbooks:?}");
        let mut compared = 0;
        for path in workbooks {
            let bytes = std::fs::read(&path).expect("a workbook");
            let Ok(mut theirs) =
                calamine::open_workbook_from_rs::<calamine::Xlsx<_>, _>(Cursor::new(bytes.clone()))
            else {
                // Damaged on purpose: the streaming reader must not open it either.
                assert!(
                    xlsx::Workbook::open(Cursor::new(&bytes[..])).is_err(),
                    "{path:?}"
                );
                continue;
            };
            let mut ours = xlsx::Workbook::open(Cursor::new(&bytes[..])).expect("opens");
            let sheets = ours.sheets();
            assert_eq!(sheets, theirs.sheets_metadata().to_vec(), "{path:?}");
            for sheet in sheets.iter().filter(|s| s.typ == SheetType::WorkSheet) {
                let name = &sheet.name;
                let mut expected = BTreeMap::new();
                let values = theirs.worksheet_range(name).expect("values");
                let formulas = theirs.worksheet_formula(name).expect("formulas");
                for (r, c, data) in values.used_cells() {
                    if !matches!(data, Data::Empty) {
                        let at = offset(values.start().expect("a start"), r, c);
                        let shown = match data {
                            Data::DateTime(d) => format!("date {}", d.as_f64()),
                            other => format!("{other:?}"),
                        };
                        expected.insert(at, (shown, None));
                    }
                }
                for (r, c, formula) in formulas.used_cells() {
                    if !formula.trim().is_empty() {
                        let at = offset(formulas.start().expect("a start"), r, c);
                        expected.entry(at).or_insert(("Empty".to_string(), None)).1 =
                            Some(formula.clone());
                    }
                }
                let mut merges = theirs.merge_cells_by_sheet_name(name).expect("merges");
                let mut our_merges = ours.merges(name).expect("merges");
                merges.sort_by_key(|d| (d.start, d.end));
                our_merges.sort_by_key(|d| (d.start, d.end));
                assert_eq!(our_merges, merges, "{path:?} {name}");
                let mut read = BTreeMap::new();
                let mut rows = ours.rows(name).expect("rows");
                let strings = rows.strings();
                while let Some(row) = rows.next_row().expect("a row") {
                    for cell in row.cells(strings) {
                        let shown = match cell.value {
                            Value::Empty => "Empty".to_string(),
                            Value::Text(s) => format!("{:?}", Data::String(s.to_string())),
                            Value::Number(n) => format!("{:?}", Data::Float(n)),
                            Value::Int(i) => format!("{:?}", Data::Int(i)),
                            Value::Bool(b) => format!("{:?}", Data::Bool(b)),
                            Value::Date(n) => format!("date {n}"),
                            Value::Iso(s) => format!("{:?}", Data::DateTimeIso(s.to_string())),
                            Value::Error(e) => format!("error {e}"),
                        };
                        read.insert(
                            (row.index, cell.col),
                            (shown, cell.formula.map(str::to_string)),
                        );
                    }
                }
                for (at, (shown, _)) in expected.iter_mut() {
                    if let Some(Data::Error(e)) = values.get_value(*at) {
                        *shown = format!("error {e}");
                    }
                }
                assert_eq!(read, expected, "{path:?} {name}");
                compared += 1;
            }
        }
        assert!(compared > 20);
    }

    /// A cell naming a shared string past the table is an error whichever side reads the
    /// strings (the thread of a large sheet leaves them to the reader of the table).
    #[test]
    fn a_shared_string_past_the_table_is_an_error_read_on_a_thread_or_not() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/sheets/reads/float-noise");
        let original = std::fs::read(dir.join("float-noise.xlsx")).expect("the workbook");
        let spec: EnvelopeSpec = toml::from_str(
            &std::fs::read_to_string(dir.join("envelope.toml")).expect("envelope.toml"),
        )
        .expect("an envelope");
        // Every shared string index of the sheet made one past any table.
        let mut archive = zip::ZipArchive::new(Cursor::new(&original[..])).expect("a zip");
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for i in 0..archive.len() {
            let mut entry = archive.by_index(i).expect("an entry");
            let name = entry.name().expect("a name").to_string();
            let mut content = Vec::new();
            entry.read_to_end(&mut content).expect("inflates");
            if name == "xl/worksheets/sheet1.xml" {
                let xml = String::from_utf8(content).expect("UTF-8");
                let mut edited = String::new();
                let mut rest = xml.as_str();
                while let Some(at) = rest.find("t=\"s\"") {
                    let (head, tail) = rest.split_at(at);
                    edited.push_str(head);
                    let v = tail.find("<v>").expect("a value") + 3;
                    let end = tail.find("</v>").expect("its end");
                    edited.push_str(&tail[..v]);
                    edited.push_str("999999");
                    rest = &tail[end..];
                }
                edited.push_str(rest);
                content = edited.into_bytes();
            }
            out.start_file(name, zip::write::SimpleFileOptions::default())
                .expect("an entry");
            std::io::Write::write_all(&mut out, &content).expect("written");
        }
        let bytes = out.finish().expect("a zip").into_inner();
        for threaded_above in [0, u64::MAX] {
            let error =
                read_threaded(threaded_above, &bytes, &spec).expect_err("an index past the table");
            assert!(
                error.contains("a shared string index out of the table"),
                "{threaded_above}: {error}"
            );
        }
    }

    /// A workbook's envelope read, its sheets of more than `threaded_above` bytes of XML on
    /// a thread of their own: the extraction with its items, or the error's text.
    fn read_threaded(
        threaded_above: u64,
        bytes: &[u8],
        spec: &EnvelopeSpec,
    ) -> Result<Extraction, String> {
        let keys = crate::model::KeyLines::of("[[envelopes]]\nid = \"e\"\n");
        let path = std::path::PathBuf::from("e.toml");
        let described = DescriptionRef {
            path: &path,
            keys: &keys,
            envelope: 0,
        };
        let mut items: Vec<RawItem> = Vec::new();
        extract_with_threads_above(
            threaded_above,
            "w.xlsx",
            &|| Ok(Cursor::new(bytes)),
            spec,
            &described,
            &mut items,
        )
        .map(|mut extraction| {
            extraction.items = items;
            extraction
        })
        .map_err(|e| e.to_string())
    }

    /// The reading thread runs ahead until the other side takes its first batch, then no
    /// more than `BATCHES_AHEAD_TAKING` batches; it keeps that many for reuse, not more.
    #[test]
    fn the_reading_thread_keeps_a_few_batches_once_rows_are_taken() {
        let mut batches = Circulation {
            ahead: BATCHES_AHEAD,
            ..Circulation::default()
        };
        assert!(
            !batches.must_wait(),
            "nothing taken yet: the thread reads on"
        );
        for _ in 0..BATCHES_AHEAD - 2 {
            batches.handed_back(vec![RowBuf::default()]);
        }
        assert_eq!(batches.ahead, 2);
        assert_eq!(batches.spares.len(), BATCHES_AHEAD_TAKING);
        assert!(!batches.must_wait());
        batches.ahead = BATCHES_AHEAD_TAKING;
        assert!(batches.must_wait());
        batches.handed_back(Vec::new());
        assert!(!batches.must_wait());
    }

    /// A table longer than the batches the reading thread may send ahead reads on a thread
    /// as it reads whole: the thread waits for its rows to be taken, and goes on.
    #[test]
    fn a_table_longer_than_the_rows_sent_ahead_reads_on_a_thread_as_whole() {
        let rows = (BATCHES_AHEAD_TAKING * 3) * BATCH_ROWS + 7;
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name("Répartition").expect("a name");
        sheet
            .write_string(0, 0, "Organisme gestionnaire")
            .expect("written");
        sheet.write_string(0, 1, "Montant (€)").expect("written");
        let mut total = 0u64;
        for i in 1..=rows {
            let row = u32::try_from(i).expect("a row");
            let cents = (i as u64) * 125;
            total += cents;
            sheet
                .write_string(row, 0, format!("Établissement {i}"))
                .expect("written");
            sheet
                .write_number(row, 1, cents as f64 / 100.0)
                .expect("written");
        }
        let last = u32::try_from(rows + 1).expect("a row");
        sheet.write_string(last, 0, "Total").expect("written");
        sheet
            .write_number(last, 1, total as f64 / 100.0)
            .expect("written");
        let bytes = book.save_to_buffer().expect("a workbook");
        let spec: EnvelopeSpec = toml::from_str(
            "id = \"long\"\nprogramme = \"ESMS numérique\"\nexercise = 2025\n\
             phase = \"p\"\nchannel = \"c\"\nbreakdown = \"beneficiary\"\n\
             anchor = \"Répartition\"\n[columns]\nlabel = \"Organisme gestionnaire\"\n\
             amount = \"Montant (€)\"\n",
        )
        .expect("an envelope");
        let whole = read_threaded(u64::MAX, &bytes, &spec).expect("the table reads");
        assert_eq!(
            whole.items.len(),
            rows,
            "every establishment, the total apart"
        );
        assert_eq!(read_threaded(0, &bytes, &spec), Ok(whole));
    }

    /// Every workbook of the spreadsheet gallery read as a large sheet is (on a thread of its
    /// own, before its merged regions are known) gives what it gives read whole: the same
    /// items, totals and notes, or the same error.
    #[test]
    fn a_sheet_read_on_a_thread_before_its_merged_regions_reads_the_same() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sheets");
        let mut compared = 0;
        for group in ["reads", "refused", "asserted"] {
            for entry in std::fs::read_dir(root.join(group)).expect("the gallery") {
                let dir = entry.expect("a case").path();
                let spec: EnvelopeSpec = toml::from_str(
                    &std::fs::read_to_string(dir.join("envelope.toml")).expect("envelope.toml"),
                )
                .expect("an envelope");
                let workbook = std::fs::read_dir(&dir)
                    .expect("a case")
                    .map(|e| e.expect("a file").path())
                    .find(|p| p.file_name().is_some_and(|n| n != "envelope.toml"))
                    .expect("a workbook");
                let bytes = std::fs::read(&workbook).expect("a workbook");
                let whole = read_threaded(u64::MAX, &bytes, &spec);
                assert_eq!(read_threaded(0, &bytes, &spec), whole, "{}", dir.display());
                compared += 1;
                // The sheet found, named by an anchor: read before its merged regions.
                let found = whole
                    .as_ref()
                    .ok()
                    .and_then(|e| e.items.first())
                    .and_then(|item| item.amount.location.sheet().map(str::to_string));
                if let (None, Some(sheet)) = (&spec.anchor, found) {
                    let anchored = EnvelopeSpec {
                        anchor: Some(sheet),
                        ..spec.clone()
                    };
                    let whole = read_threaded(u64::MAX, &bytes, &anchored);
                    assert_eq!(
                        read_threaded(0, &bytes, &anchored),
                        whole,
                        "{} (anchored)",
                        dir.display()
                    );
                    compared += 1;
                }
            }
        }
        assert!(compared > 30, "{compared}");
    }
}
