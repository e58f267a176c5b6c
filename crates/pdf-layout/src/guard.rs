//! Checks and repairs done before pdf-extract interprets a document.
//!
//! `catch_unwind` turns parser panics into errors, but not unbounded recursion or memory:
//! a stack overflow or an allocation failure aborts the process. So, before pdf-extract
//! runs:
//! - loops along the page tree's `/Parent` links (which pdf-extract follows recursively to
//!   inherit resources) are refused;
//! - form XObjects (`Do`, which pdf-extract interprets recursively) that draw themselves,
//!   nest too deep, or fan out into too many executions are refused;
//! - compressed streams that inflate beyond a sane size are refused;
//! - image XObjects are replaced by empty forms: pdf-extract interprets every XObject as a
//!   content stream, and an image carries no text;
//! - page boxes are normalised, since pdf-extract indexes them unchecked.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;

use pdf_extract::content::Content;
use pdf_extract::{Dictionary, Document, Object, ObjectId, Stream};

use crate::PdfError;

/// Deeper page trees or form nesting than this are damage, not design.
const MAX_DEPTH: usize = 64;
/// Distinct forms (per resource context) examined per document.
const MAX_FORM_VISITS: usize = 20_000;
/// Form executions pdf-extract would perform over the document, counting repeats: a few
/// nested forms each drawing the next ten times would otherwise run for hours.
const MAX_FORM_EXECUTIONS: u64 = 200_000;
/// One stream's inflated size, and all streams' together. Publications have content
/// streams of kilobytes and fonts of a few megabytes.
const MAX_STREAM_BYTES: u64 = 128 << 20;
const MAX_TOTAL_BYTES: u64 = 1 << 30;

pub(crate) fn check(doc: &Document, pages: &BTreeMap<u32, ObjectId>) -> Result<(), PdfError> {
    let mut forms = FormWalk {
        doc,
        memo: HashMap::new(),
        stack: Vec::new(),
        visits: 0,
    };
    let mut executions = 0u64;
    for (&number, &page_id) in pages {
        let on_page = |reason: String| PdfError::Damaged(format!("page {number}: {reason}"));
        let Some(resources) = page_resources(doc, page_id).map_err(on_page)? else {
            continue;
        };
        if xobject_dict(doc, resources).is_none() {
            continue;
        }
        let content = doc.get_page_content(page_id).unwrap_or_default();
        for name in drawn_names(&content) {
            let Some(form) = resolve(doc, resources, &name) else {
                continue;
            };
            let runs = forms.executions(form, resources).map_err(|e| match e {
                PdfError::Damaged(reason) => on_page(reason),
                other => other,
            })?;
            executions = executions.saturating_add(runs);
            if executions > MAX_FORM_EXECUTIONS {
                return Err(PdfError::TooLarge(format!(
                    "form XObjects would be drawn more than {MAX_FORM_EXECUTIONS} times"
                )));
            }
        }
    }
    Ok(())
}

/// The page's resource dictionary, inherited along `/Parent` as pdf-extract does, after
/// checking that the chain ends.
fn page_resources(doc: &Document, page_id: ObjectId) -> Result<Option<&Dictionary>, String> {
    let mut seen = HashSet::new();
    let mut id = page_id;
    let mut found = None;
    for _ in 0..MAX_DEPTH {
        if !seen.insert(id) {
            return Err("the page tree loops back on itself".to_string());
        }
        let Ok(dict) = doc.get_dictionary(id) else {
            return Ok(found);
        };
        if found.is_none()
            && let Ok(res) = dict.get(b"Resources")
        {
            found = deref(doc, res).and_then(|o| o.as_dict().ok());
        }
        match dict.get(b"Parent").and_then(Object::as_reference) {
            Ok(parent) => id = parent,
            Err(_) => return Ok(found),
        }
    }
    Err(format!(
        "the page tree is more than {MAX_DEPTH} levels deep"
    ))
}

fn deref<'a>(doc: &'a Document, obj: &'a Object) -> Option<&'a Object> {
    match obj {
        Object::Reference(id) => doc.get_object(*id).ok(),
        other => Some(other),
    }
}

fn xobject_dict<'a>(doc: &'a Document, resources: &'a Dictionary) -> Option<&'a Dictionary> {
    resources
        .get(b"XObject")
        .ok()
        .and_then(|o| deref(doc, o))
        .and_then(|o| o.as_dict().ok())
}

fn resolve(doc: &Document, resources: &Dictionary, name: &[u8]) -> Option<ObjectId> {
    xobject_dict(doc, resources)?
        .get(name)
        .ok()?
        .as_reference()
        .ok()
}

/// Names given to `Do` in a content stream; none if it does not parse (pdf-extract will
/// then fail on it, and that failure is reported).
fn drawn_names(content: &[u8]) -> Vec<Vec<u8>> {
    let Ok(content) = Content::decode(content) else {
        return Vec::new();
    };
    content
        .operations
        .iter()
        .filter(|op| op.operator == "Do")
        .filter_map(|op| {
            op.operands
                .first()
                .and_then(|o| o.as_name().ok())
                .map(<[u8]>::to_vec)
        })
        .collect()
}

struct FormWalk<'a> {
    doc: &'a Document,
    /// Executions of a form (itself and everything it draws), per resource context.
    memo: HashMap<(ObjectId, usize), u64>,
    stack: Vec<ObjectId>,
    visits: usize,
}

impl<'a> FormWalk<'a> {
    /// How many form executions drawing `form` once costs, failing on a form that draws
    /// itself or nests too deep.
    fn executions(&mut self, form: ObjectId, caller: &'a Dictionary) -> Result<u64, PdfError> {
        let doc = self.doc;
        let Ok(Object::Stream(stream)) = doc.get_object(form) else {
            return Ok(1);
        };
        let subtype = stream
            .dict
            .get(b"Subtype")
            .and_then(Object::as_name)
            .unwrap_or(b"");
        if subtype != b"Form" {
            return Ok(1);
        }
        // A form without its own resources uses its caller's, so where it was reached from
        // matters: the context is part of the memo key.
        let resources = stream
            .dict
            .get(b"Resources")
            .ok()
            .and_then(|o| deref(doc, o))
            .and_then(|o| o.as_dict().ok())
            .unwrap_or(caller);
        if self.stack.contains(&form) {
            return Err(PdfError::Damaged(format!(
                "form XObject {} {} R draws itself",
                form.0, form.1
            )));
        }
        let key = (form, std::ptr::from_ref(resources) as usize);
        if let Some(&known) = self.memo.get(&key) {
            return Ok(known);
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(PdfError::Damaged(format!(
                "form XObjects are nested more than {MAX_DEPTH} deep"
            )));
        }
        self.visits += 1;
        if self.visits > MAX_FORM_VISITS {
            return Err(PdfError::TooLarge(format!(
                "more than {MAX_FORM_VISITS} form XObjects"
            )));
        }
        let content = stream
            .decompressed_content()
            .unwrap_or_else(|_| stream.content.clone());
        let mut total = 1u64;
        self.stack.push(form);
        for name in drawn_names(&content) {
            if let Some(target) = resolve(doc, resources, &name) {
                total = total.saturating_add(self.executions(target, resources)?);
            }
            if total > MAX_FORM_EXECUTIONS {
                break;
            }
        }
        self.stack.pop();
        self.memo.insert(key, total);
        Ok(total)
    }
}

/// Refuses compressed streams that inflate past the limits (a "zip bomb" would otherwise
/// exhaust memory when pdf-extract decompresses it).
pub(crate) fn check_inflated_sizes(doc: &Document) -> Result<(), PdfError> {
    let mut total = 0u64;
    for stream in doc.objects.values().filter_map(|o| o.as_stream().ok()) {
        if !is_flate(stream) {
            continue;
        }
        let size = inflated_size(&stream.content, MAX_STREAM_BYTES);
        if size > MAX_STREAM_BYTES {
            return Err(PdfError::TooLarge(format!(
                "a compressed stream expands to more than {} MiB",
                MAX_STREAM_BYTES >> 20
            )));
        }
        total += size;
        if total > MAX_TOTAL_BYTES {
            return Err(PdfError::TooLarge(format!(
                "compressed streams expand to more than {} MiB in all",
                MAX_TOTAL_BYTES >> 20
            )));
        }
    }
    Ok(())
}

fn is_flate(stream: &Stream) -> bool {
    match stream.dict.get(b"Filter") {
        Ok(Object::Name(name)) => name == b"FlateDecode",
        Ok(Object::Array(filters)) => filters
            .iter()
            .any(|f| f.as_name().is_ok_and(|n| n == b"FlateDecode")),
        _ => false,
    }
}

/// Bytes the zlib data inflates to, counting at most `limit + 1` of them; corrupt data
/// counts as what inflated before the error (the parser reports the corruption itself).
fn inflated_size(data: &[u8], limit: u64) -> u64 {
    let mut decoder = flate2::read::ZlibDecoder::new(data).take(limit + 1);
    let mut buffer = [0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        match decoder.read(&mut buffer) {
            Ok(0) | Err(_) => return total,
            Ok(n) => total += n as u64,
        }
    }
}

/// Gives every page its own well-formed `/MediaBox` (inherited, or A4 when missing or
/// malformed) and drops `/ArtBox`, which the layout does not use: pdf-extract indexes both
/// without checking them.
pub(crate) fn normalize_page_boxes(doc: &mut Document, pages: &BTreeMap<u32, ObjectId>) {
    for &page_id in pages.values() {
        let media_box = inherited_media_box(doc, page_id).unwrap_or([0.0, 0.0, 595.0, 842.0]);
        if let Ok(page) = doc.get_object_mut(page_id).and_then(Object::as_dict_mut) {
            page.set(
                "MediaBox",
                Object::Array(media_box.iter().map(|&v| Object::Real(v)).collect()),
            );
            page.remove(b"ArtBox");
        }
    }
}

fn inherited_media_box(doc: &Document, page_id: ObjectId) -> Option<[f32; 4]> {
    let mut id = page_id;
    for _ in 0..MAX_DEPTH {
        let dict = doc.get_dictionary(id).ok()?;
        if let Some(value) = dict.get(b"MediaBox").ok().and_then(|o| deref(doc, o)) {
            let values: Vec<f32> = value
                .as_array()
                .ok()?
                .iter()
                .filter_map(|v| deref(doc, v).and_then(|v| v.as_float().ok()))
                .filter(|v| v.is_finite())
                .collect();
            let [llx, lly, urx, ury] = <[f32; 4]>::try_from(values).ok()?;
            return (urx != llx && ury != lly).then_some([llx, lly, urx, ury]);
        }
        id = dict.get(b"Parent").and_then(Object::as_reference).ok()?;
    }
    None
}

/// Replaces image (and PostScript) XObjects by empty forms, which pdf-extract then draws as
/// nothing.
pub(crate) fn neutralize_images(doc: &mut Document) {
    for object in doc.objects.values_mut() {
        let Object::Stream(stream) = object else {
            continue;
        };
        let subtype = stream
            .dict
            .get(b"Subtype")
            .and_then(Object::as_name)
            .unwrap_or(b"");
        if subtype == b"Image" || subtype == b"PS" {
            let mut dict = Dictionary::new();
            dict.set("Type", Object::Name(b"XObject".to_vec()));
            dict.set("Subtype", Object::Name(b"Form".to_vec()));
            dict.set(
                "BBox",
                Object::Array(vec![0.into(), 0.into(), 0.into(), 0.into()]),
            );
            *object = Object::Stream(Stream::new(dict, Vec::new()));
        }
    }
}

/// The first page whose content has text-showing operators (`Tj`, `TJ`, `'`, `"`), for
/// telling a content stream the parser could not read from one that has no text: lopdf
/// stops quietly at the first operator it cannot parse.
pub(crate) fn page_with_text_operators(
    doc: &Document,
    pages: &BTreeMap<u32, ObjectId>,
) -> Option<u32> {
    pages.iter().find_map(|(&number, &id)| {
        let content = doc.get_page_content(id).ok()?;
        let shows_text = content.windows(3).any(|w| {
            let delimiter = |b: u8| b.is_ascii_whitespace() || matches!(b, b')' | b']' | b'>');
            let operator = matches!(&w[1..], b"Tj" | b"TJ");
            (operator && delimiter(w[0]))
                || (matches!(w[2], b'\'' | b'"') && w[1] == b' ' && w[0] == b')')
        });
        shows_text.then_some(number)
    })
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::inflated_size;

    #[test]
    fn inflated_size_stops_at_the_limit() {
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(&vec![0u8; 1 << 20]).expect("in memory");
        let bomb = encoder.finish().expect("in memory");
        assert!(
            bomb.len() < 4096,
            "1 MiB of zeros compresses to {} bytes",
            bomb.len()
        );
        assert_eq!(inflated_size(&bomb, 10_000), 10_001);
        assert_eq!(inflated_size(&bomb, 2 << 20), 1 << 20);
        assert_eq!(inflated_size(b"not zlib", 100), 0);
    }
}
