//! Hand-written minimal PDFs used as test fixtures.
//!
//! Shared by `examples/gen_fixtures.rs` (which writes them to `tests/fixtures/`) and by the
//! tests (which check that the committed files are exactly what this code produces, so the
//! fixtures can always be rebuilt and reviewed from source).
//!
//! Every page uses the base-14 font Helvetica with `/WinAnsiEncoding` and explicit text
//! positioning (`Td`, `Tm`, `TJ`, `Tw`), the way word processors write simple PDFs. Widths
//! come from the Helvetica AFM metrics, so right-aligned amounts land where a viewer shows
//! them.
#![allow(dead_code)]

/// Helvetica advance widths (1/1000 em) for WinAnsi codes 32..=255 (code 0xA0, the
/// no-break space, uses the width of `space`, as viewers do).
const HELVETICA_WIDTHS: [u16; 224] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, //
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, //
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, //
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, //
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, //
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 350, //
    556, 350, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 350, 611, 350, //
    350, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 350, 500, 667, //
    278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333, //
    400, 584, 333, 333, 333, 556, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611, //
    667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, //
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611, //
    556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278, //
    556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500, //
];

/// A4 portrait, in points.
pub const PAGE_W: f64 = 595.0;
pub const PAGE_H: f64 = 842.0;

/// One fixture file: its name under `tests/fixtures/` and its bytes.
pub struct Fixture {
    pub name: &'static str,
    pub bytes: Vec<u8>,
}

/// Every fixture, in the order of the brief: (a) to (g).
pub fn all() -> Vec<Fixture> {
    let annex = bo_annex();
    // (f): the annex cut after 60 % of its bytes, as a failed download leaves it.
    let truncated = annex[..annex.len() * 6 / 10].to_vec();
    vec![
        Fixture {
            name: "bo_annex_two_pages.pdf",
            bytes: annex,
        },
        Fixture {
            name: "three_columns_nbsp.pdf",
            bytes: three_columns(),
        },
        Fixture {
            name: "wrapped_names.pdf",
            bytes: wrapped_names(),
        },
        Fixture {
            name: "jo_two_columns.pdf",
            bytes: jo_two_columns(),
        },
        Fixture {
            name: "no_text_layer.pdf",
            bytes: no_text_layer(),
        },
        Fixture {
            name: "truncated.pdf",
            bytes: truncated,
        },
        Fixture {
            name: "encrypted.pdf",
            bytes: encrypted(),
        },
    ]
}

// ---------------------------------------------------------------------------------------
// Text encoding and metrics
// ---------------------------------------------------------------------------------------

/// WinAnsi (cp1252) code of a character; `?` for anything the fixtures should not use.
fn winansi(c: char) -> u8 {
    match c {
        '\u{20}'..='\u{7e}' => c as u8,
        '\u{a0}'..='\u{ff}' => c as u8,
        '€' => 0x80,
        '…' => 0x85,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '–' => 0x96,
        '—' => 0x97,
        'œ' => 0x9c,
        'Œ' => 0x8c,
        _ => b'?',
    }
}

fn encode(s: &str) -> Vec<u8> {
    s.chars().map(winansi).collect()
}

/// Width of `s` in points at `size`.
pub fn width(s: &str, size: f64) -> f64 {
    encode(s)
        .iter()
        .map(|&b| f64::from(HELVETICA_WIDTHS[usize::from(b.max(32)) - 32]))
        .sum::<f64>()
        * size
        / 1000.0
}

/// A PDF literal string `( … )` with the WinAnsi bytes of `s`.
fn literal(s: &str) -> Vec<u8> {
    let mut out = vec![b'('];
    for b in encode(s) {
        if matches!(b, b'(' | b')' | b'\\') {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.push(b')');
    out
}

/// Numbers as PDF writers print them: at most three decimals, no trailing zeros.
fn num(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// Greedy word wrap to `max_width` points.
pub fn wrap(text: &str, size: f64, max_width: f64) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split(' ') {
        let candidate = if current.is_empty() {
            word.to_string()
        } else {
            format!("{current} {word}")
        };
        if width(&candidate, size) > max_width && !current.is_empty() {
            lines.push(std::mem::take(&mut current));
            current = word.to_string();
        } else {
            current = candidate;
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

// ---------------------------------------------------------------------------------------
// Content streams
// ---------------------------------------------------------------------------------------

/// A page content stream under construction.
#[derive(Default)]
pub struct Content {
    buf: Vec<u8>,
}

impl Content {
    fn op(&mut self, s: &str) {
        self.buf.extend_from_slice(s.as_bytes());
    }

    /// `Td` positioning and one `Tj`, the simplest way to place text.
    pub fn text(&mut self, x: f64, y: f64, size: f64, s: &str) {
        self.op(&format!(
            "BT /F1 {} Tf {} {} Td ",
            num(size),
            num(x),
            num(y)
        ));
        self.buf.extend(literal(s));
        self.op(" Tj ET\n");
    }

    /// Text whose right edge is at `right` (amount columns).
    pub fn text_right(&mut self, right: f64, y: f64, size: f64, s: &str) {
        self.text(right - width(s, size), y, size, s);
    }

    pub fn text_center(&mut self, center: f64, y: f64, size: f64, s: &str) {
        self.text(center - width(s, size) / 2.0, y, size, s);
    }

    /// Positioning with a text matrix and a 1-point font scaled by the matrix, as many
    /// producers (and LibreOffice) write it.
    pub fn text_tm(&mut self, x: f64, y: f64, size: f64, s: &str) {
        self.op(&format!(
            "BT /F1 1 Tf {} 0 0 {} {} {} Tm ",
            num(size),
            num(size),
            num(x),
            num(y)
        ));
        self.buf.extend(literal(s));
        self.op(" Tj ET\n");
    }

    pub fn text_tm_right(&mut self, right: f64, y: f64, size: f64, s: &str) {
        self.text_tm(right - width(s, size), y, size, s);
    }

    /// One `TJ` array: strings separated by kerning adjustments (1/1000 em, positive moves
    /// left), so glyph positions do not follow the plain advance widths.
    pub fn text_kerned(&mut self, x: f64, y: f64, size: f64, parts: &[(&str, f64)]) {
        self.op(&format!(
            "BT /F1 {} Tf {} {} Td [",
            num(size),
            num(x),
            num(y)
        ));
        for (s, kern) in parts {
            self.buf.extend(literal(s));
            if *kern != 0.0 {
                self.op(&format!(" {} ", num(*kern)));
            }
        }
        self.op("] TJ ET\n");
    }

    /// Justified text: word spacing `Tw` stretches every space so the line fills `line_width`.
    pub fn text_justified(&mut self, x: f64, y: f64, size: f64, s: &str, line_width: f64) {
        let spaces = s.matches(' ').count();
        let tw = if spaces == 0 {
            0.0
        } else {
            (line_width - width(s, size)) / spaces as f64
        };
        self.op(&format!(
            "BT /F1 {} Tf {} Tw {} {} Td ",
            num(size),
            num(tw),
            num(x),
            num(y)
        ));
        self.buf.extend(literal(s));
        self.op(" Tj 0 Tw ET\n");
    }

    /// A thin table rule.
    pub fn hline(&mut self, x0: f64, x1: f64, y: f64) {
        self.op(&format!(
            "0.5 w {} {} m {} {} l S\n",
            num(x0),
            num(y),
            num(x1),
            num(y)
        ));
    }

    pub fn rect_fill(&mut self, x: f64, y: f64, w: f64, h: f64, gray: f64) {
        self.op(&format!(
            "q {} g {} {} {} {} re f Q\n",
            num(gray),
            num(x),
            num(y),
            num(w),
            num(h)
        ));
    }

    pub fn image(&mut self, name: &str, x: f64, y: f64, w: f64, h: f64) {
        self.op(&format!(
            "q {} 0 0 {} {} {} cm /{} Do Q\n",
            num(w),
            num(h),
            num(x),
            num(y),
            name
        ));
    }
}

// ---------------------------------------------------------------------------------------
// File structure
// ---------------------------------------------------------------------------------------

enum Obj {
    Plain(Vec<u8>),
    Stream { dict: String, data: Vec<u8> },
}

/// A page: its content and the image XObjects it uses (name, 8-bit gray pixels, width).
struct PageSpec {
    content: Content,
    images: Vec<(&'static str, Vec<u8>, u32)>,
}

impl PageSpec {
    fn text(content: Content) -> Self {
        PageSpec {
            content,
            images: Vec::new(),
        }
    }
}

/// The RC4 40-bit standard security handler (revision 2), enough for a real
/// password-protected file.
struct Encryption {
    user_password: &'static str,
    owner_password: &'static str,
}

const FILE_ID: &[u8; 16] = b"esms-ledger-test";

fn build(pages: Vec<PageSpec>, encryption: Option<Encryption>) -> Vec<u8> {
    let mut objs: Vec<Obj> = Vec::new();
    // 1: catalog, 2: page tree, 3: font; pages and their content follow.
    objs.push(Obj::Plain(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec()));
    objs.push(Obj::Plain(Vec::new()));
    objs.push(Obj::Plain(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_vec(),
    ));
    let mut kids = Vec::new();
    for page in pages {
        let mut xobjects = String::new();
        for (name, pixels, w) in page.images {
            let h = pixels.len() as u32 / w.max(1);
            objs.push(Obj::Stream {
                dict: format!(
                    "/Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace /DeviceGray /BitsPerComponent 8"
                ),
                data: pixels,
            });
            xobjects.push_str(&format!("/{name} {} 0 R ", objs.len()));
        }
        objs.push(Obj::Stream {
            dict: String::new(),
            data: page.content.buf,
        });
        let content_id = objs.len();
        let xobject_entry = if xobjects.is_empty() {
            String::new()
        } else {
            format!(" /XObject << {xobjects}>>")
        };
        objs.push(Obj::Plain(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {} {}] /Resources << /Font << /F1 3 0 R >>{xobject_entry} >> /Contents {content_id} 0 R >>",
                num(PAGE_W),
                num(PAGE_H)
            )
            .into_bytes(),
        ));
        kids.push(format!("{} 0 R", objs.len()));
    }
    objs[1] = Obj::Plain(
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids.join(" "),
            kids.len()
        )
        .into_bytes(),
    );

    let mut encrypt_entry = String::new();
    let mut file_key = None;
    if let Some(enc) = encryption {
        let permissions: i32 = -44; // printing and copying refused, as publishers often set
        let (o, u, key) = standard_security_r2(enc.user_password, enc.owner_password, permissions);
        objs.push(Obj::Plain(
            format!(
                "<< /Filter /Standard /V 1 /R 2 /O <{}> /U <{}> /P {permissions} >>",
                hex(&o),
                hex(&u)
            )
            .into_bytes(),
        ));
        encrypt_entry = format!(" /Encrypt {} 0 R", objs.len());
        file_key = Some((key, objs.len()));
    }

    let mut out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, obj) in objs.iter().enumerate() {
        let id = i + 1;
        offsets.push(out.len());
        out.extend(format!("{id} 0 obj\n").into_bytes());
        match obj {
            Obj::Plain(body) => out.extend_from_slice(body),
            Obj::Stream { dict, data } => {
                let data = match &file_key {
                    // The Encrypt dictionary itself is never encrypted.
                    Some((key, encrypt_id)) if *encrypt_id != id => {
                        rc4(&object_key(key, id as u32), data)
                    }
                    _ => data.clone(),
                };
                out.extend(format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes());
                out.extend_from_slice(&data);
                out.extend_from_slice(b"\nendstream");
            }
        }
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objs.len() + 1).into_bytes());
    for offset in offsets {
        out.extend(format!("{offset:010} 00000 n \n").into_bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R /ID [<{}> <{}>]{encrypt_entry} >>\nstartxref\n{xref}\n%%EOF\n",
            objs.len() + 1,
            hex(FILE_ID),
            hex(FILE_ID)
        )
        .into_bytes(),
    );
    out
}

/// A PDF of text pages, one content stream each (base-14 Helvetica, WinAnsiEncoding), for
/// generators outside this crate (esms-ledger's shipped BO annex).
pub fn text_pages(pages: Vec<Content>) -> Vec<u8> {
    build(pages.into_iter().map(PageSpec::text).collect(), None)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

// ---------------------------------------------------------------------------------------
// The fixtures
// ---------------------------------------------------------------------------------------

pub const REGIONS: [(&str, &str); 18] = [
    ("Auvergne-Rhône-Alpes", "8 348 102"),
    ("Bourgogne-Franche-Comté", "3 412 580"),
    ("Bretagne", "3 596 244"),
    ("Centre-Val de Loire", "2 701 935"),
    ("Corse", "398 640"),
    ("Grand Est", "5 603 118"),
    ("Guadeloupe", "612 447"),
    ("Guyane", "410 925"),
    ("Hauts-de-France", "6 120 774"),
    ("Île-de-France", "11 472 306"),
    ("Martinique", "455 210"),
    ("Mayotte", "287 093"),
    ("Normandie", "3 388 761"),
    ("Nouvelle-Aquitaine", "6 845 390"),
    ("Occitanie", "6 512 007"),
    ("Pays de la Loire", "3 944 128"),
    ("Provence-Alpes-Côte d’Azur", "5 733 569"),
    ("La Réunion", "1 160 331"),
];
pub const REGIONS_TOTAL: &str = "71 003 560";

/// Amounts after the amending decision, for the three-column fixture.
pub const MODIFIED: [&str; 18] = [
    "8 412 950",
    "3 412 580",
    "3 601 018",
    "2 750 000",
    "398 640",
    "5 588 200",
    "640 000",
    "410 925",
    "6 120 774",
    "11 520 000",
    "455 210",
    "300 000",
    "3 388 761",
    "6 845 390",
    "6 498 115",
    "3 944 128",
    "5 760 000",
    "1 160 331",
];
pub const MODIFIED_TOTAL: &str = "71 207 022";

fn bo_head(page: u32) -> String {
    format!(
        "Bulletin officiel Santé – Protection sociale – Solidarité n° 2023/3 du 15 février 2023, Page {page}"
    )
}

/// (a) A Bulletin officiel page: running head with the printed page, title, prose with
/// amounts, and an annex table of 18 regions that continues on page 2 under a repeated
/// column header. Thousands are separated by a plain space.
fn bo_annex() -> Vec<u8> {
    let (left, name_x, amount_right, size) = (56.0, 72.0, 480.0, 10.0);
    let mut p1 = Content::default();
    p1.text(left, 806.0, 8.0, &bo_head(45));
    p1.text(
        left,
        760.0,
        12.0,
        "Instruction n° DGCS/SD5C/2023/12 du 3 février 2023",
    );
    p1.text(left, 740.0, size, "NOR : SSAA2302345J");
    let prose = [
        "Le présent texte délègue aux agences régionales de santé (ARS) les crédits",
        "du programme « ESMS numérique » : 75 millions d’euros en 2023, dont",
        "1 234 567 € pour la phase d’amorçage. La répartition figure en annexe.",
    ];
    for (i, line) in prose.iter().enumerate() {
        p1.text(left, 712.0 - 14.0 * i as f64, size, line);
    }
    p1.text(
        left,
        640.0,
        11.0,
        "Annexe – Répartition régionale des crédits",
    );
    let header = |c: &mut Content, y: f64| {
        c.text(name_x, y, size, "Région");
        c.text_right(amount_right, y, size, "Montant");
        c.hline(name_x - 6.0, amount_right + 6.0, y - 6.0);
    };
    header(&mut p1, 612.0);
    for (i, (region, amount)) in REGIONS[..11].iter().enumerate() {
        let y = 590.0 - 24.0 * i as f64;
        p1.text(name_x, y, size, region);
        p1.text_right(amount_right, y, size, amount);
        p1.hline(name_x - 6.0, amount_right + 6.0, y - 8.0);
    }

    let mut p2 = Content::default();
    p2.text(left, 806.0, 8.0, &bo_head(46));
    header(&mut p2, 770.0);
    let mut y = 748.0;
    for (region, amount) in &REGIONS[11..] {
        p2.text(name_x, y, size, region);
        p2.text_right(amount_right, y, size, amount);
        p2.hline(name_x - 6.0, amount_right + 6.0, y - 8.0);
        y -= 24.0;
    }
    p2.text(name_x, y, size, "Total");
    p2.text_right(amount_right, y, size, REGIONS_TOTAL);
    build(vec![PageSpec::text(p1), PageSpec::text(p2)], None)
}

/// (b) Région | Montant initial | Montant modifié, positioned with text matrices, the
/// header written with a kerned `TJ`, thousands separated by a no-break space (0xA0), and
/// a "- 12 -" page-number footer.
fn three_columns() -> Vec<u8> {
    let (name_x, right1, right2, size) = (56.0, 400.0, 530.0, 10.0);
    let nbsp = |s: &str| s.replace(' ', "\u{a0}");
    let mut c = Content::default();
    c.text(
        56.0,
        780.0,
        11.0,
        "Annexe 2 – Crédits modifiés par région (en euros)",
    );
    c.text_kerned(
        name_x,
        750.0,
        size,
        &[("R", 0.0), ("é", -15.0), ("gion", 0.0)],
    );
    c.text_right(right1, 750.0, size, "Montant initial");
    c.text_right(right2, 750.0, size, "Montant modifié");
    for (i, ((region, initial), modified)) in REGIONS.iter().zip(MODIFIED).enumerate() {
        let y = 730.0 - 16.0 * i as f64;
        c.text_tm(name_x, y, size, region);
        c.text_tm_right(right1, y, size, &nbsp(initial));
        c.text_tm_right(right2, y, size, &nbsp(modified));
    }
    let y = 730.0 - 16.0 * 18.0;
    c.text_tm(name_x, y, size, "Total");
    c.text_tm_right(right1, y, size, &nbsp(REGIONS_TOTAL));
    c.text_tm_right(right2, y, size, &nbsp(MODIFIED_TOTAL));
    c.text_center(PAGE_W / 2.0, 30.0, 9.0, "- 12 -");
    build(vec![PageSpec::text(c)], None)
}

/// (c) Beneficiaries whose name wraps inside its cell: once with the other cells on the
/// first line (top-aligned cells), once with them centred between the two name lines.
fn wrapped_names_content() -> Content {
    let (name_x, finess_x, amount_right, size, lead) = (56.0, 300.0, 530.0, 10.0, 12.0);
    let mut c = Content::default();
    c.text(56.0, 780.0, 11.0, "Liste des bénéficiaires retenus");
    c.text(name_x, 750.0, size, "Organisme gestionnaire");
    c.text(finess_x, 750.0, size, "FINESS");
    c.text_right(amount_right, 750.0, size, "Montant");
    c.hline(50.0, 536.0, 744.0);
    // Row 1: one line.
    c.text(name_x, 728.0, size, "Association Les Papillons Blancs");
    c.text(finess_x, 728.0, size, "590000123");
    c.text_right(amount_right, 728.0, size, "125 000");
    c.hline(50.0, 536.0, 720.0);
    // Row 2: the name wraps, other cells top-aligned.
    c.text(
        name_x,
        704.0,
        size,
        "Association départementale des amis et parents",
    );
    c.text(
        name_x,
        704.0 - lead,
        size,
        "d’enfants inadaptés de la Somme",
    );
    c.text(finess_x, 704.0, size, "800000456");
    c.text_right(amount_right, 704.0, size, "1 250 000");
    c.hline(50.0, 536.0, 684.0);
    // Row 3: the name wraps, other cells vertically centred.
    c.text(
        name_x,
        668.0,
        size,
        "Fondation pour l’accompagnement des personnes",
    );
    c.text(name_x, 668.0 - lead, size, "âgées et handicapées");
    c.text(finess_x, 668.0 - lead / 2.0, size, "750000789");
    c.text_right(amount_right, 668.0 - lead / 2.0, size, "98 500");
    c.hline(50.0, 536.0, 648.0);
    // Row 4: one line.
    c.text(name_x, 632.0, size, "EHPAD Le Clos Fleuri");
    c.text(finess_x, 632.0, size, "130001234");
    c.text_right(amount_right, 632.0, size, "45 300");
    c.text_right(539.0, 30.0, 9.0, "Page 3");
    c
}

fn wrapped_names() -> Vec<u8> {
    build(vec![PageSpec::text(wrapped_names_content())], None)
}

pub const JO_LEFT: &str = "Le ministre des solidarités, de l’autonomie et des personnes handicapées, Vu le code de l’action sociale et des familles, notamment ses articles L. 312-1 et L. 314-3 ; Vu la loi n° 2022-1616 du 23 décembre 2022 de financement de la sécurité sociale pour 2023 ; Vu l’avis du conseil de la Caisse nationale de solidarité pour l’autonomie en date du 9 février 2023, Arrête :";
pub const JO_RIGHT: &str = "Art. 1er. – Le montant des crédits du programme ESMS numérique délégués aux agences régionales de santé au titre de l’année 2023 est fixé à 75 000 000 €. Art. 2. – La répartition de ce montant entre les régions figure en annexe du présent arrêté. Art. 3. – Le présent arrêté sera publié au Journal officiel de la République française.";
pub const JO_PAGE2_LEFT: &str = "Fait le 14 février 2023. Pour le ministre et par délégation : le directeur général de la cohésion sociale, J.-B. Champion";
pub const JO_PAGE2_RIGHT: &str = "Nota. – L’annexe peut être consultée au Bulletin officiel Santé – Protection sociale – Solidarité.";

/// Justified column: every line but the last stretched to the column width with `Tw`.
fn column(c: &mut Content, text: &str, x: f64, top: f64, size: f64, col_width: f64, lead: f64) {
    let lines = wrap(text, size, col_width);
    let last = lines.len().saturating_sub(1);
    for (i, line) in lines.iter().enumerate() {
        let y = top - lead * i as f64;
        if i == last {
            c.text(x, y, size, line);
        } else {
            c.text_justified(x, y, size, line, col_width);
        }
    }
}

fn jo_head(c: &mut Content) {
    c.text(56.0, 806.0, 8.0, "16 février 2023");
    c.text_center(
        PAGE_W / 2.0,
        806.0,
        8.0,
        "JOURNAL OFFICIEL DE LA RÉPUBLIQUE FRANÇAISE",
    );
    c.text_right(539.0, 806.0, 8.0, "Texte 12 sur 120");
}

/// (d) A Journal officiel style page: running head, a title across both columns, then two
/// justified columns with aligned baselines and a 15-point gutter; page 2 continues.
fn jo_two_columns() -> Vec<u8> {
    let (left_x, right_x, col_w, size, lead) = (56.0, 305.0, 234.0, 9.0, 11.0);
    let mut p1 = Content::default();
    jo_head(&mut p1);
    p1.text_center(
        PAGE_W / 2.0,
        770.0,
        11.0,
        "Arrêté du 14 février 2023 fixant le montant des crédits ESMS numérique",
    );
    column(&mut p1, JO_LEFT, left_x, 740.0, size, col_w, lead);
    column(&mut p1, JO_RIGHT, right_x, 740.0, size, col_w, lead);
    let mut p2 = Content::default();
    jo_head(&mut p2);
    column(&mut p2, JO_PAGE2_LEFT, left_x, 770.0, size, col_w, lead);
    column(&mut p2, JO_PAGE2_RIGHT, right_x, 770.0, size, col_w, lead);
    build(vec![PageSpec::text(p1), PageSpec::text(p2)], None)
}

/// (e) A scanned-looking page: an image and some vector drawing, no text at all.
fn no_text_layer() -> Vec<u8> {
    let mut c = Content::default();
    c.image("Im1", 56.0, 300.0, 483.0, 480.0);
    c.rect_fill(56.0, 200.0, 483.0, 40.0, 0.8);
    c.hline(56.0, 539.0, 180.0);
    let pixels: Vec<u8> = (0..64u32).map(|i| (i * 4) as u8).collect();
    build(
        vec![PageSpec {
            content: c,
            images: vec![("Im1", pixels, 8)],
        }],
        None,
    )
}

/// (g) The wrapped-names page behind a user password ("esms"), RC4 40-bit.
fn encrypted() -> Vec<u8> {
    build(
        vec![PageSpec::text(wrapped_names_content())],
        Some(Encryption {
            user_password: "esms",
            owner_password: "owner-esms",
        }),
    )
}

// ---------------------------------------------------------------------------------------
// Standard security handler, revision 2 (PDF 1.7, 7.6.3): MD5 and RC4, written out here so
// the fixtures need no dependency.
// ---------------------------------------------------------------------------------------

const PASSWORD_PAD: [u8; 32] = [
    0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01, 0x08,
    0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53, 0x69, 0x7A,
];

fn padded(password: &str) -> Vec<u8> {
    let mut p: Vec<u8> = password.bytes().take(32).collect();
    let missing = 32 - p.len();
    p.extend_from_slice(&PASSWORD_PAD[..missing]);
    p
}

/// Returns (/O, /U, file key).
fn standard_security_r2(user: &str, owner: &str, permissions: i32) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let owner_key = md5(&padded(owner))[..5].to_vec();
    let o = rc4(&owner_key, &padded(user));
    let mut input = padded(user);
    input.extend_from_slice(&o);
    input.extend_from_slice(&permissions.to_le_bytes());
    input.extend_from_slice(FILE_ID);
    let key = md5(&input)[..5].to_vec();
    let u = rc4(&key, &PASSWORD_PAD);
    (o, u, key)
}

fn object_key(file_key: &[u8], id: u32) -> Vec<u8> {
    let mut input = file_key.to_vec();
    input.extend_from_slice(&id.to_le_bytes()[..3]);
    input.extend_from_slice(&[0, 0]);
    md5(&input)[..file_key.len() + 5].to_vec()
}

fn rc4(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut s: Vec<u8> = (0..=255).collect();
    let mut j = 0usize;
    for i in 0..256 {
        j = (j + usize::from(s[i]) + usize::from(key[i % key.len()])) % 256;
        s.swap(i, j);
    }
    let (mut i, mut j) = (0usize, 0usize);
    data.iter()
        .map(|b| {
            i = (i + 1) % 256;
            j = (j + usize::from(s[i])) % 256;
            s.swap(i, j);
            b ^ s[(usize::from(s[i]) + usize::from(s[j])) % 256]
        })
        .collect()
}

fn md5(message: &[u8]) -> [u8; 16] {
    const S: [u32; 64] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5,
        9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10,
        15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ];
    let k: Vec<u32> = (0..64)
        .map(|i| ((i as f64 + 1.0).sin().abs() * 4_294_967_296.0) as u32)
        .collect();
    let mut state: [u32; 4] = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
    let mut data = message.to_vec();
    data.push(0x80);
    while data.len() % 64 != 56 {
        data.push(0);
    }
    data.extend_from_slice(&((message.len() as u64).wrapping_mul(8)).to_le_bytes());
    for chunk in data.chunks(64) {
        let m: Vec<u32> = chunk
            .chunks(4)
            .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
            .collect();
        let [mut a, mut b, mut c, mut d] = state;
        for i in 0..64 {
            let (f, g) = match i / 16 {
                0 => ((b & c) | (!b & d), i),
                1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                2 => (b ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (b | !d), (7 * i) % 16),
            };
            let f = f.wrapping_add(a).wrapping_add(k[i]).wrapping_add(m[g]);
            a = d;
            d = c;
            c = b;
            b = b.wrapping_add(f.rotate_left(S[i]));
        }
        state[0] = state[0].wrapping_add(a);
        state[1] = state[1].wrapping_add(b);
        state[2] = state[2].wrapping_add(c);
        state[3] = state[3].wrapping_add(d);
    }
    let mut out = [0u8; 16];
    for (i, word) in state.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&word.to_le_bytes());
    }
    out
}

// ---------------------------------------------------------------------------------------
// Raw files for the hostile-input tests
// ---------------------------------------------------------------------------------------

/// A stream object body: `extra` dictionary entries and the data.
pub fn stream_object(extra: &str, data: &str) -> String {
    format!(
        "<< {extra} /Length {} >>\nstream\n{data}\nendstream",
        data.len()
    )
}

/// A PDF whose objects 1..=n are the given bodies (object 1 must be the catalog).
pub fn raw_pdf(objects: &[String]) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n{body}\nendobj\n", i + 1).into_bytes());
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).into_bytes());
    for offset in offsets {
        out.extend(format!("{offset:010} 00000 n \n").into_bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .into_bytes(),
    );
    out
}

/// The font object the raw files use.
pub const HELVETICA: &str =
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>";

#[cfg(test)]
mod tests {
    #[test]
    fn md5_known_vector() {
        assert_eq!(
            super::hex(&super::md5(b"abc")),
            "900150983CD24FB0D6963F7D28E17F72"
        );
    }
}
