//! An xlsx workbook read as a stream: the workbook's sheets, shared strings and date styles
//! are read when it opens, then one worksheet is read row by row, each row's cells decoded
//! into a reused buffer. Nothing holds the whole sheet: a million-row annex goes through in
//! the memory of a row.
//!
//! The values are those calamine gives (so that a workbook reads the same whatever its
//! format): shared and inline strings (rich text runs joined, phonetic runs dropped, the
//! `_x000D_` escapes decoded, text trimmed of ASCII blanks unless `xml:space="preserve"`),
//! numbers as floats, dates by their cell style, booleans, error values, and a cell's
//! formula when it has one. Merged regions stand after the cells in a worksheet's XML: they
//! are read first, by a quick scan of the part for `<mergeCell`.

use super::xml::{self, Event, Pull, SliceReader, Tag, XmlError, XmlReader};
use calamine::{Dimensions, Sheet, SheetType, SheetVisible};
use std::io::{Read, Seek};

#[derive(Debug)]
pub(super) enum XlsxError {
    Zip(zip::result::ZipError),
    Xml(XmlError),
    /// A part or value that does not follow the format.
    Invalid(String),
}

impl std::fmt::Display for XlsxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            XlsxError::Zip(e) => write!(f, "{e}"),
            XlsxError::Xml(e) => write!(f, "{e}"),
            XlsxError::Invalid(what) => f.write_str(what),
        }
    }
}

impl From<zip::result::ZipError> for XlsxError {
    fn from(e: zip::result::ZipError) -> Self {
        XlsxError::Zip(e)
    }
}

impl From<XmlError> for XlsxError {
    fn from(e: XmlError) -> Self {
        XlsxError::Xml(e)
    }
}

impl From<std::io::Error> for XlsxError {
    fn from(e: std::io::Error) -> Self {
        XlsxError::Xml(XmlError::Io(e))
    }
}

/// How a cell's number is shown: its style's number format says a date or a duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NumberStyle {
    Number,
    Date,
    Duration,
}

/// Every shared string in one buffer.
#[derive(Debug, Default)]
pub(super) struct SharedStrings {
    text: String,
    ends: Vec<u32>,
}

impl SharedStrings {
    pub fn get(&self, index: usize) -> Option<&str> {
        let end = *self.ends.get(index)? as usize;
        let start = match index {
            0 => 0,
            _ => self.ends[index - 1] as usize,
        };
        self.text.get(start..end)
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    fn push(&mut self, text: &str) -> Result<(), XlsxError> {
        self.text.push_str(text);
        let end = u32::try_from(self.text.len())
            .map_err(|_| XlsxError::Invalid("shared strings beyond 4 GiB".to_string()))?;
        self.ends.push(end);
        Ok(())
    }
}

pub(super) struct Workbook<R: Read + Seek> {
    zip: zip::ZipArchive<R>,
    /// Lower-cased, `/`-separated part names → the names in the archive.
    parts: std::collections::HashMap<String, String>,
    sheets: Vec<(Sheet, String)>,
    styles: Vec<NumberStyle>,
    strings: Option<SharedStrings>,
    strings_path: Option<String>,
    /// Shared strings read at most (`None`: all of them).
    strings_limit: Option<usize>,
    /// Merged regions already scanned for, by sheet.
    merges: std::collections::HashMap<String, Vec<Dimensions>>,
}

impl<R: Read + Seek> Workbook<R> {
    /// Opens an xlsx package; an error when it is not one (the caller then tries the
    /// other formats).
    pub fn open(reader: R) -> Result<Self, XlsxError> {
        let zip = zip::ZipArchive::new(reader)?;
        let parts = zip
            .file_names()
            .filter_map(Result::ok)
            .map(|name| {
                (
                    name.replace('\\', "/").to_ascii_lowercase(),
                    name.to_string(),
                )
            })
            .collect();
        let mut book = Workbook {
            zip,
            parts,
            sheets: Vec::new(),
            styles: Vec::new(),
            strings: None,
            strings_path: None,
            strings_limit: None,
            merges: std::collections::HashMap::new(),
        };
        let workbook_path = book.office_document()?;
        if workbook_path.to_ascii_lowercase().ends_with(".bin") {
            return Err(XlsxError::Invalid("an xlsb workbook".to_string()));
        }
        let (dir, name) = match workbook_path.rfind('/') {
            Some(i) => workbook_path.split_at(i + 1),
            None => ("", workbook_path.as_str()),
        };
        let dir = dir.strip_prefix('/').unwrap_or(dir).to_string();
        let relationships = book.relationships(&format!("{dir}_rels/{name}.rels"))?;
        book.read_workbook(&format!("{dir}{name}"), &dir, &relationships)?;
        let styles = relationships
            .iter()
            .find(|r| r.kind.ends_with("/styles"))
            .map_or_else(|| format!("{dir}styles.xml"), |r| target(&dir, &r.target));
        book.read_styles(&styles)?;
        book.strings_path = Some(
            relationships
                .iter()
                .find(|r| r.kind.ends_with("/sharedStrings"))
                .map_or_else(
                    || format!("{dir}sharedStrings.xml"),
                    |r| target(&dir, &r.target),
                ),
        );
        Ok(book)
    }

    /// Reads only the first `limit` shared strings: enough for the first rows of a sheet
    /// (Excel and LibreOffice number them in order of first use), a shorter read of a
    /// million-row table's strings. A cell naming a string past them reads as empty text.
    pub fn limit_strings(&mut self, limit: usize) {
        self.strings_limit = Some(limit);
    }

    /// The sheets in workbook order, with their kind and visibility.
    pub fn sheets(&self) -> Vec<Sheet> {
        self.sheets.iter().map(|(sheet, _)| sheet.clone()).collect()
    }

    fn part(
        &mut self,
        path: &str,
    ) -> Result<Option<Bounded<zip::read::ZipFile<'_, R>>>, XlsxError> {
        let key = path.replace('\\', "/").to_ascii_lowercase();
        let Some(name) = self.parts.get(&key) else {
            return Ok(None);
        };
        Ok(Some(Bounded::new(self.zip.by_name(name)?, name)))
    }

    fn office_document(&mut self) -> Result<String, XlsxError> {
        let relationships = self.relationships("_rels/.rels")?;
        relationships
            .into_iter()
            .find(|r| r.kind.ends_with("/relationships/officeDocument"))
            .map(|r| r.target)
            .ok_or_else(|| XlsxError::Invalid("no workbook in the package".to_string()))
    }

    fn relationships(&mut self, path: &str) -> Result<Vec<Relationship>, XlsxError> {
        let Some(part) = self.part(path)? else {
            return Err(XlsxError::Invalid(format!("no part {path}")));
        };
        let mut xml = XmlReader::new(part);
        let mut out = Vec::new();
        loop {
            match xml.next()? {
                Event::Start(tag) if tag.name == b"Relationship" => out.push(Relationship {
                    id: attribute(&tag, b"Id").unwrap_or_default(),
                    kind: attribute(&tag, b"Type").unwrap_or_default(),
                    target: attribute(&tag, b"Target").unwrap_or_default(),
                }),
                Event::Eof => return Ok(out),
                _ => {}
            }
        }
    }

    fn read_workbook(
        &mut self,
        path: &str,
        dir: &str,
        relationships: &[Relationship],
    ) -> Result<(), XlsxError> {
        let Some(part) = self.part(path)? else {
            return Err(XlsxError::Invalid(format!("no part {path}")));
        };
        let mut xml = XmlReader::new(part);
        let mut sheets = Vec::new();
        loop {
            match xml.next()? {
                Event::Start(tag) if tag.name == b"sheet" => {
                    let name = attribute(&tag, b"name").unwrap_or_default();
                    let visible = match tag.attribute(b"state") {
                        Some(b"hidden") => SheetVisible::Hidden,
                        Some(b"veryHidden") => SheetVisible::VeryHidden,
                        _ => SheetVisible::Visible,
                    };
                    let id = attribute(&tag, b"id").unwrap_or_default();
                    let Some(relationship) = relationships.iter().find(|r| r.id == id) else {
                        return Err(XlsxError::Invalid(format!(
                            "sheet '{name}' has no relationship"
                        )));
                    };
                    let typ = match relationship.kind.rsplit('/').next() {
                        Some("worksheet") => SheetType::WorkSheet,
                        Some("chartsheet") => SheetType::ChartSheet,
                        Some("dialogsheet") => SheetType::DialogSheet,
                        _ => SheetType::MacroSheet,
                    };
                    sheets.push((
                        Sheet { name, typ, visible },
                        target(dir, &relationship.target),
                    ));
                }
                Event::Eof => break,
                _ => {}
            }
        }
        drop(xml);
        self.sheets = sheets;
        Ok(())
    }

    /// The number style of each cell format (`cellXfs`), by calamine's rules.
    fn read_styles(&mut self, path: &str) -> Result<(), XlsxError> {
        let Some(part) = self.part(path)? else {
            return Ok(());
        };
        let mut xml = XmlReader::new(part);
        let mut custom: Vec<(Vec<u8>, String)> = Vec::new();
        let mut styles = Vec::new();
        let mut in_cell_xfs = false;
        loop {
            match xml.next()? {
                Event::Start(tag) if tag.name == b"numFmt" => {
                    if let (Some(id), Some(code)) =
                        (tag.attribute(b"numFmtId"), attribute(&tag, b"formatCode"))
                    {
                        custom.push((id.to_vec(), code));
                    }
                }
                Event::Start(tag) if tag.name == b"cellXfs" => in_cell_xfs = !tag.empty,
                Event::End(b"cellXfs") => in_cell_xfs = false,
                Event::Start(tag) if in_cell_xfs && tag.name == b"xf" => {
                    let style = match tag.attribute(b"numFmtId") {
                        None => NumberStyle::Number,
                        Some(id) => match custom.iter().find(|(c, _)| c.as_slice() == id) {
                            Some((_, code)) => custom_number_style(code),
                            None => builtin_number_style(id),
                        },
                    };
                    styles.push(style);
                }
                Event::Eof => break,
                _ => {}
            }
        }
        drop(xml);
        self.styles = styles;
        Ok(())
    }

    fn read_shared_strings(&mut self) -> Result<(), XlsxError> {
        if self.strings.is_some() {
            return Ok(());
        }
        let mut strings = SharedStrings::default();
        let path = self.strings_path.clone().unwrap_or_default();
        let limit = self.strings_limit;
        if let Some(part) = self.part(&path)? {
            let mut xml = XmlReader::new(part);
            let mut text = String::new();
            let mut run = String::new();
            loop {
                match xml.next()? {
                    Event::Start(tag) if tag.name == b"si" => {
                        text.clear();
                        if !tag.empty {
                            let mut qname = [0u8; 16];
                            let length = tag.qname.len().min(qname.len());
                            qname[..length].copy_from_slice(&tag.qname[..length]);
                            let content = xml.content(&qname[..length])?;
                            match plain_run(content) {
                                // The common string of one run, read off its bytes.
                                Some((raw, preserve)) => {
                                    plain_text(raw, preserve, &mut run, &mut text);
                                }
                                None => {
                                    read_rich_text(
                                        &mut SliceReader::new(content),
                                        b"si",
                                        &mut text,
                                    )?;
                                }
                            }
                        }
                        strings.push(&text)?;
                        if limit.is_some_and(|limit| strings.len() >= limit) {
                            break;
                        }
                    }
                    Event::Eof => break,
                    _ => {}
                }
            }
        }
        self.strings = Some(strings);
        Ok(())
    }

    /// The merged regions of a sheet, from a scan of its part for `<mergeCell` (they stand
    /// after its cells).
    pub fn merges(&mut self, name: &str) -> Result<Vec<Dimensions>, XlsxError> {
        if let Some(merges) = self.merges.get(name) {
            return Ok(merges.clone());
        }
        let merges = self.scan_merges(name)?;
        self.merges.insert(name.to_string(), merges.clone());
        Ok(merges)
    }

    fn scan_merges(&mut self, name: &str) -> Result<Vec<Dimensions>, XlsxError> {
        let path = self.sheet_path(name)?;
        let Some(part) = self.part(&path)? else {
            return Err(XlsxError::Invalid(format!("no part {path}")));
        };
        merges_in(&mut XmlReader::new(part))
    }

    /// The size of a sheet's XML, unzipped.
    pub fn part_size(&mut self, name: &str) -> Result<u64, XlsxError> {
        let path = self.sheet_path(name)?;
        Ok(self.part(&path)?.map_or(0, |part| part.inner.size()))
    }

    fn sheet_path(&self, name: &str) -> Result<String, XlsxError> {
        self.sheets
            .iter()
            .find(|(sheet, _)| sheet.name == name)
            .map(|(_, path)| path.clone())
            .ok_or_else(|| XlsxError::Invalid(format!("no sheet '{name}'")))
    }

    /// The rows of a sheet, in order.
    pub fn rows(&mut self, name: &str) -> Result<Rows<'_, R>, XlsxError> {
        let path = self.sheet_path(name)?;
        self.read_shared_strings()?;
        let Workbook {
            zip,
            parts,
            styles,
            strings,
            ..
        } = self;
        let key = path.replace('\\', "/").to_ascii_lowercase();
        let Some(part_name) = parts.get(&key) else {
            return Err(XlsxError::Invalid(format!("no part {path}")));
        };
        let part = Bounded::new(zip.by_name(part_name)?, part_name);
        let mut xml = XmlReader::new(part);
        // To the cells: what comes before (dimension, views, columns) says nothing here.
        loop {
            match xml.next()? {
                Event::Start(tag) if tag.name == b"sheetData" => {
                    if tag.empty {
                        return Ok(Rows::finished(xml, styles, strings));
                    }
                    break;
                }
                Event::Start(tag) if tag.name == b"chartsheet" || tag.name == b"dialogsheet" => {
                    return Err(XlsxError::Invalid(format!("'{name}' is not a worksheet")));
                }
                Event::Eof => return Ok(Rows::finished(xml, styles, strings)),
                _ => {}
            }
        }
        Ok(Rows {
            xml,
            styles,
            strings: strings.as_ref().unwrap_or(&NO_STRINGS),
            done: false,
            next_row: 0,
            shared_formulas: std::collections::HashMap::new(),
            row: RowBuf::default(),
            text: String::new(),
            check_strings: true,
        })
    }

    /// The rows of a sheet, its shared strings left unread: a cell naming one keeps the
    /// string's index, unchecked, for the reader of the table to resolve (and check) with
    /// the strings it reads meanwhile (`load_strings`).
    pub fn rows_deferred(&mut self, name: &str) -> Result<Rows<'_, R>, XlsxError> {
        // This workbook's strings are not read (another one reads them).
        if self.strings.is_none() {
            self.strings = Some(SharedStrings::default());
        }
        let mut rows = self.rows(name)?;
        rows.check_strings = false;
        Ok(rows)
    }

    /// The shared strings, read now if they were not yet.
    pub fn load_strings(&mut self) -> Result<&SharedStrings, XlsxError> {
        self.read_shared_strings()?;
        Ok(self.strings.as_ref().unwrap_or(&NO_STRINGS))
    }
}

/// A part of the package as it inflates, refused beyond `MAX_INFLATED_BYTES` (a zip's
/// declared sizes may lie): a "zip bomb" stops there, in the memory of a buffer.
pub(super) struct Bounded<R> {
    inner: R,
    name: String,
    read: u64,
}

impl<R> Bounded<R> {
    fn new(inner: R, name: &str) -> Self {
        Bounded {
            inner,
            name: name.to_string(),
            read: 0,
        }
    }
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read > crate::extract::container::MAX_INFLATED_BYTES {
            return Err(std::io::Error::other(format!(
                "it inflates to more than {} MiB (entry {}), far beyond any annex workbook: a damaged or hostile file (\"zip bomb\"); re-save the table alone from Excel or LibreOffice",
                crate::extract::container::MAX_INFLATED_BYTES / (1024 * 1024),
                self.name
            )));
        }
        Ok(n)
    }
}

struct Relationship {
    id: String,
    kind: String,
    target: String,
}

/// A relationship's target, relative to the folder of the part that names it, or absolute.
fn target(dir: &str, target: &str) -> String {
    match target.strip_prefix('/') {
        Some(absolute) => absolute.to_string(),
        None => format!("{dir}{target}"),
    }
}

fn attribute(tag: &Tag<'_>, name: &[u8]) -> Option<String> {
    tag.attribute(name).map(|raw| {
        let mut out = String::new();
        xml::decode(raw, &mut out);
        out
    })
}

/// The merged regions in what is left of a sheet's XML.
fn merges_in<R: Read>(xml: &mut XmlReader<R>) -> Result<Vec<Dimensions>, XlsxError> {
    let mut merges = Vec::new();
    xml.scan_rest(b"<mergeCell ", |tag| merges.extend(merge_ref(tag)))?;
    Ok(merges)
}

/// `<mergeCell ref="A1:C1"` → its rectangle.
fn merge_ref(element: &[u8]) -> Option<Dimensions> {
    let at = memchr::memmem::find(element, b"ref=")?;
    let rest = &element[at + 4..];
    let quote = *rest.first()?;
    let rest = &rest[1..];
    let end = memchr::memchr(quote, rest)?;
    let text = std::str::from_utf8(&rest[..end]).ok()?;
    let (from, to) = text.split_once(':').unwrap_or((text, text));
    let start = crate::model::cell::parse_a1(from)?;
    let end = crate::model::cell::parse_a1(to)?;
    Some(Dimensions {
        start: (start.0.min(end.0), start.1.min(end.1)),
        end: (start.0.max(end.0), start.1.max(end.1)),
    })
}

/// The text of an `<si>` or `<is>` element: its `<t>` runs joined, phonetic runs
/// (`<rPh>`) left out, each run trimmed of ASCII blanks unless it preserves them.
fn read_rich_text(xml: &mut impl Pull, closing: &[u8], out: &mut String) -> Result<(), XlsxError> {
    let mut phonetic = 0usize;
    let mut run = String::new();
    loop {
        match xml.next()? {
            Event::Start(tag) if tag.name == b"rPh" && !tag.empty => phonetic += 1,
            Event::End(b"rPh") => phonetic = phonetic.saturating_sub(1),
            Event::Start(tag) if tag.name == b"t" && phonetic == 0 => {
                if tag.empty {
                    continue;
                }
                let preserve = tag.attribute(b"space") == Some(b"preserve");
                run.clear();
                loop {
                    match xml.next()? {
                        Event::Text(raw) | Event::CData(raw) => xml::decode(raw, &mut run),
                        Event::End(b"t") | Event::Eof => break,
                        _ => {}
                    }
                }
                let text = if preserve {
                    run.as_str()
                } else {
                    run.trim_matches([' ', '\t', '\r', '\n'])
                };
                unescape_excel(text, out);
            }
            Event::End(name) if name == closing => return Ok(()),
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}

/// Excel writes a control character of a text as `_x000D_` (a UTF-16 unit in hex), and a
/// literal `_x000D_` as `_x005F_x000D_`.
fn unescape_excel(text: &str, out: &mut String) {
    let bytes = text.as_bytes();
    let unit_at = |i: usize| -> Option<u16> {
        let b = bytes.get(i..i + 7)?;
        if b[0] != b'_'
            || b[1] != b'x'
            || b[6] != b'_'
            || !b[2..6].iter().all(u8::is_ascii_hexdigit)
        {
            return None;
        }
        u16::from_str_radix(std::str::from_utf8(&b[2..6]).ok()?, 16).ok()
    };
    let mut copied = 0;
    let mut i = 0;
    while let Some(offset) = memchr::memchr(b'_', &bytes[i..]) {
        let at = i + offset;
        let Some(unit) = unit_at(at) else {
            i = at + 1;
            continue;
        };
        out.push_str(&text[copied..at]);
        let mut next = at + 7;
        match unit {
            0xD800..=0xDBFF => match unit_at(next) {
                Some(low @ 0xDC00..=0xDFFF) => {
                    let code =
                        0x10000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                    out.push(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
                    next += 7;
                }
                _ => out.push(char::REPLACEMENT_CHARACTER),
            },
            0xDC00..=0xDFFF => out.push(char::REPLACEMENT_CHARACTER),
            _ => out.push(char::from_u32(u32::from(unit)).unwrap_or(char::REPLACEMENT_CHARACTER)),
        }
        copied = next;
        i = next;
    }
    out.push_str(&text[copied..]);
}

/// calamine's reading of a custom number format: a date if its first section has date or
/// time letters outside quotes and brackets, a duration if it has `[h]`, `[mm]`, `[ss]`.
fn custom_number_style(format: &str) -> NumberStyle {
    let mut escaped = false;
    let mut is_quote = false;
    let mut brackets = 0u8;
    let mut prev = ' ';
    let mut hms = false;
    let mut ap = false;
    for s in format.chars() {
        match (s, escaped, is_quote, ap, brackets) {
            (_, true, ..) => escaped = false,
            ('_' | '\\' | '*', ..) => escaped = true,
            ('"', _, true, _, _) => is_quote = false,
            (_, _, true, _, _) => (),
            ('"', _, _, _, _) => is_quote = true,
            (';', ..) => return NumberStyle::Number,
            ('[', ..) => brackets += 1,
            (']', .., 1) if hms => return NumberStyle::Duration,
            (']', ..) => brackets = brackets.saturating_sub(1),
            ('a' | 'A', _, _, false, 0) => ap = true,
            ('p' | 'm' | '/' | 'P' | 'M', _, _, true, 0) => return NumberStyle::Date,
            ('d' | 'm' | 'h' | 'y' | 's' | 'D' | 'M' | 'H' | 'Y' | 'S', _, _, false, 0) => {
                return NumberStyle::Date;
            }
            _ => {
                if !(hms && s.eq_ignore_ascii_case(&prev)) {
                    hms = prev == '[' && matches!(s, 'm' | 'h' | 's' | 'M' | 'H' | 'S');
                }
            }
        }
        prev = s;
    }
    NumberStyle::Number
}

fn builtin_number_style(id: &[u8]) -> NumberStyle {
    match id {
        b"14" | b"15" | b"16" | b"17" | b"18" | b"19" | b"20" | b"21" | b"22" | b"45" | b"47"
        | b"27" | b"28" | b"29" | b"30" | b"31" | b"32" | b"33" | b"34" | b"35" | b"36" | b"50"
        | b"51" | b"52" | b"53" | b"54" | b"55" | b"56" | b"57" | b"58" => NumberStyle::Date,
        b"46" => NumberStyle::Duration,
        _ => NumberStyle::Number,
    }
}

/// What a cell holds, as calamine's `Data` would say it; texts are borrowed from the row or
/// from the shared strings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Value<'a> {
    Empty,
    Text(&'a str),
    Number(f64),
    Int(i64),
    Bool(bool),
    /// A number in a date or duration style: shown as the number, as calamine shows it.
    Date(f64),
    /// An ISO 8601 date (`t="d"`) or duration, as written.
    Iso(&'a str),
    /// `#DIV/0!`, `#N/A`…
    Error(&'a str),
}

impl std::fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Empty => Ok(()),
            Value::Text(s) | Value::Iso(s) | Value::Error(s) => f.write_str(s),
            Value::Number(n) | Value::Date(n) => write!(f, "{n}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Bool(b) => write!(f, "{b}"),
        }
    }
}

/// Where a cell's text is: in the row's buffer or in the shared strings.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Slot {
    Empty,
    Own(u32, u32),
    Shared(u32),
    Number(f64),
    Int(i64),
    Bool(bool),
    Date(f64),
    Iso(u32, u32),
    Error(u32, u32),
}

#[derive(Debug, Clone, Copy)]
struct CellSlot {
    col: u32,
    value: Slot,
    formula: Option<(u32, u32)>,
}

/// One row's cells, their texts in one buffer: kept as they are when a row must outlive the
/// reading of the next (the header's window).
#[derive(Debug, Clone, Default)]
pub(super) struct RowBuf {
    pub index: u32,
    cells: Vec<CellSlot>,
    text: String,
}

/// A cell read: its column, value and formula (as written, `None` when it has none).
#[derive(Debug, Clone, Copy)]
pub(super) struct CellRef<'a> {
    pub col: u32,
    pub value: Value<'a>,
    pub formula: Option<&'a str>,
}

impl RowBuf {
    fn clear(&mut self, index: u32) {
        self.index = index;
        self.cells.clear();
        self.text.clear();
    }

    fn span(&mut self, text: &str) -> (u32, u32) {
        let start = self.text.len();
        self.text.push_str(text);
        (
            u32::try_from(start).unwrap_or(u32::MAX),
            u32::try_from(self.text.len()).unwrap_or(u32::MAX),
        )
    }

    fn text_at(&self, (start, end): (u32, u32)) -> &str {
        self.text.get(start as usize..end as usize).unwrap_or("")
    }

    fn view<'a>(&'a self, slot: &CellSlot, shared: &'a SharedStrings) -> CellRef<'a> {
        let value = match slot.value {
            Slot::Empty => Value::Empty,
            Slot::Own(a, b) => Value::Text(self.text_at((a, b))),
            Slot::Shared(i) => Value::Text(shared.get(i as usize).unwrap_or("")),
            Slot::Number(n) => Value::Number(n),
            Slot::Int(i) => Value::Int(i),
            Slot::Bool(b) => Value::Bool(b),
            Slot::Date(n) => Value::Date(n),
            Slot::Iso(a, b) => Value::Iso(self.text_at((a, b))),
            Slot::Error(a, b) => Value::Error(self.text_at((a, b))),
        };
        CellRef {
            col: slot.col,
            value,
            formula: slot.formula.map(|span| self.text_at(span)),
        }
    }

    /// The cells, in column order.
    pub fn cells<'a>(&'a self, shared: &'a SharedStrings) -> impl Iterator<Item = CellRef<'a>> {
        self.cells.iter().map(move |slot| self.view(slot, shared))
    }

    /// The cell of column `col`, if the row has one.
    pub fn get<'a>(&'a self, col: u32, shared: &'a SharedStrings) -> Option<CellRef<'a>> {
        let i = self.cells.binary_search_by_key(&col, |c| c.col).ok()?;
        Some(self.view(&self.cells[i], shared))
    }

    /// Adds a cell from another reader (calamine's, for the other formats).
    pub fn push(&mut self, col: u32, value: Value<'_>, formula: Option<&str>) {
        let value = match value {
            Value::Empty => Slot::Empty,
            Value::Text(s) => {
                let (a, b) = self.span(s);
                Slot::Own(a, b)
            }
            Value::Number(n) => Slot::Number(n),
            Value::Int(i) => Slot::Int(i),
            Value::Bool(b) => Slot::Bool(b),
            Value::Date(n) => Slot::Date(n),
            Value::Iso(s) => {
                let (a, b) = self.span(s);
                Slot::Iso(a, b)
            }
            Value::Error(s) => {
                let (a, b) = self.span(s);
                Slot::Error(a, b)
            }
        };
        let formula = formula.map(|f| self.span(f));
        self.cells.push(CellSlot {
            col,
            value,
            formula,
        });
    }

    pub fn start(&mut self, index: u32) {
        self.clear(index);
    }

    /// Puts the cells in column order (a writer may not), the last of a column kept.
    pub fn finish(&mut self) {
        if !self.cells.is_sorted_by_key(|c| c.col) {
            self.cells.sort_by_key(|c| c.col);
        }
        self.cells.dedup_by(|next, kept| {
            if next.col == kept.col {
                *kept = *next;
                true
            } else {
                false
            }
        });
    }

    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// The number of the shared string the cell of column `col` holds, if it holds one.
    pub fn shared_index(&self, col: u32) -> Option<u32> {
        let i = self.cells.binary_search_by_key(&col, |c| c.col).ok()?;
        match self.cells[i].value {
            Slot::Shared(index) => Some(index),
            _ => None,
        }
    }

    /// The largest shared string index a cell names.
    pub fn max_shared(&self) -> Option<u32> {
        self.cells
            .iter()
            .filter_map(|c| match c.value {
                Slot::Shared(i) => Some(i),
                _ => None,
            })
            .max()
    }

    /// Keeps the cells of the columns `keep` accepts (an anchor's range).
    pub fn retain_columns(&mut self, keep: impl Fn(u32) -> bool) {
        self.cells.retain(|c| keep(c.col));
    }
}

/// The rows of one worksheet, read in order.
pub(super) struct Rows<'a, R: Read + Seek> {
    xml: XmlReader<Bounded<zip::read::ZipFile<'a, R>>>,
    styles: &'a [NumberStyle],
    strings: &'a SharedStrings,
    done: bool,
    /// The index the next `<row>` without an `r` attribute takes.
    next_row: u32,
    /// The formulas shared from an anchor cell (`<f t="shared" si="0">`), by index: the
    /// other cells of the group say only `<f t="shared" si="0"/>`.
    shared_formulas: std::collections::HashMap<u32, String>,
    row: RowBuf,
    text: String,
    /// Whether a shared string's index is checked against `strings` as it is read (not when
    /// the table is read by another thread: see `rows_deferred`).
    check_strings: bool,
}

static NO_STRINGS: std::sync::LazyLock<SharedStrings> =
    std::sync::LazyLock::new(SharedStrings::default);

impl<'a, R: Read + Seek> Rows<'a, R> {
    fn finished(
        xml: XmlReader<Bounded<zip::read::ZipFile<'a, R>>>,
        styles: &'a [NumberStyle],
        strings: &'a Option<SharedStrings>,
    ) -> Self {
        Rows {
            xml,
            styles,
            strings: strings.as_ref().unwrap_or(&NO_STRINGS),
            done: true,
            next_row: 0,
            shared_formulas: std::collections::HashMap::new(),
            row: RowBuf::default(),
            text: String::new(),
            check_strings: true,
        }
    }

    pub fn strings(&self) -> &'a SharedStrings {
        self.strings
    }

    /// The merged regions, listed after the cells: the rest of the sheet's XML is scanned
    /// for them (the rows not read yet are skipped).
    pub fn merges_after(mut self) -> Result<Vec<Dimensions>, XlsxError> {
        merges_in(&mut self.xml)
    }

    /// The next row that has cells swapped into `into` (whose buffers are reused for the
    /// row after): a row handed to another thread is never copied. False after the last.
    pub fn next_row_into(&mut self, into: &mut RowBuf) -> Result<bool, XlsxError> {
        let found = self.next_row()?.is_some();
        if found {
            std::mem::swap(&mut self.row, into);
        }
        Ok(found)
    }

    /// The next row that has cells, or `None` after the last. Rows come in the order of the
    /// file, which the format says is ascending.
    pub fn next_row(&mut self) -> Result<Option<&RowBuf>, XlsxError> {
        loop {
            if self.done {
                return Ok(None);
            }
            match self.xml.next()? {
                Event::Start(tag) if tag.name == b"row" => {
                    let index = match tag.attribute(b"r").and_then(parse_u32) {
                        Some(r) if r > 0 => r - 1,
                        _ => self.next_row,
                    };
                    self.next_row = index.saturating_add(1);
                    self.row.clear(index);
                    if tag.empty {
                        continue;
                    }
                    let mut qname = [0u8; 16];
                    let length = tag.qname.len().min(qname.len());
                    qname[..length].copy_from_slice(&tag.qname[..length]);
                    let content = self.xml.content(&qname[..length])?;
                    let mut cells = CellReader {
                        row: &mut self.row,
                        text: &mut self.text,
                        shared_formulas: &mut self.shared_formulas,
                        strings: self.strings,
                        check_strings: self.check_strings,
                        styles: self.styles,
                    };
                    if !cells.read_row_plainly(content)? {
                        // Something else than cells in the row (a comment, a prefix): read
                        // it again, element by element.
                        cells.row.clear(index);
                        cells.read_row(content)?;
                    }
                    self.row.finish();
                    if !self.row.is_empty() {
                        return Ok(Some(&self.row));
                    }
                }
                Event::End(b"sheetData") | Event::Eof => {
                    self.done = true;
                    return Ok(None);
                }
                _ => {}
            }
        }
    }
}

/// What reading one cell changes: the row, and the formulas shared from anchor cells.
struct CellReader<'r, 'a> {
    row: &'r mut RowBuf,
    text: &'r mut String,
    shared_formulas: &'r mut std::collections::HashMap<u32, String>,
    strings: &'a SharedStrings,
    check_strings: bool,
    styles: &'a [NumberStyle],
}

impl CellReader<'_, '_> {
    /// The cells of a row written as writers write them (`<c r="B4" s="1" t="s"><v>7</v></c>`
    /// one after the other), read with a loop over the bytes; false, and nothing reliable
    /// read, when the row holds anything else.
    fn read_row_plainly(&mut self, content: &[u8]) -> Result<bool, XlsxError> {
        let mut at = 0;
        let mut next_col = 0u32;
        while let Some(i) = memchr::memchr(b'<', &content[at..]) {
            let start = at + i;
            let Some(tag) = plain_cell_tag(&content[start..]) else {
                return Ok(false);
            };
            let col = match tag.r.and_then(|r| parse_cell_ref(&content[start..][r])) {
                Some((row, col)) if row == self.row.index => col,
                Some(_) => return Ok(false),
                None => next_col,
            };
            next_col = col.saturating_add(1);
            let style = tag.s.and_then(|s| parse_u32(&content[start..][s]));
            let kind = CellType::of(tag.t.map(|t| &content[start..][t]));
            let body = start + tag.length;
            let (value, formula) = if tag.empty {
                at = body;
                (Slot::Empty, None)
            } else if let Some((value, length)) =
                self.read_plain_cell(&content[body..], style, &kind)?
            {
                at = body + length;
                (value, None)
            } else {
                let Some((inner, length)) = xml::element_content(&content[body..], b"c") else {
                    return Ok(false);
                };
                at = body + length;
                self.read(inner, style, &kind)?
            };
            if value != Slot::Empty || formula.is_some() {
                self.row.cells.push(CellSlot {
                    col,
                    value,
                    formula,
                });
            }
        }
        Ok(true)
    }

    /// The cells of a row, element by element.
    fn read_row(&mut self, content: &[u8]) -> Result<(), XlsxError> {
        let mut xml = SliceReader::new(content);
        let mut next_col = 0u32;
        loop {
            let (r, style, kind, qname, empty) = match xml.next()? {
                Event::Start(tag) if tag.name == b"c" => {
                    let [r, s, t] = tag.attributes([b"r", b"s", b"t"]);
                    let mut qname = [0u8; 16];
                    let length = tag.qname.len().min(qname.len());
                    qname[..length].copy_from_slice(&tag.qname[..length]);
                    (
                        r.and_then(parse_cell_ref),
                        s.and_then(parse_u32),
                        CellType::of(t),
                        (qname, length),
                        tag.empty,
                    )
                }
                Event::Eof => return Ok(()),
                _ => continue,
            };
            let col = match r {
                Some((row, col)) if row != self.row.index => {
                    // The format puts a row's cells in its `<row>`.
                    return Err(XlsxError::Invalid(format!(
                        "cell {} stands in row {} of the file: rows out of order",
                        crate::model::cell::a1(row, col),
                        self.row.index + 1
                    )));
                }
                Some((_, col)) => col,
                None => next_col,
            };
            next_col = col.saturating_add(1);
            let (value, formula) = if empty {
                (Slot::Empty, None)
            } else {
                let content = xml.content(&qname.0[..qname.1])?;
                self.read(content, style, &kind)?
            };
            if value != Slot::Empty || formula.is_some() {
                self.row.cells.push(CellSlot {
                    col,
                    value,
                    formula,
                });
            }
        }
    }

    /// A cell whose content and end tag are written as writers write them,
    /// `<v>…</v></c>` or `<is><t>…</t></is></c>` (`<t xml:space="preserve">` too), read
    /// with one search, for its end: its value and the bytes it takes, end tag included.
    /// `None` for any other cell, read by `read`, which gives these the same value.
    fn read_plain_cell(
        &mut self,
        bytes: &[u8],
        style: Option<u32>,
        kind: &CellType,
    ) -> Result<Option<(Slot, usize)>, XlsxError> {
        // Where the text starts, whether it is a value (else an inline string), and
        // whether its blanks are kept. The patterns are constants, compared in place.
        const VALUE: &[u8; 3] = b"<v>";
        const INLINE: &[u8; 7] = b"<is><t>";
        const INLINE_KEPT: &[u8; 28] = b"<is><t xml:space=\"preserve\">";
        let (start, is_value, preserve) = if bytes.starts_with(VALUE) {
            (VALUE.len(), true, false)
        } else if *kind != CellType::InlineString {
            return Ok(None);
        } else if bytes.starts_with(INLINE) {
            (INLINE.len(), false, false)
        } else if bytes.starts_with(INLINE_KEPT) {
            (INLINE_KEPT.len(), false, true)
        } else {
            return Ok(None);
        };
        let rest = &bytes[start..];
        let Some(end) = memchr::memchr(b'<', rest) else {
            return Ok(None);
        };
        let close = if is_value {
            rest[end..].starts_with(b"</v></c>").then_some(8)
        } else {
            rest[end..].starts_with(b"</t></is></c>").then_some(13)
        };
        let Some(close) = close else {
            return Ok(None);
        };
        let raw = &rest[..end];
        let length = start + end + close;
        let value = if is_value {
            self.plain_v(raw, style, kind)?
        } else {
            self.plain_inline(raw, preserve)
        };
        Ok(Some((value, length)))
    }

    /// The value of a cell whose content is `<v>raw</v>`.
    fn plain_v(
        &mut self,
        raw: &[u8],
        style: Option<u32>,
        kind: &CellType,
    ) -> Result<Slot, XlsxError> {
        // The commonest cell of all, read off its bytes: a shared string's index.
        if *kind == CellType::Shared
            && let Some(index) = digits_u32(raw)
            && (!self.check_strings || self.strings.get(index as usize).is_some())
        {
            return Ok(Slot::Shared(index));
        }
        self.text.clear();
        match xml::plain(raw) {
            Some(text) => self.text.push_str(text),
            None => xml::decode(raw, self.text),
        }
        if *kind == CellType::InlineString {
            return Ok(Slot::Empty);
        }
        self.value(style, kind)
    }

    /// The value of an inline string of one run, its raw text `raw`.
    fn plain_inline(&mut self, raw: &[u8], preserve: bool) -> Slot {
        let start = self.row.text.len();
        plain_text(raw, preserve, self.text, &mut self.row.text);
        Slot::Own(
            u32::try_from(start).unwrap_or(u32::MAX),
            u32::try_from(self.row.text.len()).unwrap_or(u32::MAX),
        )
    }

    /// A cell's value and formula, from its content (what stands between `<c …>` and
    /// `</c>`). The common `<v>…</v>` is read without going through events.
    #[allow(clippy::type_complexity)]
    fn read(
        &mut self,
        content: &[u8],
        style: Option<u32>,
        kind: &CellType,
    ) -> Result<(Slot, Option<(u32, u32)>), XlsxError> {
        if let Some(raw) = plain_value(content) {
            return Ok((self.plain_v(raw, style, kind)?, None));
        }
        if *kind == CellType::InlineString
            && let Some((raw, preserve)) = plain_inline_string(content)
        {
            // The other common cell: an inline string of one run.
            return Ok((self.plain_inline(raw, preserve), None));
        }
        let mut value = Slot::Empty;
        let mut formula = None;
        let mut xml = SliceReader::new(content);
        loop {
            match xml.next()? {
                Event::Start(tag) if tag.name == b"f" => {
                    let shared = tag.attribute(b"si").and_then(parse_u32);
                    self.text.clear();
                    if !tag.empty {
                        read_text(&mut xml, b"f", self.text)?;
                    }
                    if let Some(index) = shared {
                        if self.text.trim().is_empty() {
                            // Another cell of a shared formula: shown as its anchor's.
                            if let Some(anchor) = self.shared_formulas.get(&index) {
                                self.text.clone_from(anchor);
                            }
                        } else {
                            self.shared_formulas.insert(index, self.text.clone());
                        }
                    }
                    if !self.text.trim().is_empty() {
                        formula = Some(self.row.span(self.text));
                    }
                }
                Event::Start(tag) if tag.name == b"v" => {
                    if tag.empty {
                        continue;
                    }
                    self.text.clear();
                    read_text(&mut xml, b"v", self.text)?;
                    if *kind == CellType::InlineString {
                        continue;
                    }
                    value = self.value(style, kind)?;
                }
                Event::Start(tag) if tag.name == b"is" => {
                    if tag.empty {
                        value = Slot::Own(0, 0);
                        continue;
                    }
                    self.text.clear();
                    read_rich_text(&mut xml, b"is", self.text)?;
                    let (a, b) = self.row.span(self.text);
                    value = Slot::Own(a, b);
                }
                Event::Eof => return Ok((value, formula)),
                _ => {}
            }
        }
    }

    /// The value of a `<v>` just read into `self.text`, by the cell's type and style.
    fn value(&mut self, style: Option<u32>, kind: &CellType) -> Result<Slot, XlsxError> {
        let v = self.text.as_str();
        let invalid = |what: &str| XlsxError::Invalid(format!("{what} '{v}'"));
        Ok(match kind {
            CellType::Shared => {
                if v.is_empty() {
                    return Ok(Slot::Empty);
                }
                let index: u32 = v.trim().parse().unwrap_or(0);
                if self.check_strings && self.strings.get(index as usize).is_none() {
                    return Err(invalid("a shared string index out of the table:"));
                }
                Slot::Shared(index)
            }
            CellType::Bool => match v.trim() {
                "" => Slot::Empty,
                "0" => Slot::Bool(false),
                "1" => Slot::Bool(true),
                t if t.eq_ignore_ascii_case("false") => Slot::Bool(false),
                t if t.eq_ignore_ascii_case("true") => Slot::Bool(true),
                _ => return Err(invalid("a boolean cell holding")),
            },
            CellType::Date => {
                let (a, b) = self.row.span(v);
                Slot::Iso(a, b)
            }
            CellType::Error => {
                let (a, b) = self.row.span(v);
                Slot::Error(a, b)
            }
            CellType::FormulaString => {
                let mut unescaped = String::new();
                unescape_excel(v, &mut unescaped);
                let (a, b) = self.row.span(&unescaped);
                Slot::Own(a, b)
            }
            CellType::Number | CellType::Untyped => {
                if v.is_empty() {
                    return Ok(Slot::Empty);
                }
                match v.parse::<f64>() {
                    Ok(n) => {
                        let style = style
                            .and_then(|s| self.styles.get(s as usize).copied())
                            .unwrap_or(NumberStyle::Number);
                        match style {
                            NumberStyle::Number => Slot::Number(n),
                            NumberStyle::Date | NumberStyle::Duration => Slot::Date(n),
                        }
                    }
                    // No type: a text, as calamine reads it.
                    Err(_) if *kind == CellType::Untyped => {
                        let (a, b) = self.row.span(v);
                        Slot::Own(a, b)
                    }
                    Err(_) => return Err(invalid("a number cell holding")),
                }
            }
            CellType::InlineString => Slot::Empty,
            CellType::Other(other) => {
                return Err(XlsxError::Invalid(format!(
                    "an unknown cell type '{other}'"
                )));
            }
        })
    }
}

/// A cell's start tag as writers write it (`<c r="B4" s="1" t="s">`, no prefix, values in
/// double quotes, no entity): where its `r`, `s` and `t` values stand, whether it is empty
/// (`<c r="B4"/>`) and its length. `None` for anything else.
struct PlainTag {
    r: Option<std::ops::Range<usize>>,
    s: Option<std::ops::Range<usize>>,
    t: Option<std::ops::Range<usize>>,
    empty: bool,
    length: usize,
}

fn plain_cell_tag(bytes: &[u8]) -> Option<PlainTag> {
    if bytes.get(1) != Some(&b'c') {
        return None;
    }
    let mut tag = PlainTag {
        r: None,
        s: None,
        t: None,
        empty: false,
        length: 0,
    };
    let mut at = 2;
    loop {
        match *bytes.get(at)? {
            b' ' | b'\t' | b'\n' | b'\r' => at += 1,
            b'>' => {
                tag.length = at + 1;
                return Some(tag);
            }
            b'/' if bytes.get(at + 1) == Some(&b'>') => {
                tag.empty = true;
                tag.length = at + 2;
                return Some(tag);
            }
            _ if at == 2 => return None,
            _ => {
                let name_start = at;
                while bytes.get(at)?.is_ascii_alphanumeric() {
                    at += 1;
                }
                let name = &bytes[name_start..at];
                if bytes.get(at) != Some(&b'=') || bytes.get(at + 1) != Some(&b'"') {
                    return None;
                }
                let value_start = at + 2;
                let value_end = value_start + memchr::memchr(b'"', &bytes[value_start..])?;
                let value = value_start..value_end;
                if bytes[value.clone()].contains(&b'&') {
                    return None;
                }
                match name {
                    b"r" => tag.r = Some(value),
                    b"s" => tag.s = Some(value),
                    b"t" => tag.t = Some(value),
                    _ => {}
                }
                at = value_end + 1;
            }
        }
    }
}

/// The raw text of an inline string of one run, `<is><t>…</t></is>` (or
/// `<t xml:space="preserve">`), and whether its blanks are kept.
fn plain_inline_string(content: &[u8]) -> Option<(&[u8], bool)> {
    let inner = trim_ascii(content)
        .strip_prefix(b"<is>")?
        .strip_suffix(b"</is>")?;
    plain_run(inner)
}

/// The raw text of a content that is one run, `<t>…</t>` (or `<t xml:space="preserve">`;
/// blanks around allowed), and whether its blanks are kept.
fn plain_run(content: &[u8]) -> Option<(&[u8], bool)> {
    let rest = trim_ascii(content);
    let (rest, preserve) = if let Some(rest) = rest.strip_prefix(b"<t>") {
        (rest, false)
    } else {
        (rest.strip_prefix(b"<t xml:space=\"preserve\">")?, true)
    };
    let end = memchr::memchr(b'<', rest)?;
    (trim_ascii(&rest[end..]) == b"</t>").then(|| (&rest[..end], preserve))
}

/// A plain run's text (see `plain_run`) as `read_rich_text` gives it, appended to `out`:
/// entities decoded, trimmed unless kept, Excel's escapes undone.
fn plain_text(raw: &[u8], preserve: bool, run: &mut String, out: &mut String) {
    let text = match xml::plain(raw) {
        Some(text) => text,
        None => {
            run.clear();
            xml::decode(raw, run);
            run.as_str()
        }
    };
    let text = if preserve {
        text
    } else {
        text.trim_matches([' ', '\t', '\r', '\n'])
    };
    unescape_excel(text, out);
}

/// The raw text of a content that is only `<v>…</v>` (blanks around allowed), the common
/// case.
fn plain_value(content: &[u8]) -> Option<&[u8]> {
    let content = trim_ascii(content);
    let rest = content.strip_prefix(b"<v>")?;
    let end = memchr::memchr(b'<', rest)?;
    (trim_ascii(&rest[end..]) == b"</v>").then(|| &rest[..end])
}

fn trim_ascii(bytes: &[u8]) -> &[u8] {
    bytes.trim_ascii()
}

/// A cell's `t` attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
enum CellType {
    Shared,
    Bool,
    Date,
    Error,
    FormulaString,
    InlineString,
    Number,
    Untyped,
    Other(String),
}

impl CellType {
    fn of(t: Option<&[u8]>) -> CellType {
        match t {
            None => CellType::Untyped,
            Some(b"s") => CellType::Shared,
            Some(b"b") => CellType::Bool,
            Some(b"d") => CellType::Date,
            Some(b"e") => CellType::Error,
            Some(b"str") => CellType::FormulaString,
            Some(b"inlineStr") => CellType::InlineString,
            Some(b"n") => CellType::Number,
            Some(other) => CellType::Other(String::from_utf8_lossy(other).into_owned()),
        }
    }
}

/// The text of an element, up to its end tag.
fn read_text(xml: &mut impl Pull, closing: &[u8], out: &mut String) -> Result<(), XlsxError> {
    loop {
        match xml.next()? {
            Event::Text(raw) | Event::CData(raw) => match xml::plain(raw) {
                Some(text) => out.push_str(text),
                None => xml::decode(raw, out),
            },
            Event::End(name) if name == closing => return Ok(()),
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}

fn parse_u32(raw: &[u8]) -> Option<u32> {
    // Digits alone, as writers write them, read without the text's checks.
    digits_u32(raw).or_else(|| std::str::from_utf8(raw).ok()?.trim().parse().ok())
}

/// The number `raw` writes with decimal digits only (no sign, no blank), if it fits.
fn digits_u32(raw: &[u8]) -> Option<u32> {
    if raw.is_empty() {
        return None;
    }
    raw.iter().try_fold(0u32, |n, &b| {
        let digit = b.checked_sub(b'0').filter(|d| *d < 10)?;
        n.checked_mul(10)?.checked_add(u32::from(digit))
    })
}

/// "B7" → (6, 1), without allocating.
fn parse_cell_ref(raw: &[u8]) -> Option<(u32, u32)> {
    let split = raw.iter().position(u8::is_ascii_digit)?;
    let (letters, digits) = raw.split_at(split);
    if letters.is_empty() || letters.len() > 3 || !letters.iter().all(u8::is_ascii_alphabetic) {
        return None;
    }
    let mut col: u32 = 0;
    for &c in letters {
        col = col * 26 + u32::from(c.to_ascii_uppercase() - b'A' + 1);
    }
    let row = digits_u32(digits)?;
    Some((row.checked_sub(1)?, col - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Row numbers and indices read off their digits as the standard parser reads them.
    #[test]
    fn digits_read_as_the_standard_parser_reads_them() {
        for raw in [
            "0",
            "7",
            "1048576",
            "4294967295",
            "4294967296",
            "99999999999",
            "",
            "+5",
            "-1",
            " 12",
            "12 ",
            "1a",
            "a1",
            "١٢",
        ] {
            let standard = raw.parse::<u32>().ok();
            let exact = raw.bytes().all(|b| b.is_ascii_digit());
            assert_eq!(
                digits_u32(raw.as_bytes()),
                standard.filter(|_| exact),
                "{raw:?}"
            );
            assert_eq!(
                parse_u32(raw.as_bytes()),
                raw.trim().parse::<u32>().ok(),
                "{raw:?}"
            );
        }
        assert_eq!(parse_cell_ref(b"B7"), Some((6, 1)));
        assert_eq!(parse_cell_ref(b"XFD1048576"), Some((1_048_575, 16_383)));
        assert_eq!(parse_cell_ref(b"A0"), None);
        assert_eq!(parse_cell_ref(b"A+1"), None);
        assert_eq!(parse_cell_ref(b"A4294967296"), None);
    }

    #[test]
    fn excel_escapes_are_decoded() {
        let mut out = String::new();
        unescape_excel("a_x000D_b_x005F_x000D_c_xD83D__xDCF7_d_x12", &mut out);
        assert_eq!(out, "a\rb_x000D_c📷d_x12");
    }

    /// A string of one run read off its bytes reads as the run read element by element.
    #[test]
    fn plain_runs_read_as_rich_text_reads_them() {
        let contents: [&[u8]; 8] = [
            b"<t>Bretagne</t>",
            b"<t>  GRAND EST </t>",
            b"<t xml:space=\"preserve\">  GRAND EST </t>",
            b"<t>Foyer d&apos;accueil &amp; Cie</t>",
            b"<t>a_x000D_b</t>",
            " <t>été</t>\n".as_bytes(),
            b"<t></t>",
            b"<t>x</t><t>y</t>",
        ];
        for content in contents {
            let mut rich = String::new();
            read_rich_text(&mut SliceReader::new(content), b"si", &mut rich).expect("a run");
            let Some((raw, preserve)) = plain_run(content) else {
                assert_eq!(content, b"<t>x</t><t>y</t>", "a plain run");
                continue;
            };
            let (mut run, mut plain) = (String::new(), String::new());
            plain_text(raw, preserve, &mut run, &mut plain);
            assert_eq!(plain, rich, "{}", String::from_utf8_lossy(content));
        }
    }

    /// A row read off its bytes, cells written as writers write them taken in one search
    /// each, reads as the row read element by element.
    #[test]
    fn rows_read_plainly_read_as_rows_read_element_by_element() {
        let mut strings = SharedStrings::default();
        strings.push("Occitanie").unwrap();
        let rows: [&str; 6] = [
            r#"<c r="A1" t="inlineStr"><is><t>Bretagne</t></is></c><c r="B1"><v>12.5</v></c><c r="C1" t="s"><v>0</v></c>"#,
            r#"<c r="A1" t="inlineStr"><is><t xml:space="preserve"> GRAND EST </t></is></c><c r="B1" t="inlineStr"><is><t>  Foyer d&apos;accueil &amp; Cie </t></is></c>"#,
            r#"<c r="A1" t="inlineStr"><is><t>a_x000D_b</t></is></c><c r="B1" t="inlineStr"><is><t>été</t></is></c >"#,
            r#"<c r="A1" t="inlineStr"><is><t>x</t><t>y</t></is></c><c r="B1" t="str"><v>1 000 €</v></c><c r="C1" t="b"><v>1</v></c>"#,
            r#"<c r="A1" t="inlineStr"><is><t></t></is></c><c r="B1"><v></v></c><c r="C1" t="inlineStr"><v>ignored</v></c><c r="D1" t="e"><v>#N/A</v></c>"#,
            r#"<c r="A1" s="0"><v>45000</v></c><c r="B1" t="inlineStr"><is> <t>é</t> </is></c><c r="C1"><f>A1*2</f><v>90000</v></c>"#,
        ];
        let read = |content: &str, plainly: bool| {
            let (mut row, mut text, mut formulas) = (
                RowBuf::default(),
                String::new(),
                std::collections::HashMap::new(),
            );
            row.clear(0);
            let mut cells = CellReader {
                row: &mut row,
                text: &mut text,
                shared_formulas: &mut formulas,
                strings: &strings,
                check_strings: true,
                styles: &[NumberStyle::Number],
            };
            if plainly {
                assert!(
                    cells.read_row_plainly(content.as_bytes()).unwrap(),
                    "{content}"
                );
            } else {
                cells.read_row(content.as_bytes()).unwrap();
            }
            row.finish();
            row.cells(&strings)
                .map(|c| format!("{c:?}"))
                .collect::<Vec<_>>()
        };
        for content in rows {
            let plainly = read(content, true);
            assert!(!plainly.is_empty(), "{content}");
            assert_eq!(plainly, read(content, false), "{content}");
        }
    }

    #[test]
    fn number_formats_read_as_calamine_reads_them() {
        assert_eq!(custom_number_style("dd/mm/yyyy"), NumberStyle::Date);
        assert_eq!(custom_number_style("[h]:mm:ss"), NumberStyle::Duration);
        assert_eq!(custom_number_style("#,##0.00 \"€\""), NumberStyle::Number);
        assert_eq!(custom_number_style("0.00;[Red]-0.00"), NumberStyle::Number);
        assert_eq!(builtin_number_style(b"14"), NumberStyle::Date);
        assert_eq!(builtin_number_style(b"4"), NumberStyle::Number);
    }

    #[test]
    fn cell_references_parse() {
        assert_eq!(parse_cell_ref(b"A1"), Some((0, 0)));
        assert_eq!(parse_cell_ref(b"XFD1048576"), Some((1_048_575, 16_383)));
        assert_eq!(parse_cell_ref(b"a2"), Some((1, 0)));
        assert_eq!(parse_cell_ref(b"A0"), None);
        assert_eq!(parse_cell_ref(b"1"), None);
        assert_eq!(
            merge_ref(b"<mergeCell ref=\"C3:A1\""),
            Some(Dimensions {
                start: (0, 0),
                end: (2, 2)
            })
        );
    }
}
