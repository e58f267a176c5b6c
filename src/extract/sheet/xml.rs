//! A pull reader for the XML parts of an xlsx workbook: tags, their raw attributes and the
//! text between them, read from a stream in place, without a string per element. The
//! parts of a workbook use a small part of XML (no DTD, no entities beyond the predefined
//! and numeric ones): what is outside it is skipped, never trusted. Every token is bounded:
//! a malformed file gives an error, not a panic or an unbounded buffer.

use std::io::Read;

/// The largest single token (a tag, or a text between tags) read: Excel caps a cell's text
/// at 32 767 characters; a worksheet's dimension or a merged-cell list is far below.
const MAX_TOKEN: usize = 64 << 20;

#[derive(Debug)]
pub(crate) enum XmlError {
    Io(std::io::Error),
    /// A tag or text larger than `MAX_TOKEN`, or a tag cut by the end of the stream.
    Malformed(&'static str),
}

impl std::fmt::Display for XmlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            XmlError::Io(e) => write!(f, "{e}"),
            XmlError::Malformed(what) => write!(f, "malformed XML: {what}"),
        }
    }
}

impl From<std::io::Error> for XmlError {
    fn from(e: std::io::Error) -> Self {
        XmlError::Io(e)
    }
}

/// One step of the stream. Names are local (a `x:` prefix dropped); texts are raw (see
/// `decode`).
#[derive(Debug)]
pub(crate) enum Event<'a> {
    Start(Tag<'a>),
    End(&'a [u8]),
    Text(&'a [u8]),
    /// `<![CDATA[…]]>`: text taken as it is.
    CData(&'a [u8]),
    Eof,
}

/// A start tag (or an empty element, `<c r="A1"/>`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tag<'a> {
    pub name: &'a [u8],
    attributes: &'a [u8],
    /// `<x/>`: no content and no end tag follow.
    pub empty: bool,
}

impl<'a> Tag<'a> {
    /// The raw value of the attribute whose local name is `name` (`r:id` answers to
    /// "id"), entities not decoded.
    pub fn attribute(&self, name: &[u8]) -> Option<&'a [u8]> {
        let mut rest = self.attributes;
        loop {
            let start = rest.iter().position(|b| !b.is_ascii_whitespace())?;
            rest = &rest[start..];
            let eq = memchr::memchr(b'=', rest)?;
            let key = trim(&rest[..eq]);
            rest = &rest[eq + 1..];
            let quote_at = rest.iter().position(|b| !b.is_ascii_whitespace())?;
            let quote = rest[quote_at];
            if quote != b'"' && quote != b'\'' {
                return None;
            }
            rest = &rest[quote_at + 1..];
            let end = memchr::memchr(quote, rest)?;
            let value = &rest[..end];
            rest = &rest[end + 1..];
            if local(key) == name {
                return Some(value);
            }
        }
    }
}

fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |i| i + 1);
    &bytes[start..end.max(start)]
}

/// "x:row" → "row".
fn local(name: &[u8]) -> &[u8] {
    match memchr::memchr(b':', name) {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

pub(crate) struct XmlReader<R> {
    inner: R,
    buffer: Vec<u8>,
    /// The unread bytes are `buffer[start..end]`.
    start: usize,
    end: usize,
    eof: bool,
}

impl<R: Read> XmlReader<R> {
    pub fn new(inner: R) -> Self {
        XmlReader {
            inner,
            buffer: vec![0; 1 << 16],
            start: 0,
            end: 0,
            eof: false,
        }
    }

    /// Reads more bytes; false at the end of the stream.
    fn fill(&mut self) -> Result<bool, XmlError> {
        if self.eof {
            return Ok(false);
        }
        if self.start > 0 {
            self.buffer.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buffer.len() {
            if self.buffer.len() >= MAX_TOKEN {
                return Err(XmlError::Malformed("a token too large"));
            }
            let grown = (self.buffer.len() * 2).min(MAX_TOKEN);
            self.buffer.resize(grown, 0);
        }
        let n = loop {
            match self.inner.read(&mut self.buffer[self.end..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            }
        };
        if n == 0 {
            self.eof = true;
            return Ok(false);
        }
        self.end += n;
        Ok(true)
    }

    /// The offset (from `start`) of the first byte of `needle` in the unread bytes, reading
    /// more as needed; `None` at the end of the stream.
    fn find(&mut self, from: usize, needle: &[u8]) -> Result<Option<usize>, XmlError> {
        let mut searched = from;
        loop {
            let window = &self.buffer[self.start + searched..self.end];
            if let Some(i) = memchr::memmem::find(window, needle) {
                return Ok(Some(searched + i));
            }
            // The needle may straddle what is read and what is not.
            searched = (self.end - self.start)
                .saturating_sub(needle.len() - 1)
                .max(from);
            if !self.fill()? {
                return Ok(None);
            }
        }
    }

    /// The end of the tag starting at `start` (its `>`, outside quoted values).
    fn tag_end(&mut self) -> Result<Option<usize>, XmlError> {
        let mut at = 1;
        let mut quote: Option<u8> = None;
        loop {
            let window = &self.buffer[self.start + at..self.end];
            let found = match quote {
                Some(q) => memchr::memchr(q, window),
                None => memchr::memchr3(b'>', b'"', b'\'', window),
            };
            match found {
                Some(i) => {
                    let b = window[i];
                    at += i + 1;
                    match quote {
                        Some(_) => quote = None,
                        None if b == b'>' => return Ok(Some(at - 1)),
                        None => quote = Some(b),
                    }
                }
                None => {
                    at = self.end - self.start;
                    if !self.fill()? {
                        return Ok(None);
                    }
                }
            }
        }
    }

    /// The next event. Comments, processing instructions and declarations are skipped.
    pub fn next(&mut self) -> Result<Event<'_>, XmlError> {
        loop {
            if self.start == self.end && !self.fill()? {
                return Ok(Event::Eof);
            }
            if self.buffer[self.start] != b'<' {
                let Some(len) = self.find(0, b"<")? else {
                    // Text up to the end of the stream.
                    let text = self.start..self.end;
                    self.start = self.end;
                    return Ok(Event::Text(&self.buffer[text]));
                };
                let text = self.start..self.start + len;
                self.start += len;
                return Ok(Event::Text(&self.buffer[text]));
            }
            // Enough bytes to tell a comment or CDATA apart.
            while self.end - self.start < 9 && self.fill()? {}
            let head = &self.buffer[self.start..self.end];
            if head.starts_with(b"<!--") {
                let Some(end) = self.find(4, b"-->")? else {
                    return Err(XmlError::Malformed("an unclosed comment"));
                };
                self.start += end + 3;
                continue;
            }
            if head.starts_with(b"<![CDATA[") {
                let Some(end) = self.find(9, b"]]>")? else {
                    return Err(XmlError::Malformed("an unclosed CDATA section"));
                };
                let text = self.start + 9..self.start + end;
                self.start += end + 3;
                return Ok(Event::CData(&self.buffer[text]));
            }
            let Some(end) = self.tag_end()? else {
                return Err(XmlError::Malformed("a tag cut short"));
            };
            let tag = self.start + 1..self.start + end;
            self.start += end + 1;
            match self.buffer.get(tag.start).copied() {
                Some(b'?' | b'!') => continue,
                Some(b'/') => {
                    let inner = &self.buffer[tag];
                    return Ok(Event::End(local(trim(&inner[1..]))));
                }
                _ => {
                    let inner = &self.buffer[tag];
                    let (inner, empty) = match inner.strip_suffix(b"/") {
                        Some(inner) => (inner, true),
                        None => (inner, false),
                    };
                    let name_end = inner
                        .iter()
                        .position(u8::is_ascii_whitespace)
                        .unwrap_or(inner.len());
                    return Ok(Event::Start(Tag {
                        name: local(&inner[..name_end]),
                        attributes: &inner[name_end..],
                        empty,
                    }));
                }
            }
        }
    }
}

/// Appends a text or attribute value to `out`, its entities (`&amp;`, `&#233;`, `&#xE9;`)
/// decoded and its line ends normalised as XML reads them (`\r\n` and `\r` → `\n`). An
/// unknown entity is kept as written; bytes that are not UTF-8 are replaced.
pub(crate) fn decode(raw: &[u8], out: &mut String) {
    let mut rest = raw;
    while !rest.is_empty() {
        let Some(i) = memchr::memchr2(b'&', b'\r', rest) else {
            push_utf8(rest, out);
            return;
        };
        push_utf8(&rest[..i], out);
        rest = &rest[i..];
        if rest[0] == b'\r' {
            out.push('\n');
            rest = rest.strip_prefix(b"\r\n").unwrap_or(&rest[1..]);
            continue;
        }
        let entity_end = rest.iter().take(12).position(|&b| b == b';');
        let decoded = entity_end.and_then(|end| entity(&rest[1..end]).map(|c| (c, end)));
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
}

fn entity(name: &[u8]) -> Option<char> {
    match name {
        b"amp" => Some('&'),
        b"lt" => Some('<'),
        b"gt" => Some('>'),
        b"quot" => Some('"'),
        b"apos" => Some('\''),
        [b'#', b'x' | b'X', hex @ ..] => {
            char::from_u32(u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?)
        }
        [b'#', decimal @ ..] => char::from_u32(std::str::from_utf8(decimal).ok()?.parse().ok()?),
        _ => None,
    }
}

fn push_utf8(bytes: &[u8], out: &mut String) {
    match std::str::from_utf8(bytes) {
        Ok(text) => out.push_str(text),
        Err(_) => out.push_str(&String::from_utf8_lossy(bytes)),
    }
}

/// Whether a raw text needs `decode` (entities or carriage returns in it).
pub(crate) fn plain(raw: &[u8]) -> Option<&str> {
    if memchr::memchr2(b'&', b'\r', raw).is_some() {
        return None;
    }
    std::str::from_utf8(raw).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(xml: &str, chunk: usize) -> Vec<String> {
        // A reader that hands bytes over `chunk` at a time, as a zip stream may.
        struct Chunks<'a>(&'a [u8], usize);
        impl Read for Chunks<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.len().min(self.1).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut reader = XmlReader::new(Chunks(xml.as_bytes(), chunk));
        let mut out = Vec::new();
        loop {
            let event = match reader.next().expect("xml") {
                Event::Start(tag) => format!(
                    "<{}{} r={:?}>",
                    String::from_utf8_lossy(tag.name),
                    if tag.empty { "/" } else { "" },
                    tag.attribute(b"r")
                        .map(|v| String::from_utf8_lossy(v).into_owned())
                ),
                Event::End(name) => format!("</{}>", String::from_utf8_lossy(name)),
                Event::Text(t) => {
                    let mut s = String::new();
                    decode(t, &mut s);
                    format!("{s:?}")
                }
                Event::CData(t) => format!("cdata {:?}", String::from_utf8_lossy(t)),
                Event::Eof => break,
            };
            out.push(event);
        }
        out
    }

    #[test]
    fn tags_texts_and_entities_in_any_chunking() {
        let xml = "<?xml version=\"1.0\"?><!-- a > comment --><x:row r=\"3\" spans='1:2'>\
                   <c r=\"A3\" t=\"s\"><v>1</v></c><c r=\"B3\"/><f a=\"x>y\">R&amp;D &lt;&#233;&#xE9;&bogus;</f>\
                   <t><![CDATA[<raw>]]></t>a\r\nb</x:row>";
        let expected = events(xml, 1 << 20);
        assert_eq!(
            expected,
            [
                "<row r=Some(\"3\")>",
                "<c r=Some(\"A3\")>",
                "<v r=None>",
                "\"1\"",
                "</v>",
                "</c>",
                "<c/ r=Some(\"B3\")>",
                "<f r=None>",
                "\"R&D <éé&bogus;\"",
                "</f>",
                "<t r=None>",
                "cdata \"<raw>\"",
                "</t>",
                "\"a\\nb\"",
                "</row>",
            ]
        );
        for chunk in [1, 2, 3, 7, 64] {
            assert_eq!(events(xml, chunk), expected, "chunks of {chunk}");
        }
    }

    #[test]
    fn damaged_xml_is_an_error_or_an_end_never_a_panic() {
        for xml in [
            "<a",
            "<!-- x",
            "<![CDATA[ x",
            "<a b=\"x>",
            "&#xFFFFFFFF;",
            "<",
            "</",
        ] {
            let mut reader = XmlReader::new(xml.as_bytes());
            for _ in 0..10 {
                match reader.next() {
                    Ok(Event::Eof) | Err(_) => break,
                    Ok(Event::Text(t)) => {
                        let mut s = String::new();
                        decode(t, &mut s);
                    }
                    Ok(_) => {}
                }
            }
        }
    }
}
