//! Files built to hurt a parser: loops, recursion, fan-out, absurd coordinates. Each must
//! give an error (or sane text) quickly, never a crash.

use crate::pdfgen;

use pdf_layout::{Limits, PdfError, read};
use pdfgen::{HELVETICA, raw_pdf, stream_object};

const CATALOG: &str = "<< /Type /Catalog /Pages 2 0 R >>";
const PAGES: &str = "<< /Type /Pages /Kids [3 0 R] /Count 1 >>";

/// Catalog, page tree and one page drawing `content`, with font 5 and `xobjects`.
fn one_page(content: &str, xobjects: &str, more: &[String]) -> Vec<u8> {
    let mut objects = vec![
        CATALOG.to_string(),
        PAGES.to_string(),
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> /XObject << {xobjects} >> >> /Contents 4 0 R >>"
        ),
        stream_object("", content),
        HELVETICA.to_string(),
    ];
    objects.extend_from_slice(more);
    raw_pdf(&objects)
}

fn damaged(bytes: &[u8], needle: &str) {
    match read(bytes, Limits::default()) {
        Err(PdfError::Damaged(m)) if m.contains(needle) => {}
        other => panic!("expected Damaged(…{needle}…), got {other:?}"),
    }
}

#[test]
fn form_that_draws_itself_is_refused() {
    // Form 6 has no resources of its own, so it inherits the page's, where /X1 is itself.
    let form = stream_object("/Type /XObject /Subtype /Form /BBox [0 0 10 10]", "/X1 Do");
    damaged(&one_page("/X1 Do", "/X1 6 0 R", &[form]), "draws itself");
}

#[test]
fn page_tree_parent_loop_is_refused() {
    let objects = [
        CATALOG.to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 /Parent 4 0 R >>".to_string(),
        // No /Resources or /MediaBox: a reader must climb the /Parent chain to find them.
        "<< /Type /Page /Parent 2 0 R /Contents 5 0 R >>".to_string(),
        "<< /Type /Pages /Kids [] /Count 0 /Parent 2 0 R >>".to_string(),
        stream_object("", "BT /F1 10 Tf 50 800 Td (Bonjour) Tj ET"),
    ];
    damaged(&raw_pdf(&objects), "loops back");
}

#[test]
fn deeply_nested_forms_are_refused() {
    let mut forms = Vec::new();
    for level in 0..100 {
        let id = 6 + level;
        forms.push(stream_object(
            &format!(
                "/Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources << /XObject << /N {} 0 R >> >>",
                id + 1
            ),
            "/N Do",
        ));
    }
    forms.push(stream_object(
        "/Type /XObject /Subtype /Form /BBox [0 0 10 10]",
        "0 0 m 1 1 l S",
    ));
    damaged(&one_page("/X1 Do", "/X1 6 0 R", &forms), "nested more than");
}

#[test]
fn form_fan_out_is_refused_quickly() {
    // Six levels of forms each drawing the next ten times: a million executions of a path.
    let mut forms = Vec::new();
    for level in 0..6 {
        forms.push(stream_object(
            &format!(
                "/Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources << /XObject << /N {} 0 R >> >>",
                7 + level
            ),
            &"/N Do ".repeat(10),
        ));
    }
    forms.push(stream_object(
        "/Type /XObject /Subtype /Form /BBox [0 0 10 10]",
        "0 0 m 1 1 l S",
    ));
    let started = std::time::Instant::now();
    let err =
        read(&one_page("/X1 Do", "/X1 6 0 R", &forms), Limits::default()).expect_err("fan-out");
    assert!(
        matches!(&err, PdfError::TooLarge(m) if m.contains("drawn more than")),
        "{err:?}"
    );
    assert!(started.elapsed().as_secs() < 5);
}

#[test]
fn text_drawn_by_a_form_is_read() {
    let form = stream_object(
        "/Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >>",
        "BT /F1 10 Tf 56 700 Td (Texte dans un formulaire) Tj ET",
    );
    let doc = read(
        &one_page("q /X1 Do Q /X1 Do", "/X1 6 0 R", &[form]),
        Limits::default(),
    )
    .expect("readable");
    let texts: Vec<&str> = doc.pages[0].lines.iter().map(|l| l.text.as_str()).collect();
    // Drawn twice at the same place: kept once.
    assert_eq!(texts, ["Texte dans un formulaire"]);
}

#[test]
fn absurd_coordinates_give_bounded_lines() {
    // PDF numbers have no exponent: 10^30 written out, then a 10^20-point font.
    let big = format!("1{}", "0".repeat(30));
    let content = format!(
        "BT /F1 10 Tf 56 700 Td (A) Tj ET BT /F1 10 Tf 1 0 0 1 {big} 700 Tm (B) Tj ET \
         BT /F1 10 Tf 56 680 Td (C) Tj ET BT /F1 100000000000000000000 Tf 56 660 Td (D) Tj ET"
    );
    let doc = read(&one_page(&content, "", &[]), Limits::default()).expect("readable");
    for line in &doc.pages[0].lines {
        assert!(line.text.len() < 1_000, "{} bytes", line.text.len());
    }
}

#[test]
fn text_drawn_rotated_reads_in_order() {
    // A landscape table drawn on a portrait page: text runs upwards, lines step right.
    let content = "BT /F1 10 Tf 0 1 -1 0 100 100 Tm (R\\351gion) Tj 0 1 -1 0 100 400 Tm (Montant) Tj \
                   0 1 -1 0 120 100 Tm (Corse) Tj 0 1 -1 0 120 400 Tm (398 640) Tj ET";
    let doc = read(&one_page(content, "", &[]), Limits::default()).expect("readable");
    let cells: Vec<Vec<&str>> = doc.pages[0]
        .lines
        .iter()
        .map(|l| {
            l.text
                .split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect()
        })
        .collect();
    assert_eq!(cells, [vec!["Région", "Montant"], vec!["Corse", "398 640"]]);
}

#[test]
fn superscripts_stay_on_their_line() {
    // "1er" and "Mme" with raised, smaller letters, as French legal texts set them.
    let content = "BT /F1 10 Tf 56 700 Td (Art. 1) Tj /F1 6 Tf 3.5 Ts (er) Tj /F1 10 Tf 0 Ts (. \\226 Le montant) Tj ET \
                   BT /F1 10 Tf 56 686 Td (Signataire : M) Tj /F1 6 Tf 3.5 Ts (me) Tj /F1 10 Tf 0 Ts ( Dupont) Tj ET";
    let doc = read(&one_page(content, "", &[]), Limits::default()).expect("readable");
    let texts: Vec<&str> = doc.pages[0].lines.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(texts, ["Art. 1er. – Le montant", "Signataire : Mme Dupont"]);
}

#[test]
fn missing_or_malformed_page_boxes_default_to_a4() {
    for page_box in [
        "",
        "/MediaBox [0 0 595]",
        "/MediaBox [0 0 595 842] /ArtBox [1 2]",
    ] {
        let objects = [
            CATALOG.to_string(),
            PAGES.to_string(),
            format!(
                "<< /Type /Page /Parent 2 0 R {page_box} /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>"
            ),
            stream_object("", "BT /F1 10 Tf 56 800 Td (Bonjour) Tj ET"),
            HELVETICA.to_string(),
        ];
        let doc = read(&raw_pdf(&objects), Limits::default())
            .unwrap_or_else(|e| panic!("{page_box}: {e}"));
        assert_eq!(doc.pages[0].lines[0].text, "Bonjour", "{page_box}");
    }
}
