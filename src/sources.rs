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
use std::path::{Component, Path, PathBuf};

pub mod text;

/// The file of acknowledged findings, which lives beside the descriptions but is not one.
pub const ACKNOWLEDGED_FILE: &str = "acknowledged.toml";

/// The most a source may weigh. The largest BO annex seen is under a megabyte; a file a
/// hundred times larger is not a publication, and reading it whole would cost memory
/// unattended runs do not have to spare.
pub const MAX_SOURCE_BYTES: u64 = 64 * 1024 * 1024;

/// Parses a TOML file into `T`, mapping any error to a configuration error naming the
/// file, the line and the key.
pub fn parse_toml<T: serde::de::DeserializeOwned>(path: &Path, text: &str) -> Result<T, Error> {
    toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of_offset(text, s.start));
        let key = e
            .span()
            .map(|s| key_at(text, s.start))
            .filter(|k| !k.is_empty());
        config_error_at(path, line, key, with_closest(e.message()))
    })
}

/// serde's "unknown field `anchr`, expected one of `id`, …, `anchor`, …" (or "unknown
/// variant"), with the closest expected word: a typo is named, not only listed.
fn with_closest(message: &str) -> String {
    let unknown = ["unknown field `", "unknown variant `"]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix))
        .and_then(|rest| rest.split_once('`'));
    let Some((unknown, expected)) = unknown else {
        return message.to_string();
    };
    let folded = unknown.to_lowercase();
    let closest = expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|candidate| {
            (
                strsim::damerau_levenshtein(&folded, &candidate.to_lowercase()),
                candidate,
            )
        })
        .min();
    match closest {
        Some((distance, candidate)) if distance <= 2.max(unknown.chars().count() / 3) => {
            format!("{message}; did you mean `{candidate}`?")
        }
        _ => message.to_string(),
    }
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
    /// Whether it is a spreadsheet, whose bytes are not kept.
    spreadsheet: bool,
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
            spreadsheet: false,
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
        spreadsheet: true,
        bytes: Vec::new(),
        len,
        sha256: crate::core::hex(&hasher.finalize()),
    })
}

/// Content sniffing: spreadsheets are zip containers (xlsx, xlsb, ods) or OLE compound
/// files (xls); a PDF starts with its `%PDF-` header (viewers also accept one within the
/// first 1024 bytes, after junk a download may prepend, which no text would hold);
/// anything else must be text: UTF-8, or UTF-16 with a byte-order mark.
pub fn sniff_format(bytes: &[u8]) -> Option<SourceFormat> {
    const ZIP: &[u8] = b"PK\x03\x04";
    const OLE: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    const PDF: &[u8] = b"%PDF-";
    let text = text::is_text(bytes);
    let pdf_header_near_start = bytes[..bytes.len().min(1024)]
        .windows(PDF.len())
        .any(|w| w == PDF);
    if bytes.starts_with(ZIP) || bytes.starts_with(OLE) {
        Some(SourceFormat::Spreadsheet)
    } else if bytes.starts_with(PDF) || (pdf_header_near_start && !text) {
        Some(SourceFormat::Pdf)
    } else if text {
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
    // Where every description and source must stay, links resolved.
    let root = dir
        .canonicalize()
        .map_err(|e| Error::input(dir, e.to_string()))?;
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
        publications.push(load_publication(dir, &root, &path)?);
    }
    check_unique_ids(&publications)?;
    Ok(publications)
}

fn load_publication(inputs: &Path, root: &Path, path: &Path) -> Result<Publication, Error> {
    let description_file = inside_inputs(root, path, None)?;
    let text = read_description(&description_file, path)?;
    let description: Description = parse_toml(path, &text)?;
    let keys = KeyLines::of(&text);
    check_description(path, &keys, &description)?;
    let source_path = source_path(inputs, path, &keys, &description.publication.source)?;
    let named_by = format!(
        "the source named by {}{} (publication.source)",
        path.display(),
        keys.publication("source")
            .map(|line| format!(":{line}"))
            .unwrap_or_default()
    );
    let source_file = inside_inputs(root, &source_path, Some(&named_by))?;
    let source = load_source(&source_file)
        .map_err(|e| Error::input(&source_path, format!("cannot read {named_by}: {e}")))?;
    let bytes = source.bytes;
    if source.len == 0 || (!source.spreadsheet && bytes.iter().all(u8::is_ascii_whitespace)) {
        return Err(Error::input(&source_path, format!("{named_by} is empty")));
    }
    let format = match sniff_format(&bytes) {
        _ if source.spreadsheet => SourceFormat::Spreadsheet,
        Some(SourceFormat::Spreadsheet) => SourceFormat::Spreadsheet,
        Some(SourceFormat::Pdf) => SourceFormat::Pdf,
        _ => SourceFormat::Text,
    };
    let source_text = match format {
        SourceFormat::Spreadsheet | SourceFormat::Pdf => None,
        SourceFormat::Text => {
            let (text, encoding) = text::decode(&source_path, &bytes)?;
            if encoding != text::Encoding::Utf8 {
                tracing::info!(source = %source_path.display(), encoding = encoding.as_str(), "decoded");
            }
            if text.trim().is_empty() {
                return Err(Error::input(&source_path, format!("{named_by} is empty")));
            }
            Some(text)
        }
    };
    // A spreadsheet's table is found without an anchor; a text needs one to say where its
    // figures stand, unless it only restates a total.
    if format != SourceFormat::Spreadsheet
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
        text: source_text,
    })
}

/// A description as text: UTF-8, its byte-order mark dropped (TOML allows no other
/// encoding).
fn read_description(file: &Path, path: &Path) -> Result<String, Error> {
    let bytes = std::fs::read(file).map_err(|e| Error::input(path, e.to_string()))?;
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    match std::str::from_utf8(body) {
        Ok(text) => Ok(text.to_string()),
        // The same diagnosis as a source's (line, encoding it looks like).
        Err(_) => Err(text::decode(path, body)
            .err()
            .unwrap_or_else(|| Error::input(path, "not UTF-8".to_string()))),
    }
}

/// The source a description names: a path relative to the description, that stays in the
/// inputs folder. An absolute path or a `..` would let a description read any file the
/// cron user can (and publish its hash and figures).
fn source_path(
    inputs: &Path,
    description: &Path,
    keys: &KeyLines,
    source: &str,
) -> Result<PathBuf, Error> {
    let refuse = |message: String| {
        config_error_at(
            description,
            keys.publication("source"),
            Some("publication.source".to_string()),
            message,
        )
    };
    let written = Path::new(source);
    if source.trim().is_empty() {
        return Err(refuse(
            "`source` is empty: name the file beside this description".to_string(),
        ));
    }
    if written.is_absolute()
        || written
            .components()
            .any(|c| matches!(c, Component::RootDir | Component::Prefix(_)))
    {
        return Err(refuse(format!(
            "\"{source}\" is an absolute path: sources are read from the inputs folder only; copy the file beside this description and name it relative to it"
        )));
    }
    if written.components().any(|c| c == Component::ParentDir) {
        return Err(refuse(format!(
            "\"{source}\" goes up a folder (\"..\"): sources are read from the inputs folder only; copy the file beside this description"
        )));
    }
    Ok(description.parent().unwrap_or(inputs).join(written))
}

/// `path` with its links resolved, refused unless it is a regular file inside the inputs
/// folder (`root`, resolved too): a symbolic link may not lead a run outside it, and a FIFO
/// or a device would hang or flood an unattended run.
fn inside_inputs(root: &Path, path: &Path, named_by: Option<&str>) -> Result<PathBuf, Error> {
    let what = named_by.map_or_else(String::new, |n| format!("{n}: "));
    let resolved = path
        .canonicalize()
        .map_err(|e| Error::input(path, format!("cannot read {what}{e}")))?;
    if !resolved.starts_with(root) {
        return Err(Error::input(
            path,
            format!(
                "{what}a symbolic link leading outside the inputs folder (to {}): inputs are read from {} only; copy the file there instead of linking it",
                resolved.display(),
                root.display()
            ),
        ));
    }
    let metadata = std::fs::metadata(&resolved)
        .map_err(|e| Error::input(path, format!("cannot read {what}{e}")))?;
    if !metadata.is_file() {
        return Err(Error::input(path, format!("{what}not a regular file")));
    }
    if metadata.len() > MAX_SOURCE_BYTES {
        return Err(Error::input(
            path,
            format!(
                "{what}{} bytes, more than the {MAX_SOURCE_BYTES} a source may weigh: not a publication",
                metadata.len()
            ),
        ));
    }
    Ok(resolved)
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
                p.keys.publication("id"),
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
    use crate::model::DeclaredTotal;
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
    fn a_bare_declared_total_is_read_as_its_number_words_are_still_refused() {
        let bare = DeclaredTotal::try_from("1 518 800".to_string()).unwrap();
        assert!(
            matches!(&bare, DeclaredTotal::Bare(w) if w.amount.value == Decimal::from(1_518_800))
        );
        assert_eq!(bare.written(), "1 518 800");
        let words = DeclaredTotal::try_from("beaucoup".to_string()).unwrap_err();
        assert!(words.contains("cannot be read as a total"), "{words}");
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
    fn a_typo_in_a_key_names_the_closest_key() {
        let text = envelope("1 €").replace("anchor = ", "anchr = ");
        let err = parse_toml::<Description>(Path::new("inputs/x.toml"), &text).unwrap_err();
        let shown = err.to_string();
        assert!(shown.starts_with("inputs/x.toml:17: "), "{shown}");
        assert!(shown.ends_with("did you mean `anchor`?"), "{shown}");
        let text = envelope("1 €").replace("\"region\"", "\"regions\"");
        let shown = parse_toml::<Description>(Path::new("x.toml"), &text)
            .unwrap_err()
            .to_string();
        assert!(shown.ends_with("did you mean `region`?"), "{shown}");
        // Nothing close: the list alone.
        let text = envelope("1 €").replace("anchor = ", "zzzzzzzzzz = ");
        let shown = parse_toml::<Description>(Path::new("x.toml"), &text)
            .unwrap_err()
            .to_string();
        assert!(!shown.contains("did you mean"), "{shown}");
    }

    #[test]
    fn a_source_outside_the_inputs_folder_is_refused_at_its_key() {
        let keys = KeyLines::of(HEADER);
        let description = Path::new("inputs/x.toml");
        for (source, says) in [
            ("/etc/passwd", "is an absolute path"),
            ("../secret.txt", "goes up a folder"),
            ("sub/../../secret.txt", "goes up a folder"),
            ("", "`source` is empty"),
        ] {
            let err = source_path(Path::new("inputs"), description, &keys, source).unwrap_err();
            assert_eq!(err.exit_code(), crate::error::exit::CONFIG);
            let shown = err.to_string();
            assert!(shown.starts_with("inputs/x.toml:7: "), "{shown}");
            assert!(shown.contains("publication.source"), "{shown}");
            assert!(shown.contains(says), "{source}: {shown}");
        }
        assert_eq!(
            source_path(Path::new("inputs"), description, &keys, "annexes/a.xlsx").unwrap(),
            Path::new("inputs/annexes/a.xlsx")
        );
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
        assert_eq!(
            sniff_format(&[0xff, 0xfe, 0x41, 0x00]),
            Some(SourceFormat::Text)
        );
        assert_eq!(sniff_format(&[0x43, 0x72, 0xe9, 0x64]), None);
    }

    #[test]
    fn sniffs_a_pdf_by_its_header() {
        assert_eq!(
            sniff_format(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj"),
            Some(SourceFormat::Pdf)
        );
        assert_eq!(sniff_format(b"%PDF-1.7\n"), Some(SourceFormat::Pdf));
        // Junk a download put before the header: still a PDF, as viewers read it.
        assert_eq!(
            sniff_format(b"\xef\xbb\xbf\x00junk\n%PDF-1.4\n\xe2\xe3"),
            Some(SourceFormat::Pdf)
        );
        // A text that quotes a header further down is a text.
        assert_eq!(
            sniff_format("Le fichier commence par %PDF- puis…".as_bytes()),
            Some(SourceFormat::Text)
        );
    }
}
