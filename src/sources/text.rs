//! A text source's bytes to the text extraction reads: UTF-8 (its byte-order mark dropped)
//! or UTF-16 with a byte-order mark, line ends made `\n`. Anything else is refused with the
//! file, the line and the encoding it looks like, never guessed: a Windows-1252 "é" read as
//! UTF-8 would reach the published tables as mojibake.

use crate::error::Error;
use std::path::Path;

/// The longest line a text extract may have. A BO paragraph copied from a PDF is a few
/// thousand characters; a longer line is a file saved without line breaks (or not a text),
/// and reading its figures costs time that grows with the square of its length.
pub const MAX_LINE_CHARS: usize = 20_000;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// How the bytes were decoded, for the logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf8Bom => "UTF-8 with a byte-order mark",
            Encoding::Utf16Le => "UTF-16 little-endian with a byte-order mark",
            Encoding::Utf16Be => "UTF-16 big-endian with a byte-order mark",
        }
    }
}

/// Whether the bytes start as a text this module decodes without guessing.
pub fn is_text(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") || {
        let body = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
        std::str::from_utf8(body).is_ok()
    }
}

/// The text of a source, or an error naming `path`, the line and what the bytes look like.
pub fn decode(path: &Path, bytes: &[u8]) -> Result<(String, Encoding), Error> {
    let (text, encoding) = if let Some(body) = bytes.strip_prefix(b"\xFF\xFE") {
        (utf16(path, body, u16::from_le_bytes)?, Encoding::Utf16Le)
    } else if let Some(body) = bytes.strip_prefix(b"\xFE\xFF") {
        (utf16(path, body, u16::from_be_bytes)?, Encoding::Utf16Be)
    } else {
        let (body, encoding) = match bytes.strip_prefix(UTF8_BOM) {
            Some(body) => (body, Encoding::Utf8Bom),
            None => (bytes, Encoding::Utf8),
        };
        match std::str::from_utf8(body) {
            Ok(text) => (text.to_string(), encoding),
            Err(e) => return Err(not_utf8(path, body, e.valid_up_to())),
        }
    };
    let text = unix_line_ends(&text);
    if let Some(offset) = text.find('\0') {
        let (line, _) = line_and_column(text.as_bytes(), offset);
        let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let column = text[line_start..offset].chars().count() + 1;
        let looks = if looks_like_utf16_without_bom(bytes) {
            "UTF-16 without a byte-order mark: convert it with `iconv -f UTF-16LE -t UTF-8`"
        } else {
            "a binary file, not a text extract"
        };
        return Err(at_line(
            path,
            line,
            format!("a NUL byte at column {column}: {looks}"),
        ));
    }
    for (index, line) in text.split('\n').enumerate() {
        let chars = line.chars().count();
        if chars > MAX_LINE_CHARS {
            return Err(at_line(
                path,
                index + 1,
                format!(
                    "a line of {chars} characters, more than the {MAX_LINE_CHARS} a text extract may have: a file saved without line breaks, or not a text; keep one paragraph, bullet or table row per line"
                ),
            ));
        }
    }
    Ok((text, encoding))
}

fn utf16(path: &Path, body: &[u8], unit: fn([u8; 2]) -> u16) -> Result<String, Error> {
    if !body.len().is_multiple_of(2) {
        return Err(Error::input(
            path,
            "starts with a UTF-16 byte-order mark but has an odd number of bytes: the file is cut short or not UTF-16".to_string(),
        ));
    }
    let units: Vec<u16> = body.chunks_exact(2).map(|c| unit([c[0], c[1]])).collect();
    String::from_utf16(&units).map_err(|_| {
        Error::input(
            path,
            "starts with a UTF-16 byte-order mark but holds an invalid UTF-16 sequence: re-save it as UTF-8".to_string(),
        )
    })
}

/// "\r\n" (Windows) and a lone "\r" (old Mac) end lines as "\n" does: line numbers are
/// those an editor shows.
fn unix_line_ends(text: &str) -> String {
    if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        text.to_string()
    }
}

fn at_line(path: &Path, line: usize, message: String) -> Error {
    Error::Input {
        file: format!("{}:{line}", path.display()),
        message,
    }
}

/// 1-based line and byte column of `offset`.
fn line_and_column(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let start = before
        .iter()
        .rposition(|&b| b == b'\n' || b == b'\r')
        .map_or(0, |i| i + 1);
    (line, offset - start + 1)
}

/// ASCII text in UTF-16 has a NUL every other byte.
fn looks_like_utf16_without_bom(bytes: &[u8]) -> bool {
    let sample = &bytes[..bytes.len().min(4096)];
    let nul_at = |parity: usize| {
        sample
            .iter()
            .skip(parity)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let pairs = sample.len() / 2;
    pairs > 0 && (nul_at(0) * 10 >= pairs * 9 || nul_at(1) * 10 >= pairs * 9)
}

/// Windows-1252's characters for 0x80..=0x9F (Latin-1 has control codes there); `None`
/// where Windows-1252 has no character either.
const CP1252_HIGH: [Option<char>; 32] = [
    Some('€'),
    None,
    Some('‚'),
    Some('ƒ'),
    Some('„'),
    Some('…'),
    Some('†'),
    Some('‡'),
    Some('ˆ'),
    Some('‰'),
    Some('Š'),
    Some('‹'),
    Some('Œ'),
    None,
    Some('Ž'),
    None,
    None,
    Some('‘'),
    Some('’'),
    Some('“'),
    Some('”'),
    Some('•'),
    Some('–'),
    Some('—'),
    Some('˜'),
    Some('™'),
    Some('š'),
    Some('›'),
    Some('œ'),
    None,
    Some('ž'),
    Some('Ÿ'),
];

fn cp1252(byte: u8) -> Option<char> {
    match byte {
        0x80..=0x9F => CP1252_HIGH[usize::from(byte - 0x80)],
        _ => Some(char::from(byte)),
    }
}

/// Why bytes that are not UTF-8 are refused, naming what they look like.
fn not_utf8(path: &Path, bytes: &[u8], first_invalid: usize) -> Error {
    let (line, column) = line_and_column(bytes, first_invalid);
    let sample = &bytes[..bytes.len().min(64 * 1024)];
    let controls = sample
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C))
        .count();
    if looks_like_utf16_without_bom(bytes) {
        return at_line(
            path,
            line,
            "not UTF-8: UTF-16 without a byte-order mark; convert it with `iconv -f UTF-16LE -t UTF-8`"
                .to_string(),
        );
    }
    // Text has next to no control codes; a few per hundred bytes is a binary file.
    if controls * 100 > sample.len() {
        return at_line(
            path,
            line,
            format!(
                "not a text: binary content ({controls} control bytes in the first {} bytes); a source is a UTF-8 text extract or a spreadsheet (xlsx, xls, xlsb, ods)",
                sample.len()
            ),
        );
    }
    // Single bytes above 0x7F in otherwise ASCII text: an 8-bit encoding. Bytes in
    // 0x80..=0x9F are printable only in Windows-1252.
    let high: Vec<u8> = bytes.iter().copied().filter(|&b| b >= 0x80).collect();
    let windows = high.iter().any(|b| (0x80..=0x9F).contains(b));
    let decodable = high.iter().all(|&b| cp1252(b).is_some());
    let byte = bytes.get(first_invalid).copied().unwrap_or(0);
    if !decodable {
        return at_line(
            path,
            line,
            format!(
                "not UTF-8: byte 0x{byte:02X} at column {column}, in no encoding this tool can name; re-save the file as UTF-8"
            ),
        );
    }
    let encoding = if windows {
        "Windows-1252"
    } else {
        "Latin-1 (ISO-8859-1) or Windows-1252"
    };
    let line_start = bytes[..first_invalid]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let line_end = bytes[first_invalid..]
        .iter()
        .position(|&b| b == b'\n' || b == b'\r')
        .map_or(bytes.len(), |i| first_invalid + i);
    let shown: String = bytes[line_start..line_end]
        .iter()
        .filter_map(|&b| cp1252(b))
        .take(80)
        .collect();
    let iconv = if windows { "WINDOWS-1252" } else { "LATIN1" };
    at_line(
        path,
        line,
        format!(
            "not UTF-8: byte 0x{byte:02X} at column {column} is \"{}\" in {encoding}, which the file looks encoded in (the line would read \"{}\"); convert it, e.g. `iconv -f {iconv} -t UTF-8 {name} > {name}.utf8`, check it, and replace the file",
            cp1252(byte).unwrap_or('?'),
            shown.trim(),
            name = path
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(bytes: &[u8]) -> Result<String, String> {
        decode(Path::new("in/a.txt"), bytes)
            .map(|(text, _)| text)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn byte_order_marks_and_line_ends() {
        assert_eq!(decoded(b"\xEF\xBB\xBFa\r\nb\rc\n").unwrap(), "a\nb\nc\n");
        let utf16le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("é\r\n€".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decoded(&utf16le).unwrap(), "é\n€");
        let utf16be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain("Île".encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(decoded(&utf16be).unwrap(), "Île");
    }

    #[test]
    fn eight_bit_texts_are_named_never_guessed() {
        let latin1 = b"Titre\nLes cr\xE9dits de 9 800 000 euros\n";
        let shown = decoded(latin1).unwrap_err();
        assert!(shown.starts_with("in/a.txt:2: not UTF-8: byte 0xE9 at column 7 is \"é\" in Latin-1 (ISO-8859-1) or Windows-1252"), "{shown}");
        assert!(
            shown.contains("\"Les crédits de 9 800 000 euros\""),
            "{shown}"
        );
        let windows = b"Cr\xE9dits : 100 000 \x80\n";
        let shown = decoded(windows).unwrap_err();
        assert!(shown.contains("in Windows-1252"), "{shown}");
        assert!(
            shown.contains("iconv -f WINDOWS-1252 -t UTF-8 a.txt"),
            "{shown}"
        );
    }

    #[test]
    fn nul_bytes_binary_and_long_lines_are_refused_at_their_line() {
        assert!(
            decoded(b"a\nb\0c\n")
                .unwrap_err()
                .starts_with("in/a.txt:2: a NUL byte at column 2")
        );
        let utf16_no_bom: Vec<u8> = "Crédits\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert!(
            decoded(&utf16_no_bom)
                .unwrap_err()
                .contains("UTF-16 without a byte-order mark")
        );
        let junk: Vec<u8> = (0..2000u32).map(|i| (i * 7919 % 251) as u8).collect();
        assert!(decoded(&junk).unwrap_err().contains("binary content"));
        let long = format!("a\n{}\n", "x".repeat(MAX_LINE_CHARS + 1));
        assert!(
            decoded(long.as_bytes())
                .unwrap_err()
                .starts_with("in/a.txt:2: a line of 20001 characters")
        );
    }
}
