//! Stage 1: the publications described in `inputs/`.
//!
//! Each source (a text extract or a spreadsheet) has a TOML description beside it, with the
//! same stem. The description is the contract a user writes when a new BO publication comes
//! out: it names the publication and the envelopes (budget pots) whose figures the source
//! states, and tells extraction where those figures stand. Nothing here reads the sources'
//! figures; this stage only loads, checks and fingerprints the descriptions.

use crate::core::sha256_hex;
use crate::error::{Error, config_error_at};
use crate::model::description::line_of_offset;
use crate::model::{Description, KeyLines, Publication, SourceFormat};
use std::path::{Path, PathBuf};

/// The file of acknowledged findings, which lives beside the descriptions but is not one.
pub const ACKNOWLEDGED_FILE: &str = "acknowledged.toml";

/// Parses a TOML file into `T`, mapping any error to a configuration error naming the
/// file, the line and the key.
pub fn parse_toml<T: serde::de::DeserializeOwned>(path: &Path, text: &str) -> Result<T, Error> {
    toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of_offset(text, s.start));
        let key = e
            .span()
            .map(|s| key_at(text, s.start))
            .filter(|k| !k.is_empty());
        config_error_at(path, line, key, e.message().to_string())
    })
}

/// The key of the `key = value` line holding `offset`, for error messages.
fn key_at(text: &str, offset: usize) -> String {
    let offset = offset.min(text.len());
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let line = &text[start..end];
    match line.split_once('=') {
        Some((key, _)) => key.trim().to_string(),
        None => line.trim().trim_matches(['[', ']']).to_string(),
    }
}

/// A source as loaded: a text's bytes are kept, a spreadsheet is only hashed (its sheets
/// are read from the file when extracted: a million-row workbook need not sit in memory
/// through the run).
struct Source {
    text: bool,
    bytes: Vec<u8>,
    len: u64,
    sha256: String,
}

fn load_source(path: &Path) -> std::io::Result<Source> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut head = [0u8; 8];
    let mut read = 0;
    while read < head.len() {
        match file.read(&mut head[read..])? {
            0 => break,
            n => read += n,
        }
    }
    let head = &head[..read];
    if sniff_format(head) != Some(SourceFormat::Spreadsheet) || read < 4 {
        let mut bytes = head.to_vec();
        file.read_to_end(&mut bytes)?;
        return Ok(Source {
            text: true,
            len: bytes.len() as u64,
            sha256: sha256_hex(&bytes),
            bytes,
        });
    }
    let mut hasher = Sha256::new();
    hasher.update(head);
    let mut len = head.len() as u64;
    let mut chunk = vec![0u8; 1 << 16];
    loop {
        match file.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                hasher.update(&chunk[..n]);
                len += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(Source {
        text: false,
        bytes: Vec::new(),
        len,
        sha256: crate::core::hex(&hasher.finalize()),
    })
}

/// Content sniffing: spreadsheets are zip containers (xlsx, xlsb, ods) or OLE compound
/// files (xls); anything else must be UTF-8 text.
pub fn sniff_format(bytes: &[u8]) -> Option<SourceFormat> {
    const ZIP: &[u8] = b"PK\x03\x04";
    const OLE: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    if bytes.starts_with(ZIP) || bytes.starts_with(OLE) {
        Some(SourceFormat::Spreadsheet)
    } else if std::str::from_utf8(bytes).is_ok() {
        Some(SourceFormat::Text)
    } else {
        None
    }
}

fn is_kebab_id(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && !id.ends_with('-')
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Loads every description of `dir` (every `*.toml` but the acknowledgements), sorted by
/// file name so that runs are deterministic.
pub fn load_publications(dir: &Path) -> Result<Vec<Publication>, Error> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::input(dir, e.to_string()))?;
    let mut paths: Vec<PathBuf> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::input(dir, e.to_string()))?;
        let path = entry.path();
        let is_description = path.extension().is_some_and(|e| e == "toml")
            && path.file_name().is_some_and(|n| n != ACKNOWLEDGED_FILE);
        if is_description {
            paths.push(path);
        }
    }
    paths.sort();
    if paths.is_empty() {
        return Err(Error::input(
            dir,
            "no publication description (*.toml) in the inputs folder".to_string(),
        ));
    }
    let mut publications = Vec::with_capacity(paths.len());
    for path in paths {
        publications.push(load_publication(dir, &path)?);
    }
    check_unique_ids(&publications)?;
    Ok(publications)
}

fn load_publication(inputs: &Path, path: &Path) -> Result<Publication, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::input(path, e.to_string()))?;
    let description: Description = parse_toml(path, &text)?;
    let keys = KeyLines::of(&text);
    check_description(path, &keys, &description)?;
    let base = path.parent().unwrap_or(inputs);
    let source_path = base.join(&description.publication.source);
    let source = load_source(&source_path).map_err(|e| {
        Error::input(
            &source_path,
            format!(
                "cannot read the source named by {} (publication.source): {e}",
                path.display()
            ),
        )
    })?;
    let bytes = source.bytes;
    if source.len == 0 || (source.text && bytes.iter().all(u8::is_ascii_whitespace)) {
        return Err(Error::input(
            &source_path,
            format!("the source named by {} is empty", path.display()),
        ));
    }
    let format = match source.text {
        false => Some(SourceFormat::Spreadsheet),
        true => sniff_format(&bytes),
    }
    .ok_or_else(|| {
        Error::input(
            &source_path,
            format!(
                "neither a spreadsheet (xlsx, xls, xlsb, ods) nor UTF-8 text (first invalid byte at offset {}); re-encode a text as UTF-8, e.g. `iconv -f WINDOWS-1252 -t UTF-8`",
                std::str::from_utf8(&bytes).err().map_or(0, |e| e.valid_up_to())
            ),
        )
    })?;
    // A spreadsheet's table is found without an anchor; a text needs one to say where its
    // figures stand, unless it only restates a total.
    if format == SourceFormat::Text
        && let Some((index, envelope)) =
            description.envelopes.iter().enumerate().find(|(_, e)| {
                e.anchor.is_none() && e.declared_total.is_none() && e.claims.is_empty()
            })
    {
        return Err(config_error_at(
            path,
            keys.envelope(index, "id"),
            Some("envelopes.anchor".to_string()),
            format!(
                "envelope '{}' of a text source has no anchor, declared_total or claims: it states nothing",
                envelope.id
            ),
        ));
    }
    let source_name = source_path
        .strip_prefix(inputs)
        .unwrap_or(&source_path)
        .to_string_lossy()
        .replace('\\', "/");
    Ok(Publication {
        source_sha256: source.sha256,
        source_len: source.len,
        meta: description.publication,
        envelopes: description.envelopes,
        description_path: path.to_path_buf(),
        keys,
        description_text: text,
        source_path,
        source_name,
        format,
        bytes,
    })
}

/// Checks the description beyond its syntax: ids, and keys whose meaning depends on others.
fn check_description(path: &Path, keys: &KeyLines, d: &Description) -> Result<(), Error> {
    let publication_err = |key: &str, message: String| {
        config_error_at(
            path,
            keys.publication(key),
            Some(format!("publication.{key}")),
            message,
        )
    };
    let envelope_err = |index: usize, key: &str, message: String| {
        config_error_at(
            path,
            keys.envelope(index, key),
            Some(format!("envelopes.{key}")),
            message,
        )
    };
    if !is_kebab_id(&d.publication.id) {
        return Err(publication_err(
            "id",
            format!(
                "'{}' is not a kebab-case id (lower-case letters, digits, '-')",
                d.publication.id
            ),
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for (index, envelope) in d.envelopes.iter().enumerate() {
        let err = |key: &str, message: String| envelope_err(index, key, message);
        if !is_kebab_id(&envelope.id) {
            return Err(err(
                "id",
                format!("'{}' is not a kebab-case id", envelope.id),
            ));
        }
        if !seen.insert(envelope.id.as_str()) {
            return Err(err(
                "id",
                format!("envelope '{}' is described twice", envelope.id),
            ));
        }
        if envelope.parent.as_deref() == Some(envelope.id.as_str()) {
            return Err(err(
                "parent",
                format!("envelope '{}' cannot be its own parent", envelope.id),
            ));
        }
        for (label, code) in &envelope.region_aliases {
            if crate::core::region::RegionCode::from_code(code).is_none() {
                return Err(config_error_at(
                    path,
                    keys.envelope(index, &format!("region_aliases.{label}")),
                    Some("envelopes.region_aliases".to_string()),
                    format!(
                        "'{code}' (for \"{label}\") is not one of the 18 INSEE region codes (01, 02, 03, 04, 06, 11, 24, 27, 28, 32, 44, 52, 53, 75, 76, 84, 93, 94)"
                    ),
                ));
            }
        }
        if !(2000..=2100).contains(&envelope.exercise) {
            return Err(err(
                "exercise",
                format!("exercise {} is not a plausible year", envelope.exercise),
            ));
        }
    }
    Ok(())
}

fn check_unique_ids(publications: &[Publication]) -> Result<(), Error> {
    let mut seen: std::collections::BTreeMap<&str, &Path> = std::collections::BTreeMap::new();
    for p in publications {
        if let Some(first) = seen.insert(&p.meta.id, &p.description_path) {
            return Err(config_error_at(
                &p.description_path,
                None,
                Some("publication.id".to_string()),
                format!(
                    "publication id '{}' is already used by {}",
                    p.meta.id,
                    first.display()
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let text = "[publication]\nid = \"x\"\ntitle = \"t\"\nissuer = \"CNSA\"\nkind = \"bo-decision\"\npublished_on = 2022-01-04\nsource = \"a.txt\"\nsourse = \"b\"\n";
        let err = parse_toml::<Description>(Path::new("inputs/x.toml"), text).unwrap_err();
        let shown = err.to_string();
        assert!(shown.contains("inputs/x.toml:8"), "{shown}");
        assert!(shown.contains("sourse"), "{shown}");
    }

    const HEADER: &str = "[publication]\nid = \"x\"\ntitle = \"t\"\nissuer = \"CNSA\"\nkind = \"bo-decision\"\npublished_on = 2022-01-04\nsource = \"a.txt\"\n";

    fn envelope(declared: &str) -> String {
        format!(
            "{HEADER}\n[[envelopes]]\nid = \"e\"\nprogramme = \"p\"\nexercise = 2022\nphase = \"p\"\nchannel = \"c\"\nbreakdown = \"region\"\ndeclared_total = \"{declared}\"\nanchor = \"a\"\n"
        )
    }

    #[test]
    fn a_declared_total_that_is_no_amount_is_an_invalid_description_at_its_line() {
        let text = envelope("soixante-quinze");
        let err = parse_toml::<Description>(Path::new("inputs/x.toml"), &text).unwrap_err();
        assert_eq!(err.exit_code(), crate::error::exit::CONFIG);
        let shown = err.to_string();
        assert!(shown.starts_with("inputs/x.toml:16: "), "{shown}");
        assert!(shown.contains("key `declared_total`"), "{shown}");
        assert!(
            shown.contains("\"soixante-quinze\" cannot be read"),
            "{shown}"
        );
    }

    #[test]
    fn a_declared_total_is_typed_when_read() {
        let parsed = |declared: &str| {
            parse_toml::<Description>(Path::new("x.toml"), &envelope(declared))
                .unwrap()
                .envelopes
                .remove(0)
                .declared_total
                .unwrap()
        };
        let stated = parsed("75 millions d'euros");
        assert_eq!(stated.current().amount.value, Decimal::from(75_000_000));
        assert_eq!(stated.before(), None);
        let changed = parsed("de 66 400 000 € à 66 500 000 €");
        assert_eq!(changed.written(), "de 66 400 000 € à 66 500 000 €");
        assert_eq!(
            changed.before().unwrap().amount.value,
            Decimal::from(66_400_000)
        );
        assert_eq!(changed.current().amount.value, Decimal::from(66_500_000));
        assert_eq!(changed.current().written, "66 500 000 €");
    }

    #[test]
    fn key_lines_point_at_each_envelopes_own_keys() {
        let text = format!(
            "{}\n[[envelopes]]\nid = \"second\"\nregion_aliases = {{ \"ARS OI\" = \"04\" }}\nclaims = [\n  \"a\",\n  \"b\",\n]\n",
            envelope("1 €")
        );
        let keys = KeyLines::of(&text);
        assert_eq!(keys.publication("source"), Some(7));
        assert_eq!(keys.envelope(0, "declared_total"), Some(16));
        assert_eq!(keys.envelope(0, "until"), Some(9), "absent key: the header");
        assert_eq!(keys.envelope(1, "id"), Some(20));
        assert_eq!(keys.envelope(1, "region_aliases.ARS OI"), Some(21));
        assert_eq!(keys.envelope(1, "claims[1]"), Some(24));
        assert_eq!(keys.envelope(2, "id"), None);
    }

    #[test]
    fn an_impossible_date_is_an_invalid_description() {
        let text = HEADER.replace("2022-01-04", "2023-02-30");
        let err = parse_toml::<Description>(Path::new("x.toml"), &text).unwrap_err();
        assert!(err.to_string().contains("x.toml:6"), "{err}");
    }

    #[test]
    fn sniffs_zip_ole_and_text() {
        assert_eq!(
            sniff_format(b"PK\x03\x04rest"),
            Some(SourceFormat::Spreadsheet)
        );
        assert_eq!(
            sniff_format(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0]),
            Some(SourceFormat::Spreadsheet)
        );
        assert_eq!(sniff_format("Crédits".as_bytes()), Some(SourceFormat::Text));
        assert_eq!(sniff_format(&[0xff, 0xfe, 0x00]), None);
    }
}
