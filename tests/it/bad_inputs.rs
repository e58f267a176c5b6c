//! The bad inputs an unattended run meets, tried as a new user would: each is refused with
//! its exit code and a message naming the file and the line, cell or key to fix (or, when
//! the input is only unusual, read as its plain twin), and the output folder's previously
//! published files are byte-identical afterwards. Then publication itself going wrong: an
//! unwritable folder, a full disk, the process killed at several points, two runs at once.
//!
//! Most inputs are a small accepted publication (`tests/fixtures/rules/total.sum_mismatch/
//! quiet`) or a shipped annex, damaged here in a way a reader can check by eye;
//! `tests/fixtures/bad_inputs/password-protected.xlsx` is the shipped 2023 annex encrypted
//! by `msoffcrypto-tool -e -p annexe` (no Rust crate writes an encrypted workbook).

use std::collections::BTreeMap;
use std::fs;
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::support::{fixture, inputs_copy, shipped};

// ---------------------------------------------------------------------------------------
// Harness.
// ---------------------------------------------------------------------------------------

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_esms-ledger"));
    c.env_remove("RUST_LOG")
        .env_remove("ESMS_LEDGER_FAIL_AT")
        .env("NO_COLOR", "1");
    c
}

/// The most a run of these inputs may take (a debug build): a run that hangs (on a FIFO, a
/// bomb) is killed and fails its test instead of the whole suite.
const RUN_TIMEOUT: Duration = Duration::from_secs(60);

fn run_with(inputs: &Path, out: &Path, extra: &[&str], fail_at: Option<&str>) -> Output {
    let mut command = bin();
    if let Some(point) = fail_at {
        command.env("ESMS_LEDGER_FAIL_AT", point);
    }
    let mut child = command
        .args(extra)
        .arg("run")
        .arg("--inputs")
        .arg(inputs)
        .arg("--out")
        .arg(out)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run esms-ledger");
    let pipe = |mut reader: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = reader.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = pipe(Box::new(child.stdout.take().expect("stdout")));
    let stderr = pipe(Box::new(child.stderr.take().expect("stderr")));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > RUN_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "esms-ledger run --inputs {} did not end within {RUN_TIMEOUT:?}",
                inputs.display()
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Output {
        status,
        stdout: stdout.join().expect("stdout"),
        stderr: stderr.join().expect("stderr"),
    }
}

fn run(inputs: &Path, out: &Path) -> Output {
    run_with(inputs, out, &[], None)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The files of an output folder a reader sees (its top level, the lock aside), by name.
type Files = BTreeMap<String, Vec<u8>>;

fn published_files(out: &Path) -> Files {
    let mut files = Files::new();
    for entry in fs::read_dir(out).expect("output folder") {
        let entry = entry.expect("entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().expect("type").is_file() && name != ".esms-ledger.lock" {
            files.insert(name, fs::read(entry.path()).expect("read"));
        }
    }
    files
}

fn staging_folders(out: &Path) -> Vec<String> {
    fs::read_dir(out)
        .expect("output folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".staging"))
        .collect()
}

/// A small accepted publication: a decision listing the 18 regions (decision.toml,
/// decision.txt: `source` on line 7, `anchor` on line 17; Corse on line 19 of the text).
fn quiet() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for name in ["decision.toml", "decision.txt"] {
        fs::copy(
            fixture("rules/total.sum_mismatch/quiet").join(name),
            dir.path().join(name),
        )
        .expect("copy");
    }
    dir
}

/// The set that `quiet()` publishes, published once.
fn previous_publication() -> &'static Files {
    static PUBLISHED: OnceLock<Files> = OnceLock::new();
    PUBLISHED.get_or_init(|| {
        let inputs = quiet();
        let out = tempfile::tempdir().expect("tempdir");
        let o = run(inputs.path(), out.path());
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let files = published_files(out.path());
        assert_eq!(files.len(), 10, "{:?}", files.keys());
        files
    })
}

/// An output folder holding the previous publication.
fn previously_published() -> tempfile::TempDir {
    let out = tempfile::tempdir().expect("tempdir");
    for (name, bytes) in previous_publication() {
        fs::write(out.path().join(name), bytes).expect("write");
    }
    out
}

fn read_text(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Replaces `from` by `to` in the file `name` of `dir`, which must hold it.
fn edit(dir: &Path, name: &str, from: &str, to: &str) {
    let path = dir.join(name);
    let text = read_text(&path);
    assert!(text.contains(from), "{name} does not hold {from:?}");
    fs::write(&path, text.replacen(from, to, 1)).expect("write");
}

/// Runs `inputs` on a folder holding the previous publication: the run must exit `code`,
/// stderr must name every fragment, and the previous files must be unchanged. Returns
/// stderr.
#[track_caller]
fn refused(inputs: &Path, code: i32, fragments: &[&str]) -> String {
    let out = previously_published();
    let o = run(inputs, out.path());
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(code), "{err}");
    for fragment in fragments {
        assert!(
            err.contains(fragment),
            "stderr should name {fragment:?}:\n{err}"
        );
    }
    assert!(
        err.contains(&format!("exit {code}: ")),
        "stderr should say what exit {code} means:\n{err}"
    );
    assert!(
        published_files(out.path()) == *previous_publication(),
        "the previous publication changed"
    );
    err
}

/// A folder holding one shipped publication (its description and source).
fn shipped_one(stem: &str, extension: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for name in [format!("{stem}.toml"), format!("{stem}.{extension}")] {
        fs::copy(shipped().join(&name), dir.path().join(&name)).expect("copy");
    }
    dir
}

const ANNEX_2023: &str = "2023-annexe-repartition-regionale";
const ANNEX_2021: &str = "2021-annexe-appel-national";

// ---------------------------------------------------------------------------------------
// Text sources.
// ---------------------------------------------------------------------------------------

#[test]
fn an_empty_source_names_it_and_the_key_naming_it() {
    let inputs = quiet();
    fs::write(inputs.path().join("decision.txt"), b"").unwrap();
    refused(
        inputs.path(),
        66,
        &[
            "decision.txt",
            "decision.toml:7 (publication.source)",
            "is empty",
        ],
    );
}

#[test]
fn an_empty_description_names_the_missing_table() {
    let inputs = quiet();
    fs::write(inputs.path().join("decision.toml"), b"").unwrap();
    refused(
        inputs.path(),
        78,
        &["decision.toml:1", "missing field `publication`"],
    );
}

#[test]
fn binary_junk_named_txt_is_no_text() {
    let inputs = quiet();
    let mut state: u32 = 0x2545_f491;
    let junk: Vec<u8> = (0..4096)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state.to_le_bytes()[0]
        })
        .collect();
    fs::write(inputs.path().join("decision.txt"), junk).unwrap();
    refused(inputs.path(), 66, &["decision.txt:", "binary content"]);
}

/// The fixture's text in an 8-bit encoding: every character is Latin-1 but the bullet
/// (Windows-1252 0x95) and the euro sign (0x80).
fn eight_bit(text: &str, windows: bool) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            '•' if windows => 0x95,
            '•' => b'-',
            '€' => 0x80,
            c => u8::try_from(u32::from(c)).expect("a Latin-1 character"),
        })
        .collect()
}

#[test]
fn a_windows_1252_text_is_refused_naming_the_encoding_and_the_line() {
    let inputs = quiet();
    let text = read_text(&inputs.path().join("decision.txt"));
    fs::write(inputs.path().join("decision.txt"), eight_bit(&text, true)).unwrap();
    let err = refused(
        inputs.path(),
        66,
        &[
            "decision.txt:1",
            "Windows-1252",
            "\"Les crédits de 9 800 000 euros",
            "iconv -f WINDOWS-1252 -t UTF-8 decision.txt",
        ],
    );
    assert!(!err.contains("cr�dits"), "{err}");
}

#[test]
fn a_latin_1_text_is_refused_naming_the_encoding_and_the_line() {
    let inputs = quiet();
    let text = read_text(&inputs.path().join("decision.txt"));
    fs::write(inputs.path().join("decision.txt"), eight_bit(&text, false)).unwrap();
    refused(
        inputs.path(),
        66,
        &[
            "decision.txt:1",
            "byte 0xE9 at column 7 is \"é\" in Latin-1 (ISO-8859-1) or Windows-1252",
            "iconv -f LATIN1 -t UTF-8",
        ],
    );
}

#[test]
fn utf_16_without_a_byte_order_mark_is_named() {
    let inputs = quiet();
    let text = read_text(&inputs.path().join("decision.txt"));
    let bytes: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    fs::write(inputs.path().join("decision.txt"), bytes).unwrap();
    refused(
        inputs.path(),
        66,
        &["decision.txt:1", "UTF-16 without a byte-order mark"],
    );
}

#[test]
fn a_nul_byte_names_its_line() {
    let inputs = quiet();
    edit(inputs.path(), "decision.txt", "Corse", "Co\0rse");
    refused(
        inputs.path(),
        66,
        &["decision.txt:19", "a NUL byte at column 5"],
    );
}

#[test]
fn a_ten_megabyte_line_is_refused_at_its_line_in_bounded_time() {
    let inputs = quiet();
    let path = inputs.path().join("decision.txt");
    let mut text = read_text(&path);
    // The figures go on and on, as in a file saved without line breaks.
    text.push_str(&"Bretagne : 1 000 euros, ".repeat(10 * 1024 * 1024 / 24));
    fs::write(&path, text).unwrap();
    refused(
        inputs.path(),
        66,
        &[
            "decision.txt:22",
            "a line of 10485744 characters, more than the 20000",
        ],
    );
}

#[test]
fn unusual_but_unambiguous_texts_read_as_their_plain_twin() {
    let plain = quiet();
    let text = read_text(&plain.path().join("decision.txt"));
    let utf16 = |big_endian: bool| -> Vec<u8> {
        let mark: &[u8] = if big_endian { b"\xFE\xFF" } else { b"\xFF\xFE" };
        let units = text.replace('\n', "\r\n");
        mark.iter()
            .copied()
            .chain(units.encode_utf16().flat_map(move |u| {
                if big_endian {
                    u.to_be_bytes()
                } else {
                    u.to_le_bytes()
                }
            }))
            .collect()
    };
    let variants: [(&str, Vec<u8>); 5] = [
        (
            "UTF-8 byte-order mark",
            [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
        ),
        ("CRLF", text.replace('\n', "\r\n").into_bytes()),
        ("lone CR", text.replace('\n', "\r").into_bytes()),
        ("UTF-16 LE with a mark", utf16(false)),
        ("UTF-16 BE with a mark", utf16(true)),
    ];
    let report = |inputs: &Path| -> serde_json::Value {
        let out = tempfile::tempdir().unwrap();
        let o = run(inputs, out.path());
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let mut report: serde_json::Value =
            serde_json::from_str(&read_text(&out.path().join("report.json"))).unwrap();
        // What differs is the source's hash, and so the fingerprint of the inputs.
        for key in ["input_fingerprint", "publications"] {
            report.as_object_mut().unwrap().remove(key);
        }
        report
    };
    let expected = report(plain.path());
    for (what, bytes) in variants {
        let inputs = quiet();
        fs::write(inputs.path().join("decision.txt"), bytes).unwrap();
        assert!(
            report(inputs.path()) == expected,
            "{what}: other figures or places"
        );
    }
}

#[test]
fn a_negative_amount_in_a_text_names_its_line() {
    let inputs = quiet();
    edit(
        inputs.path(),
        "decision.txt",
        "Corse : 100 000",
        "Corse : -100 000",
    );
    refused(
        inputs.path(),
        65,
        &[
            "decision.txt:19:",
            "\"-100 000 euros\" is a negative amount",
        ],
    );
}

#[test]
fn an_amount_beyond_decimal_18_2_in_a_text_names_its_line() {
    let inputs = quiet();
    edit(
        inputs.path(),
        "decision.txt",
        "Corse : 100 000 euros",
        "Corse : 100 000 000 000 000 000 euros",
    );
    refused(inputs.path(), 65, &["decision.txt:19:", "DECIMAL(18,2)"]);
}

// ---------------------------------------------------------------------------------------
// Descriptions.
// ---------------------------------------------------------------------------------------

#[test]
fn a_typo_in_a_key_names_the_closest_key() {
    let inputs = quiet();
    edit(inputs.path(), "decision.toml", "anchor =", "anchr =");
    refused(
        inputs.path(),
        78,
        &["decision.toml:17", "`anchr`", "did you mean `anchor`?"],
    );
}

#[test]
fn a_typo_in_a_value_names_the_closest_value() {
    let inputs = quiet();
    edit(
        inputs.path(),
        "decision.toml",
        "\"bo-decision\"",
        "\"bo-decisoin\"",
    );
    refused(
        inputs.path(),
        78,
        &["decision.toml:5", "did you mean `bo-decision`?"],
    );
}

#[test]
fn a_latin_1_description_is_refused_naming_the_encoding_and_the_line() {
    let inputs = quiet();
    let text = read_text(&inputs.path().join("decision.toml"));
    fs::write(inputs.path().join("decision.toml"), eight_bit(&text, false)).unwrap();
    refused(
        inputs.path(),
        66,
        &["decision.toml:10", "Latin-1 (ISO-8859-1) or Windows-1252"],
    );
}

#[test]
fn the_same_publication_id_twice_names_both_files() {
    let inputs = quiet();
    fs::copy(
        inputs.path().join("decision.toml"),
        inputs.path().join("other.toml"),
    )
    .unwrap();
    refused(
        inputs.path(),
        78,
        &[
            "other.toml:2",
            "publication.id",
            "'decision' is already used by",
            "decision.toml",
        ],
    );
}

#[test]
fn the_same_envelope_id_twice_in_one_publication_names_its_line() {
    let inputs = quiet();
    let path = inputs.path().join("decision.toml");
    let text = read_text(&path);
    let envelope = &text[text.find("[[envelopes]]").unwrap()..];
    fs::write(&path, format!("{text}\n{envelope}")).unwrap();
    refused(
        inputs.path(),
        78,
        &[
            "decision.toml:2",
            "envelopes.id",
            "'env-regions' is described twice",
        ],
    );
}

#[test]
fn an_absolute_source_path_is_refused_at_its_key() {
    let inputs = quiet();
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.txt");
    fs::copy(inputs.path().join("decision.txt"), &secret).unwrap();
    edit(
        inputs.path(),
        "decision.toml",
        "source = \"decision.txt\"",
        &format!("source = \"{}\"", secret.display()),
    );
    refused(
        inputs.path(),
        78,
        &[
            "decision.toml:7",
            "publication.source",
            "is an absolute path",
        ],
    );
}

#[test]
fn a_source_path_going_up_is_refused_at_its_key() {
    let inputs = quiet();
    edit(
        inputs.path(),
        "decision.toml",
        "source = \"decision.txt\"",
        "source = \"../decision.txt\"",
    );
    refused(
        inputs.path(),
        78,
        &["decision.toml:7", "publication.source", "goes up a folder"],
    );
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_leading_out_of_the_inputs_folder_is_refused() {
    let inputs = quiet();
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.txt");
    fs::rename(inputs.path().join("decision.txt"), &secret).unwrap();
    std::os::unix::fs::symlink(&secret, inputs.path().join("decision.txt")).unwrap();
    refused(
        inputs.path(),
        66,
        &[
            "decision.txt",
            "decision.toml:7 (publication.source)",
            "a symbolic link leading outside the inputs folder",
        ],
    );
    // A description linked from elsewhere is refused too.
    let inputs = quiet();
    let elsewhere = outside.path().join("elsewhere.toml");
    fs::rename(inputs.path().join("decision.toml"), &elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, inputs.path().join("decision.toml")).unwrap();
    refused(
        inputs.path(),
        66,
        &["decision.toml", "a symbolic link leading outside"],
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_named_as_source_is_refused_instead_of_hanging() {
    let inputs = quiet();
    let source = inputs.path().join("decision.txt");
    fs::remove_file(&source).unwrap();
    let made = Command::new("mkfifo").arg(&source).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo is not available");
        return;
    }
    refused(
        inputs.path(),
        66,
        &["decision.txt", "decision.toml:7", "not a regular file"],
    );
}

#[test]
fn a_missing_source_names_it_and_its_key() {
    let inputs = quiet();
    fs::remove_file(inputs.path().join("decision.txt")).unwrap();
    refused(
        inputs.path(),
        66,
        &["decision.txt", "decision.toml:7 (publication.source)"],
    );
}

// ---------------------------------------------------------------------------------------
// Spreadsheets: the container.
// ---------------------------------------------------------------------------------------

/// Every entry of a zip, inflated, in order.
fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
    (0..archive.len())
        .map(|i| {
            let mut entry = archive.by_index(i).expect("an entry");
            let mut content = Vec::new();
            entry.read_to_end(&mut content).expect("inflates");
            (entry.name().expect("a name").into_owned(), content)
        })
        .collect()
}

fn zip_of(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, content) in entries {
        let method = if name == "mimetype" {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        writer
            .start_file(
                name.as_str(),
                SimpleFileOptions::default().compression_method(method),
            )
            .expect("entry");
        writer.write_all(content).expect("write");
    }
    writer.finish().expect("zip").into_inner()
}

/// The workbook with `entry` edited as text.
fn rewrite(bytes: &[u8], entry: &str, edit: impl Fn(&str) -> String) -> Vec<u8> {
    let mut entries = unzip(bytes);
    let found = entries
        .iter_mut()
        .find(|(name, _)| name == entry)
        .unwrap_or_else(|| panic!("no {entry}"));
    found.1 = edit(&String::from_utf8(found.1.clone()).expect("XML")).into_bytes();
    zip_of(&entries)
}

fn with_workbook(stem: &str, extension: &str, bytes: Vec<u8>) -> tempfile::TempDir {
    let inputs = shipped_one(stem, extension);
    fs::write(inputs.path().join(format!("{stem}.{extension}")), bytes).unwrap();
    inputs
}

fn shipped_bytes(name: &str) -> Vec<u8> {
    fs::read(shipped().join(name)).expect("shipped workbook")
}

#[test]
fn a_truncated_xlsx_says_it_is_cut_short() {
    let bytes = shipped_bytes("2023-annexe-repartition-regionale.xlsx");
    let inputs = with_workbook(ANNEX_2023, "xlsx", bytes[..bytes.len() * 6 / 10].to_vec());
    refused(
        inputs.path(),
        65,
        &[
            "2023-annexe-repartition-regionale.xlsx",
            "damaged or cut short",
            "2023-annexe-repartition-regionale.toml:11, publication.source",
        ],
    );
}

#[test]
fn a_corrupt_xlsx_says_it_is_damaged() {
    let mut bytes = shipped_bytes("2023-annexe-repartition-regionale.xlsx");
    let middle = bytes.len() * 4 / 10;
    for byte in &mut bytes[middle..middle + 16] {
        *byte ^= 0x5A;
    }
    let inputs = with_workbook(ANNEX_2023, "xlsx", bytes);
    refused(
        inputs.path(),
        65,
        &["2023-annexe-repartition-regionale.xlsx", "damaged"],
    );
}

#[test]
fn a_password_protected_xlsx_says_so() {
    let bytes = fs::read(fixture("bad_inputs/password-protected.xlsx")).unwrap();
    let inputs = with_workbook(ANNEX_2023, "xlsx", bytes);
    refused(
        inputs.path(),
        65,
        &[
            "2023-annexe-repartition-regionale.xlsx",
            "password-protected",
            "publication.source",
        ],
    );
}

#[test]
fn a_truncated_ods_says_it_is_cut_short() {
    let bytes = shipped_bytes("2021-annexe-appel-national.ods");
    let inputs = with_workbook(ANNEX_2021, "ods", bytes[..bytes.len() / 2].to_vec());
    refused(
        inputs.path(),
        65,
        &["2021-annexe-appel-national.ods", "damaged or cut short"],
    );
}

#[test]
fn a_corrupt_ods_says_it_is_damaged() {
    let mut bytes = shipped_bytes("2021-annexe-appel-national.ods");
    let middle = bytes.len() / 2;
    for byte in &mut bytes[middle..middle + 16] {
        *byte ^= 0x5A;
    }
    let inputs = with_workbook(ANNEX_2021, "ods", bytes);
    refused(
        inputs.path(),
        65,
        &["2021-annexe-appel-national.ods", "damaged"],
    );
}

/// An ods saved with a password: its manifest lists how each part is encrypted, and the
/// parts are ciphertext, as LibreOffice writes them.
#[test]
fn a_password_protected_ods_says_so() {
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:version="1.2" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml" manifest:size="4242">
  <manifest:encryption-data manifest:checksum-type="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0#sha256-1k" manifest:checksum="x">
   <manifest:algorithm manifest:algorithm-name="http://www.w3.org/2001/04/xmlenc#aes256-cbc" manifest:initialisation-vector="x"/>
   <manifest:key-derivation manifest:key-derivation-name="PBKDF2" manifest:key-size="32" manifest:iteration-count="100000" manifest:salt="x"/>
  </manifest:encryption-data>
 </manifest:file-entry>
</manifest:manifest>"#;
    let ciphertext: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let bytes = zip_of(&[
        (
            "mimetype".to_string(),
            b"application/vnd.oasis.opendocument.spreadsheet".to_vec(),
        ),
        (
            "META-INF/manifest.xml".to_string(),
            manifest.as_bytes().to_vec(),
        ),
        ("content.xml".to_string(), ciphertext),
    ]);
    let inputs = with_workbook(ANNEX_2021, "ods", bytes);
    refused(
        inputs.path(),
        65,
        &["2021-annexe-appel-national.ods", "password-protected"],
    );
}

/// A deflate stream that inflates to `blocks` × 1 548 + 1 bytes of "a", 140 times
/// smaller: a stored block holding "a", then identical byte-aligned fixed-Huffman blocks
/// of six copies of 258 bytes at distance 1 (3 + 6 × 13 + 7 = 88 bits), then an empty
/// final stored block.
fn deflate_bomb(blocks: usize) -> Vec<u8> {
    let mut bits: Vec<bool> = Vec::new();
    // BFINAL 0, BTYPE 01 (fixed Huffman), fields least significant bit first.
    bits.extend([false, true, false]);
    let mut code = |value: u32, length: u32| {
        // Huffman codes go most significant bit first.
        for i in (0..length).rev() {
            bits.push((value >> i) & 1 == 1);
        }
    };
    for _ in 0..6 {
        code(0b1100_0101, 8); // length symbol 285: 258 bytes
        code(0, 5); // distance code 0: distance 1
    }
    code(0, 7); // end of block
    assert_eq!(bits.len(), 88);
    let block: Vec<u8> = bits
        .chunks(8)
        .map(|byte| {
            byte.iter()
                .enumerate()
                .fold(0u8, |acc, (i, &bit)| acc | (u8::from(bit) << i))
        })
        .collect();
    let mut stream = vec![0x00, 0x01, 0x00, 0xFE, 0xFF, b'a'];
    stream.reserve(block.len() * blocks + 5);
    for _ in 0..blocks {
        stream.extend_from_slice(&block);
    }
    stream.extend_from_slice(&[0x01, 0x00, 0x00, 0xFF, 0xFF]);
    stream
}

/// A zip written by hand, so that one entry can hold a deflate stream made above; the
/// others are stored. Entries: (name, method, uncompressed size, data as stored).
fn zip_by_hand(entries: &[(&str, u16, u32, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for &(name, method, size, data) in entries {
        let offset = u32::try_from(out.len()).expect("small zip");
        let crc = if method == 0 { crc32(data) } else { 0 };
        let compressed = u32::try_from(data.len()).expect("small entry");
        let name_len = u16::try_from(name.len()).expect("short name");
        let mut common = Vec::new();
        common.extend_from_slice(&20u16.to_le_bytes()); // version needed
        common.extend_from_slice(&0u16.to_le_bytes()); // flags
        common.extend_from_slice(&method.to_le_bytes());
        common.extend_from_slice(&[0, 0, 0x21, 0]); // time, date (1980-01-01)
        common.extend_from_slice(&crc.to_le_bytes());
        common.extend_from_slice(&compressed.to_le_bytes());
        common.extend_from_slice(&size.to_le_bytes());
        common.extend_from_slice(&name_len.to_le_bytes());
        common.extend_from_slice(&0u16.to_le_bytes()); // extra length
        out.extend_from_slice(b"PK\x03\x04");
        out.extend_from_slice(&common);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        central.extend_from_slice(b"PK\x01\x02");
        central.extend_from_slice(&20u16.to_le_bytes()); // version made by
        central.extend_from_slice(&common);
        central.extend_from_slice(&[0; 6]); // comment length, disk, internal attributes
        central.extend_from_slice(&0u32.to_le_bytes()); // external attributes
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let count = u16::try_from(entries.len()).expect("few entries");
    let directory_offset = u32::try_from(out.len()).expect("small zip");
    let directory_len = u32::try_from(central.len()).expect("small directory");
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06");
    out.extend_from_slice(&[0; 4]); // disk numbers
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&directory_len.to_le_bytes());
    out.extend_from_slice(&directory_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes()); // comment length
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn a_sheet_inflating_to_gigabytes_is_refused_in_bounded_time() {
    // 1 400 000 blocks: 2.17 GB inflated, 15 MB on disk.
    let blocks = 1_400_000;
    let inflated = u32::try_from(blocks * 1548 + 1).expect("under 4 GiB");
    let bomb = deflate_bomb(blocks);
    let shipped = unzip(&shipped_bytes("2023-annexe-repartition-regionale.xlsx"));
    let entries: Vec<(&str, u16, u32, &[u8])> = shipped
        .iter()
        .map(|(name, content)| {
            if name == "xl/worksheets/sheet1.xml" {
                (name.as_str(), 8, inflated, bomb.as_slice())
            } else {
                let size = u32::try_from(content.len()).expect("small part");
                (name.as_str(), 0, size, content.as_slice())
            }
        })
        .collect();
    assert!(
        entries.iter().any(|e| e.1 == 8),
        "no sheet1.xml in the annex"
    );
    let inputs = with_workbook(ANNEX_2023, "xlsx", zip_by_hand(&entries));
    refused(
        inputs.path(),
        65,
        &[
            "2023-annexe-repartition-regionale.xlsx",
            "inflates to more than 1024 MiB (entry xl/worksheets/sheet1.xml)",
        ],
    );
}

/// An xlsx sheet is read as a stream of rows, never as the rectangle from its first to its
/// last cell: a stray cell at XFD1048576 costs one row, and the table above it is read as
/// if it were not there. (xlsb and ods, read whole by calamine, are refused instead: see
/// the next test.)
#[test]
fn an_xlsx_sheet_spanning_a1_to_xfd1048576_is_read_without_its_rectangle() {
    let bytes = rewrite(
        &shipped_bytes("2023-annexe-repartition-regionale.xlsx"),
        "xl/worksheets/sheet1.xml",
        |xml| {
            xml.replace(
                "</sheetData>",
                "<row r=\"1048576\"><c r=\"XFD1048576\"><v>1</v></c></row></sheetData>",
            )
        },
    );
    let inputs = with_workbook(ANNEX_2023, "xlsx", bytes);
    let out = tempfile::tempdir().expect("out");
    let output = run(inputs.path(), out.path());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let allocations = parquet(&out.path().join("allocations.parquet"));
    use parquet::file::reader::FileReader as _;
    // The 18 regions of the annex, and nothing of the stray cell.
    assert_eq!(allocations.metadata().file_metadata().num_rows(), 18);
}

#[test]
fn an_ods_row_repeated_a_million_times_is_refused_before_it_is_read() {
    let bytes = rewrite(
        &shipped_bytes("2021-annexe-appel-national.ods"),
        "content.xml",
        |xml| {
            let at = xml.find("</table:table>").expect("a sheet");
            format!(
                "{}<table:table-row table:number-rows-repeated=\"1048000\"><table:table-cell table:number-columns-repeated=\"16384\" office:value-type=\"float\" office:value=\"1\"/></table:table-row>{}",
                &xml[..at],
                &xml[at..]
            )
        },
    );
    let inputs = with_workbook(ANNEX_2021, "ods", bytes);
    refused(
        inputs.path(),
        65,
        &[
            "2021-annexe-appel-national.ods",
            "sheet 'Annexe' spans A1:XFD",
        ],
    );
}

// ---------------------------------------------------------------------------------------
// Spreadsheets: the amount cells. A table of the 18 regions; B3 (Martinique) is the bad cell.
// ---------------------------------------------------------------------------------------

const PLACEHOLDER: f64 = 123_456_789.0;

/// The table with B3 written by `b3` (by default the placeholder number, which `edit` may
/// replace in the sheet's XML).
fn annex(
    b3: impl FnOnce(&mut rust_xlsxwriter::Worksheet) -> Result<(), rust_xlsxwriter::XlsxError>,
    edit: impl Fn(&str) -> String,
) -> tempfile::TempDir {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Annexe").unwrap();
    sheet.write_string(0, 0, "Région").unwrap();
    sheet.write_string(0, 1, "Montant (en €)").unwrap();
    for (row, region) in (1u32..).zip(esms_ledger::core::region::RegionCode::ALL) {
        sheet.write_string(row, 0, region.name()).unwrap();
        sheet.write_number(row, 1, 100_000.0).unwrap();
    }
    sheet.write_number(2, 1, PLACEHOLDER).unwrap();
    b3(sheet).unwrap();
    let bytes = workbook.save_to_buffer().unwrap();
    let bytes = rewrite(&bytes, "xl/worksheets/sheet1.xml", edit);
    let inputs = tempfile::tempdir().unwrap();
    fs::write(inputs.path().join("annexe.xlsx"), bytes).unwrap();
    fs::write(
        inputs.path().join("annexe.toml"),
        "[publication]\nid = \"annexe\"\ntitle = \"Annexe\"\nissuer = \"CNSA\"\nkind = \"annex-table\"\npublished_on = 2023-02-15\nsource = \"annexe.xlsx\"\n\n[[envelopes]]\nid = \"e\"\nprogramme = \"ESMS numérique\"\nexercise = 2023\nphase = \"généralisation\"\nchannel = \"ARS\"\nbreakdown = \"region\"\nanchor = \"Annexe\"\n",
    )
    .unwrap();
    inputs
}

/// B3 holding `value` as the cell XML `<c r="B3" t="…"><v>value</v></c>`.
fn b3_as(kind: Option<&'static str>, value: &'static str) -> tempfile::TempDir {
    annex(
        |_| Ok(()),
        move |xml| {
            let start = xml.find("<c r=\"B3\"").expect("B3");
            let end = start + xml[start..].find("</c>").expect("B3's end") + 4;
            let kind = kind.map_or_else(String::new, |k| format!(" t=\"{k}\""));
            format!(
                "{}<c r=\"B3\"{kind}><v>{value}</v></c>{}",
                &xml[..start],
                &xml[end..]
            )
        },
    )
}

fn unchanged(xml: &str) -> String {
    xml.to_string()
}

#[test]
fn the_cell_table_reads_when_nothing_is_wrong() {
    let inputs = annex(|s| s.write_number(2, 1, 100_000.0).map(|_| ()), unchanged);
    let out = tempfile::tempdir().unwrap();
    let o = run(inputs.path(), out.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn a_formula_without_a_cached_value_names_its_cell() {
    let inputs = annex(
        |s| {
            s.set_formula_result_default("");
            s.write_formula(2, 1, "=B2*2").map(|_| ())
        },
        unchanged,
    );
    refused(
        inputs.path(),
        65,
        &[
            "annexe.xlsx[Annexe!B3]",
            "formula without a cached value (=B2*2)",
        ],
    );
}

#[test]
fn a_date_in_an_amount_cell_names_its_cell() {
    let inputs = annex(
        |s| {
            let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2023, 2, 15)?;
            let format = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
            s.write_datetime_with_format(2, 1, &date, &format)
                .map(|_| ())
        },
        unchanged,
    );
    refused(
        inputs.path(),
        65,
        &["annexe.xlsx[Annexe!B3]", "a date, a duration or a boolean"],
    );
}

#[test]
fn a_boolean_in_an_amount_cell_names_its_cell() {
    let inputs = annex(|s| s.write_boolean(2, 1, true).map(|_| ()), unchanged);
    refused(
        inputs.path(),
        65,
        &["annexe.xlsx[Annexe!B3]", "a date, a duration or a boolean"],
    );
}

#[test]
fn a_ref_error_in_an_amount_cell_names_its_cell() {
    refused(
        b3_as(Some("e"), "#REF!").path(),
        65,
        &["annexe.xlsx[Annexe!B3]", "error value #REF!"],
    );
}

#[test]
fn an_na_error_in_an_amount_cell_names_its_cell() {
    refused(
        b3_as(Some("e"), "#N/A").path(),
        65,
        &["annexe.xlsx[Annexe!B3]", "error value #N/A"],
    );
}

#[test]
fn a_nan_in_an_amount_cell_names_its_cell() {
    refused(
        b3_as(None, "NaN").path(),
        65,
        &["annexe.xlsx[Annexe!B3]", "NaN is not a money amount"],
    );
}

#[test]
fn an_infinity_in_an_amount_cell_names_its_cell() {
    refused(
        b3_as(None, "inf").path(),
        65,
        &["annexe.xlsx[Annexe!B3]", "inf is not a money amount"],
    );
    refused(
        b3_as(Some("str"), "#N/A").path(),
        65,
        &["annexe.xlsx[Annexe!B3]", "cannot read the amount"],
    );
}

#[test]
fn a_negative_amount_cell_names_its_cell() {
    let inputs = annex(|s| s.write_number(2, 1, -100_000.0).map(|_| ()), unchanged);
    refused(
        inputs.path(),
        65,
        &["annexe.xlsx[Annexe!B3]", "\"-100000\" is a negative amount"],
    );
}

#[test]
fn an_amount_cell_beyond_decimal_18_2_names_its_cell() {
    let inputs = annex(|s| s.write_number(2, 1, 1e17).map(|_| ()), unchanged);
    refused(
        inputs.path(),
        65,
        &["annexe.xlsx[Annexe!B3]", "DECIMAL(18,2)"],
    );
}

// ---------------------------------------------------------------------------------------
// Nothing from a source runs: the HTML report shows it as text.
// ---------------------------------------------------------------------------------------

#[test]
fn html_in_a_description_is_shown_as_text_in_report_html() {
    let inputs = quiet();
    edit(
        inputs.path(),
        "decision.toml",
        "title = \"Cas de test decision\"",
        r#"title = "<script>alert(1)</script> \"><img src=x onerror=alert(1)> [lien](javascript:alert(1)) <javascript:alert(2)> ![i](http://example.invalid/i.png)""#,
    );
    edit(
        inputs.path(),
        "decision.toml",
        "issuer = \"CNSA\"",
        "issuer = \"<iframe src=//example.invalid>\"",
    );
    let out = tempfile::tempdir().unwrap();
    let o = run(inputs.path(), out.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let html = read_text(&out.path().join("report.html"));
    let body = &html[html.find("<body>").unwrap()..];
    // The page has links and a script of its own; none of them comes from the sources:
    // every injected tag, handler and URL is shown as text.
    for injected in [
        "<script>alert",
        "<img src=x",
        "<iframe src=//example",
        "href=\"javascript:",
        "src=\"http://example.invalid",
    ] {
        assert!(!body.contains(injected), "{injected} rendered");
    }
    assert!(body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(body.contains("&lt;iframe src=//example.invalid&gt;"));
    assert!(body.contains("&lt;img src=x onerror=alert(1)&gt;"));
}

// ---------------------------------------------------------------------------------------
// A refused run: what stderr says, what rejected/ holds.
// ---------------------------------------------------------------------------------------

const TABLES: [&str; 6] = [
    "allocations.parquet",
    "diff.parquet",
    "envelopes.parquet",
    "findings.parquet",
    "publications.parquet",
    "regions.parquet",
];
const REPORTS: [&str; 3] = ["report.json", "report.md", "report.html"];

/// The five fingerprints and rules of the shipped acknowledgements.
fn shipped_acknowledgements() -> Vec<(String, String)> {
    let text = read_text(&shipped().join("acknowledged.toml"));
    let file: toml::Value = toml::from_str(&text).unwrap();
    file["acknowledged"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["fingerprint"].as_str().unwrap().to_string(),
                a["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A Parquet file of rejected/, opened as a BI tool would.
fn parquet(path: &Path) -> parquet::file::reader::SerializedFileReader<fs::File> {
    let file = fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    parquet::file::reader::SerializedFileReader::new(file)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn input_fingerprint_of(path: &Path) -> String {
    use parquet::file::reader::FileReader;
    parquet(path)
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .and_then(|kv| kv.iter().find(|kv| kv.key == "esms.input_fingerprint"))
        .and_then(|kv| kv.value.clone())
        .unwrap_or_else(|| panic!("{}: no input fingerprint", path.display()))
}

/// The files of rejected/, checked to be one run's whole candidate set: the five tables and
/// three reports, every table stamped with the report's input fingerprint.
fn rejected_set(out: &Path) -> String {
    let dir = out.join("rejected");
    let mut names: Vec<String> = fs::read_dir(&dir)
        .expect("rejected/")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut expected: Vec<String> = TABLES
        .iter()
        .chain(&REPORTS)
        .map(ToString::to_string)
        .collect();
    expected.sort();
    assert_eq!(names, expected);
    let report: serde_json::Value =
        serde_json::from_str(&read_text(&dir.join("report.json"))).unwrap();
    assert_eq!(report["status"], "rejected");
    let fingerprint = report["input_fingerprint"].as_str().unwrap().to_string();
    for table in TABLES {
        assert_eq!(
            input_fingerprint_of(&dir.join(table)),
            fingerprint,
            "{table} is not of the run of report.json"
        );
    }
    fingerprint
}

#[test]
fn a_refused_run_of_the_shipped_inputs_lists_its_findings_and_keeps_its_candidate_set() {
    let out = tempfile::tempdir().unwrap();
    let published = run(&shipped(), out.path());
    assert_eq!(published.status.code(), Some(0), "{}", stderr(&published));
    let before = published_files(out.path());

    let inputs = inputs_copy();
    fs::remove_file(inputs.path().join("acknowledged.toml")).unwrap();
    let o = run(inputs.path(), out.path());
    assert_eq!(o.status.code(), Some(65), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("4 unacknowledged error finding(s)"), "{err}");
    let listed: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("  error ") || l.contains("  warning "))
        .collect();
    assert_eq!(listed.len(), 5, "{err}");
    for (fingerprint, rule) in shipped_acknowledgements() {
        let line = listed
            .iter()
            .find(|l| l.contains(&format!("(fingerprint {fingerprint})")))
            .unwrap_or_else(|| panic!("{fingerprint} not listed:\n{err}"));
        assert!(line.contains(&format!(" {rule} at ")), "{line}");
        // A place: file:line:span of a text, or file[sheet!cell].
        assert!(
            line.contains(".txt:") || line.contains(".ods[") || line.contains(".xlsx["),
            "{line}"
        );
    }
    assert!(err.contains("exit 65: "), "{err}");
    assert!(
        err.contains(&out.path().join("rejected").display().to_string()),
        "{err}"
    );
    assert!(
        published_files(out.path()) == before,
        "the published set changed"
    );
    rejected_set(out.path());
    assert!(staging_folders(out.path()).is_empty());
    // findings.parquet holds what refused the run, as an analyst would query it.
    let unacknowledged = {
        use parquet::file::reader::FileReader;
        parquet(&out.path().join("rejected/findings.parquet"))
            .get_row_iter(None)
            .unwrap()
            .map(|row| row.unwrap())
            .filter(|row| {
                let field = |wanted: &str| {
                    row.get_column_iter()
                        .find(|(name, _)| name.as_str() == wanted)
                        .map(|(_, value)| value.clone())
                };
                use parquet::record::Field;
                field("acknowledged") == Some(Field::Bool(false))
                    && field("severity") != Some(Field::Str("info".to_string()))
            })
            .count()
    };
    assert_eq!(unacknowledged, 5);

    // The same as structured fields.
    let o = run_with(inputs.path(), out.path(), &["--log-format", "json"], None);
    assert_eq!(o.status.code(), Some(65));
    let events: Vec<serde_json::Value> = stderr(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let findings: Vec<&serde_json::Value> = events
        .iter()
        .map(|e| &e["fields"])
        .filter(|f| f["message"] == "unacknowledged finding")
        .collect();
    assert_eq!(findings.len(), 5);
    for (fingerprint, rule) in shipped_acknowledgements() {
        let finding = findings
            .iter()
            .find(|f| f["fingerprint"] == fingerprint.as_str())
            .unwrap_or_else(|| panic!("{fingerprint} not in the JSON logs"));
        assert_eq!(finding["rule"], rule.as_str());
        assert!(!finding["location"].as_str().unwrap().is_empty());
        assert!(finding["severity"] == "error" || finding["severity"] == "warning");
    }
    let last = &events.last().unwrap()["fields"];
    assert_eq!(last["exit_code"], 65);
    assert_eq!(
        last["report"],
        out.path().join("rejected").display().to_string().as_str()
    );
    assert!(
        last["meaning"]
            .as_str()
            .unwrap()
            .contains("nothing was published")
    );

    // Accepted again: rejected/ no longer describes anything and goes.
    let o = run(&shipped(), out.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!out.path().join("rejected").exists());
}

#[test]
fn more_than_twenty_findings_are_listed_twenty_then_counted() {
    let inputs = quiet();
    let bullets: String = (1..=25)
        .map(|n| format!("• Zone inconnue {n} : 100 000 euros\n"))
        .collect();
    fs::write(
        inputs.path().join("decision.txt"),
        format!("Les crédits de 9 800 000 euros sont répartis comme suit :\n{bullets}\nFin de la décision.\n"),
    )
    .unwrap();
    let err = refused(inputs.path(), 65, &["region.unknown", "decision.txt:2:"]);
    let listed = err
        .lines()
        .filter(|l| l.contains("  error ") || l.contains("  warning "))
        .count();
    assert_eq!(listed, 20, "{err}");
    assert!(err.contains(" more (report.md lists them all)"), "{err}");
}

#[test]
fn a_rejected_set_is_replaced_as_a_whole() {
    let out = previously_published();
    let first = quiet();
    edit(
        first.path(),
        "decision.txt",
        "Corse : 100 000",
        "Corse : 200 000",
    );
    assert_eq!(run(first.path(), out.path()).status.code(), Some(65));
    let first_fingerprint = rejected_set(out.path());
    let second = quiet();
    edit(
        second.path(),
        "decision.txt",
        "Corse : 100 000",
        "Corse : 300 000",
    );
    assert_eq!(run(second.path(), out.path()).status.code(), Some(65));
    let second_fingerprint = rejected_set(out.path());
    assert_ne!(first_fingerprint, second_fingerprint);
    assert!(published_files(out.path()) == *previous_publication());
    assert!(staging_folders(out.path()).is_empty());
}

// ---------------------------------------------------------------------------------------
// Publication going wrong.
// ---------------------------------------------------------------------------------------

/// Another accepted publication than the previous one (another title).
fn next_inputs() -> tempfile::TempDir {
    let inputs = quiet();
    edit(
        inputs.path(),
        "decision.toml",
        "title = \"Cas de test decision\"",
        "title = \"Cas de test, deuxième version\"",
    );
    inputs
}

/// Whether the manifest of `out` describes every file beside it, hash for hash.
fn complete_set(out: &Path) -> bool {
    let manifest: serde_json::Value =
        serde_json::from_str(&read_text(&out.join("_manifest.json"))).unwrap();
    let outputs = manifest["outputs"].as_array().unwrap();
    outputs.len() == 9
        && outputs.iter().all(|o| {
            let bytes = fs::read(out.join(o["name"].as_str().unwrap())).unwrap();
            esms_ledger::core::sha256_hex(&bytes) == o["sha256"].as_str().unwrap()
        })
}

/// The failure seam of publication is compiled in debug builds only.
fn seam_available() -> bool {
    if !cfg!(debug_assertions) {
        eprintln!("skipped: the publication failure seam exists in debug builds only");
    }
    cfg!(debug_assertions)
}

#[test]
fn an_unwritable_output_folder_exits_73() {
    let inputs = quiet();
    let root = tempfile::tempdir().unwrap();
    let file = root.path().join("a-file");
    fs::write(&file, b"not a folder").unwrap();
    let out: PathBuf = file.join("outputs");
    let o = run(inputs.path(), &out);
    assert_eq!(o.status.code(), Some(73), "{}", stderr(&o));
    assert!(stderr(&o).contains("a-file/outputs"), "{}", stderr(&o));
    assert!(stderr(&o).contains("exit 73: "), "{}", stderr(&o));

    // A folder without write permission, where permissions apply (not to root).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let out = previously_published();
        fs::set_permissions(out.path(), fs::Permissions::from_mode(0o555)).unwrap();
        let probe = out.path().join("probe");
        if fs::write(&probe, b"").is_ok() {
            let _ = fs::remove_file(&probe);
            eprintln!("permissions do not apply to this user: the read-only case is skipped");
        } else {
            let inputs = next_inputs();
            let o = run(inputs.path(), out.path());
            assert_eq!(o.status.code(), Some(73), "{}", stderr(&o));
            assert!(published_files(out.path()) == *previous_publication());
        }
        fs::set_permissions(out.path(), fs::Permissions::from_mode(0o755)).unwrap();
    }
}

/// A run of the next inputs over the previous publication, the disk full at `point`: exit
/// 73 saying so, the previous set kept, no staging folder left. Its stderr.
fn full_disk_at(point: &str) -> String {
    let out = previously_published();
    let inputs = next_inputs();
    let o = run_with(inputs.path(), out.path(), &[], Some(point));
    assert_eq!(o.status.code(), Some(73), "{point}: {}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("No space left on device"), "{point}: {err}");
    assert!(err.contains("exit 73: "), "{point}: {err}");
    assert!(
        published_files(out.path()) == *previous_publication(),
        "{point}"
    );
    assert!(staging_folders(out.path()).is_empty(), "{point}");
    err
}

#[test]
fn a_full_disk_during_publication_keeps_the_previous_set() {
    if !seam_available() {
        return;
    }
    full_disk_at("enospc@stage:findings.parquet");
    // Half-way through allocations.parquet, written row group by row group: an output
    // error naming the file, not an internal one.
    let err = full_disk_at("enospc@write:allocations.parquet");
    assert!(
        err.contains(".staged: cannot write outputs: allocations.parquet: "),
        "the staged file and its name: {err}"
    );
    let out = previously_published();

    // The same while a rejected set replaces an earlier one: the earlier stays whole.
    let refused_inputs = quiet();
    edit(
        refused_inputs.path(),
        "decision.txt",
        "Corse : 100 000",
        "Corse : 200 000",
    );
    assert_eq!(
        run(refused_inputs.path(), out.path()).status.code(),
        Some(65)
    );
    let earlier = rejected_set(out.path());
    edit(
        refused_inputs.path(),
        "decision.txt",
        "Corse : 200 000",
        "Corse : 300 000",
    );
    let o = run_with(
        refused_inputs.path(),
        out.path(),
        &[],
        Some("enospc@stage:report.md"),
    );
    assert_eq!(o.status.code(), Some(73), "{}", stderr(&o));
    assert_eq!(rejected_set(out.path()), earlier);
    assert!(published_files(out.path()) == *previous_publication());
}

/// Killed at `point`: the folder still holds a complete set, the old one (`old`) or the new
/// one; the next run cleans the staging folder and leaves a complete set of the new inputs.
fn killed_at(point: &str, completed_by_next_run: bool) {
    let out = previously_published();
    let inputs = next_inputs();
    let o = run_with(inputs.path(), out.path(), &[], Some(point));
    assert_eq!(o.status.code(), None, "{point}: not killed: {}", stderr(&o));
    let files = published_files(out.path());
    assert_eq!(files.len(), 10, "{point}: {:?}", files.keys());
    assert!(!staging_folders(out.path()).is_empty(), "{point}");
    if !completed_by_next_run {
        assert!(
            files == *previous_publication(),
            "{point}: the published set changed"
        );
    }
    // The next run, even one refused for its inputs, first completes or removes what the
    // killed run left.
    let broken = quiet();
    fs::write(broken.path().join("decision.toml"), b"").unwrap();
    let o = run(broken.path(), out.path());
    assert_eq!(o.status.code(), Some(78), "{point}: {}", stderr(&o));
    assert!(staging_folders(out.path()).is_empty(), "{point}");
    assert!(complete_set(out.path()), "{point}: a mix of two runs");
    let completed = published_files(out.path()) != *previous_publication();
    assert_eq!(completed, completed_by_next_run, "{point}");
    // And a run of the new inputs publishes them.
    let o = run(inputs.path(), out.path());
    assert_eq!(o.status.code(), Some(0), "{point}: {}", stderr(&o));
    assert!(complete_set(out.path()));
}

#[test]
fn killed_while_staging_the_previous_set_stays() {
    if !seam_available() {
        return;
    }
    killed_at("abort@stage:envelopes.parquet", false);
    killed_at("abort@stage:_manifest.json", false);
}

#[test]
fn killed_while_renaming_the_next_run_completes_the_set() {
    if !seam_available() {
        return;
    }
    killed_at("abort@rename:allocations.parquet", true);
    killed_at("abort@rename:findings.parquet", true);
    killed_at("abort@rename:_manifest.json", true);
}

#[test]
fn killed_while_swapping_the_rejected_set_the_published_set_stays() {
    if !seam_available() {
        return;
    }
    let out = previously_published();
    let inputs = quiet();
    edit(
        inputs.path(),
        "decision.txt",
        "Corse : 100 000",
        "Corse : 200 000",
    );
    assert_eq!(run(inputs.path(), out.path()).status.code(), Some(65));
    edit(
        inputs.path(),
        "decision.txt",
        "Corse : 200 000",
        "Corse : 300 000",
    );
    let o = run_with(inputs.path(), out.path(), &[], Some("abort@swap:rejected"));
    assert_eq!(o.status.code(), None, "not killed: {}", stderr(&o));
    assert!(published_files(out.path()) == *previous_publication());
    // rejected/ is gone for now (never a mix); the next refused run puts a whole set back.
    assert!(!out.path().join("rejected").exists());
    assert_eq!(run(inputs.path(), out.path()).status.code(), Some(65));
    rejected_set(out.path());
    assert!(staging_folders(out.path()).is_empty());
    assert!(published_files(out.path()) == *previous_publication());
}

#[test]
fn two_runs_at_once_the_second_exits_75() {
    let out = previously_published();
    let lock = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(out.path().join(".esms-ledger.lock"))
        .unwrap();
    lock.try_lock().expect("take the lock");
    let o = run(next_inputs().path(), out.path());
    assert_eq!(o.status.code(), Some(75), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains(".esms-ledger.lock"), "{err}");
    assert!(err.contains("exit 75: "), "{err}");
    assert!(published_files(out.path()) == *previous_publication());
    drop(lock);
}
