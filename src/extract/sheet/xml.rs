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
    /// The name as written, with its prefix (`x:c`).
    pub qname: &'a [u8],
    attributes: &'a [u8],
    /// `<x/>`: no content and no end tag follow.
    pub empty: bool,
}

impl<'a> Tag<'a> {
    /// The raw value of the attribute whose local name is `name` (`r:id` answers to
    /// "id"), entities not decoded.
    pub fn attribute(&self, name: &[u8]) -> Option<&'a [u8]> {
        let [value] = self.attributes([name]);
        value
    }

    /// The raw values of several attributes, read in one pass (a cell's `r`, `s`, `t`).
    pub fn attributes<const N: usize>(&self, names: [&[u8]; N]) -> [Option<&'a [u8]>; N] {
        let mut values = [None; N];
        let mut rest = self.attributes;
        loop {
            let Some(start) = rest.iter().position(|b| !b.is_ascii_whitespace()) else {
                return values;
            };
            rest = &rest[start..];
            let Some(eq) = memchr::memchr(b'=', rest) else {
                return values;
            };
            let key = trim(&rest[..eq]);
            rest = &rest[eq + 1..];
            let Some(quote_at) = rest.iter().position(|b| !b.is_ascii_whitespace()) else {
                return values;
            };
            let quote = rest[quote_at];
            if quote != b'"' && quote != b'\'' {
                return values;
            }
            rest = &rest[quote_at + 1..];
            let Some(end) = memchr::memchr(quote, rest) else {
                return values;
            };
            let value = &rest[..end];
            rest = &rest[end + 1..];
            let key = local(key);
            if let Some(i) = names.iter().position(|n| *n == key) {
                values[i] = Some(value);
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

/// One token at the start of some bytes: what it is and how many bytes it takes.
enum Token {
    Start {
        name: std::ops::Range<usize>,
        attributes: std::ops::Range<usize>,
        empty: bool,
    },
    End(std::ops::Range<usize>),
    Text(std::ops::Range<usize>),
    CData(std::ops::Range<usize>),
    /// A comment, a processing instruction, a declaration.
    Skip,
}

/// The token at the start of `bytes` and its length; `None` when `bytes` does not hold it
/// whole (more must be read). `at_end`: nothing follows `bytes`.
fn token(bytes: &[u8], at_end: bool) -> Result<Option<(Token, usize)>, XmlError> {
    let Some(&first) = bytes.first() else {
        return Ok(None);
    };
    let incomplete = |what: &'static str| {
        if at_end {
            Err(XmlError::Malformed(what))
        } else {
            Ok(None)
        }
    };
    if first != b'<' {
        return Ok(match memchr::memchr(b'<', bytes) {
            Some(i) => Some((Token::Text(0..i), i)),
            None if at_end => Some((Token::Text(0..bytes.len()), bytes.len())),
            None => None,
        });
    }
    if bytes.get(1) == Some(&b'!') {
        if bytes.len() < 9 && !at_end {
            return Ok(None);
        }
        if bytes.starts_with(b"<!--") {
            return match memchr::memmem::find(&bytes[4..], b"-->") {
                Some(i) => Ok(Some((Token::Skip, 4 + i + 3))),
                None => incomplete("an unclosed comment"),
            };
        }
        if bytes.starts_with(b"<![CDATA[") {
            return match memchr::memmem::find(&bytes[9..], b"]]>") {
                Some(i) => Ok(Some((Token::CData(9..9 + i), 9 + i + 3))),
                None => incomplete("an unclosed CDATA section"),
            };
        }
    }
    // The tag's `>`, outside quoted attribute values.
    let mut at = 1;
    let mut quote: Option<u8> = None;
    let end = loop {
        let window = &bytes[at..];
        let found = match quote {
            Some(q) => memchr::memchr(q, window),
            None => memchr::memchr3(b'>', b'"', b'\'', window),
        };
        let Some(i) = found else {
            return incomplete("a tag cut short");
        };
        let b = window[i];
        at += i + 1;
        match quote {
            Some(_) => quote = None,
            None if b == b'>' => break at - 1,
            None => quote = Some(b),
        }
    };
    let length = end + 1;
    let token = match bytes.get(1) {
        Some(b'?' | b'!') => Token::Skip,
        Some(b'/') => {
            let (from, to) = trimmed(bytes, 2, end);
            Token::End(from..to)
        }
        _ => {
            let (inner_end, empty) = match bytes[end - 1] {
                b'/' if end > 1 => (end - 1, true),
                _ => (end, false),
            };
            let name_end = bytes[1..inner_end]
                .iter()
                .position(u8::is_ascii_whitespace)
                .map_or(inner_end, |i| 1 + i);
            Token::Start {
                name: 1..name_end,
                attributes: name_end..inner_end,
                empty,
            }
        }
    };
    Ok(Some((token, length)))
}

/// `bytes[from..to]` without its ASCII blanks at either end, as offsets.
fn trimmed(bytes: &[u8], from: usize, to: usize) -> (usize, usize) {
    let t = trim(&bytes[from..to]);
    let start = from + (t.as_ptr() as usize - bytes[from..to].as_ptr() as usize);
    (start, start + t.len())
}

/// The event a token stands for, its texts in `bytes`.
fn event(bytes: &[u8], token: Token) -> Event<'_> {
    match token {
        Token::Start {
            name,
            attributes,
            empty,
        } => Event::Start(Tag {
            name: local(&bytes[name.clone()]),
            qname: &bytes[name],
            attributes: &bytes[attributes],
            empty,
        }),
        Token::End(name) => Event::End(local(&bytes[name])),
        Token::Text(text) => Event::Text(&bytes[text]),
        Token::CData(text) => Event::CData(&bytes[text]),
        Token::Skip => Event::Eof,
    }
}

/// Something events are pulled from: a stream, or bytes at hand.
pub(crate) trait Pull {
    fn next(&mut self) -> Result<Event<'_>, XmlError>;
}

/// The events of bytes at hand (a cell's content).
pub(crate) struct SliceReader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> SliceReader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        SliceReader { bytes, at: 0 }
    }

    /// The raw content of the element whose start tag (`qname`, not empty) was just read,
    /// up to its end tag, which is consumed (see `XmlReader::content`).
    pub fn content(&mut self, qname: &[u8]) -> Result<&'a [u8], XmlError> {
        let (content, length) = element_content(&self.bytes[self.at..], qname)
            .ok_or(XmlError::Malformed("an element without its end tag"))?;
        self.at += length;
        Ok(content)
    }
}

/// In `bytes`, which follow an element's start tag: its content up to the end tag
/// `</qname>` (or `</qname >`), and how many bytes that takes, end tag included.
pub(crate) fn element_content<'b>(bytes: &'b [u8], qname: &[u8]) -> Option<(&'b [u8], usize)> {
    let mut from = 0;
    loop {
        let at = from + memchr::memchr(b'<', &bytes[from..])?;
        if bytes.get(at + 1) != Some(&b'/') {
            from = at + 1;
            continue;
        }
        let after = at + 2 + qname.len();
        if bytes
            .get(at + 2..after)
            .is_some_and(|name| same_bytes(name, qname))
        {
            match bytes.get(after)? {
                b'>' => return Some((&bytes[..at], after + 1)),
                b if b.is_ascii_whitespace() => {
                    let close = memchr::memchr(b'>', &bytes[after..])?;
                    return Some((&bytes[..at], after + close + 1));
                }
                _ => {}
            }
        }
        from = at + 2;
    }
}

/// Whether two short byte strings (element names) are equal, compared in place: the
/// library call a slice comparison makes costs more than the few bytes of a name, and
/// it is made for every end tag of a sheet.
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

impl Pull for SliceReader<'_> {
    fn next(&mut self) -> Result<Event<'_>, XmlError> {
        loop {
            let rest = &self.bytes[self.at..];
            let Some((token, length)) = token(rest, true)? else {
                return Ok(Event::Eof);
            };
            self.at += length;
            if matches!(token, Token::Skip) {
                continue;
            }
            return Ok(event(rest, token));
        }
    }
}

pub(crate) struct XmlReader<R> {
    inner: R,
    buffer: Vec<u8>,
    /// The unread bytes are `buffer[start..end]`.
    start: usize,
    end: usize,
    eof: bool,
    /// The end tag `content` looks for ("</c"), and its finder.
    needle: Vec<u8>,
    finder: memchr::memmem::Finder<'static>,
}

impl<R: Read> XmlReader<R> {
    pub fn new(inner: R) -> Self {
        XmlReader {
            inner,
            buffer: vec![0; 1 << 16],
            start: 0,
            end: 0,
            eof: false,
            needle: Vec::new(),
            finder: memchr::memmem::Finder::new(b"").into_owned(),
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

    /// Reads the rest of the stream for the tags starting with `needle` (`<mergeCell `),
    /// without tokenizing what lies between; `found` gets each tag up to its `>`.
    pub fn scan_rest(
        &mut self,
        needle: &[u8],
        mut found: impl FnMut(&[u8]),
    ) -> Result<(), XmlError> {
        let finder = memchr::memmem::Finder::new(needle);
        loop {
            let window = &self.buffer[self.start..self.end];
            let mut at = 0;
            while let Some(i) = finder.find(&window[at..]) {
                let tag = at + i;
                let Some(close) = memchr::memchr(b'>', &window[tag..]) else {
                    break;
                };
                found(&window[tag..tag + close]);
                at = tag + close + 1;
            }
            // Keep what may be the beginning of a tag cut by the end of the bytes read.
            let keep = match finder.find(&window[at..]) {
                Some(i) => at + i,
                None => window.len().saturating_sub(needle.len() - 1).max(at),
            };
            self.start += keep;
            if !self.fill()? {
                return Ok(());
            }
        }
    }

    /// The raw content of the element whose start tag (`qname`, not empty) was just read,
    /// up to its end tag, which is consumed. The element holds no element of its name (a
    /// cell holds no cell).
    pub fn content(&mut self, qname: &[u8]) -> Result<&[u8], XmlError> {
        if self.needle.get(2..) != Some(qname) {
            self.needle.clear();
            self.needle.extend_from_slice(b"</");
            self.needle.extend_from_slice(qname);
            self.finder = memchr::memmem::Finder::new(&self.needle).into_owned();
        }
        let mut from = 0;
        loop {
            let found = loop {
                let window = &self.buffer[self.start + from..self.end];
                if let Some(i) = self.finder.find(window) {
                    break Some(from + i);
                }
                from = (self.end - self.start).saturating_sub(self.needle.len() - 1);
                if !self.fill()? {
                    break None;
                }
            };
            let Some(at) = found else {
                return Err(XmlError::Malformed("an element without its end tag"));
            };
            // "</c" must be "</c>" or "</c >", not "</col>".
            let after = at + self.needle.len();
            while self.end - self.start <= after && self.fill()? {}
            match self.buffer.get(self.start + after).copied() {
                Some(b'>') => {
                    let content = self.start..self.start + at;
                    self.start += after + 1;
                    return Ok(&self.buffer[content]);
                }
                Some(b) if b.is_ascii_whitespace() => {
                    let Some(close) =
                        memchr::memchr(b'>', &self.buffer[self.start + after..self.end])
                    else {
                        return Err(XmlError::Malformed("an end tag cut short"));
                    };
                    let content = self.start..self.start + at;
                    self.start += after + close + 1;
                    return Ok(&self.buffer[content]);
                }
                Some(_) => from = after,
                None => return Err(XmlError::Malformed("an element without its end tag")),
            }
        }
    }

    /// The next event. Comments, processing instructions and declarations are skipped.
    pub fn next(&mut self) -> Result<Event<'_>, XmlError> {
        loop {
            let window = &self.buffer[self.start..self.end];
            match token(window, self.eof)? {
                Some((Token::Skip, length)) => self.start += length,
                Some((token, length)) => {
                    let at = self.start;
                    self.start += length;
                    return Ok(event(&self.buffer[at..at + length], token));
                }
                None if self.eof => return Ok(Event::Eof),
                None => {
                    if !self.fill()? && self.start == self.end {
                        return Ok(Event::Eof);
                    }
                }
            }
        }
    }
}

impl<R: Read> Pull for XmlReader<R> {
    fn next(&mut self) -> Result<Event<'_>, XmlError> {
        XmlReader::next(self)
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
