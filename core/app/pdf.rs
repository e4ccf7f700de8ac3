//! PDFs of reports and registration details: A4 pages with the AB's branded header, headings,
//! labelled answers, wrapped paragraphs and "Page n of m".
//!
//! Written with `pdf-writer` (objects and content streams) and the PDF standard fonts Helvetica
//! and Helvetica-Bold in WinAnsiEncoding: nothing to embed or ship, every viewer has them, and
//! text extracts exactly (the tests read it back with pdftotext). The layout is our own few lines:
//! word wrapping with Helvetica's published widths, and page breaks.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 50.0;
const HEADER_H: f32 = 60.0;
const FOOTER_Y: f32 = 30.0;
const BODY_SIZE: f32 = 10.0;
const LINE: f32 = 13.5;

/// What goes in a document, in order.
enum Block {
    Title(String),
    Heading(String),
    Field { label: String, value: String },
    Paragraph(String),
    Gap,
}

pub struct Document {
    ab_name: String,
    title: String,
    /// The AB's brand colour, 0-1 RGB.
    brand: (f32, f32, f32),
    blocks: Vec<Block>,
}

/// A "#rrggbb" colour as 0-1 RGB (the theme's brand colour); dark blue if it cannot be read.
pub fn parse_colour(hex: &str) -> (f32, f32, f32) {
    let h = hex.trim().trim_start_matches('#');
    let byte = |i: usize| u8::from_str_radix(h.get(i..i + 2)?, 16).ok();
    match (h.len(), byte(0), byte(2), byte(4)) {
        (6, Some(r), Some(g), Some(b)) => (r as f32 / 255.0, g as f32 / 255.0, b as f32 / 255.0),
        _ => (0.12, 0.16, 0.27),
    }
}

impl Document {
    pub fn new(ab_name: &str, title: &str, brand: (f32, f32, f32)) -> Self {
        Document { ab_name: ab_name.into(), title: title.into(), brand, blocks: vec![Block::Title(title.into())] }
    }

    pub fn heading(&mut self, text: &str) -> &mut Self {
        self.blocks.push(Block::Heading(text.into()));
        self
    }

    pub fn field(&mut self, label: &str, value: &str) -> &mut Self {
        self.blocks.push(Block::Field { label: label.into(), value: value.into() });
        self
    }

    pub fn paragraph(&mut self, text: &str) -> &mut Self {
        self.blocks.push(Block::Paragraph(text.into()));
        self
    }

    pub fn gap(&mut self) -> &mut Self {
        self.blocks.push(Block::Gap);
        self
    }

    /// Lays the blocks out into pages of positioned lines.
    fn layout(&self) -> Vec<Vec<Line>> {
        let width = PAGE_W - 2.0 * MARGIN;
        let top = PAGE_H - HEADER_H - 25.0;
        let bottom = FOOTER_Y + 25.0;
        let mut pages: Vec<Vec<Line>> = vec![vec![]];
        let mut y = top;
        let put = |pages: &mut Vec<Vec<Line>>, y: &mut f32, line: Line, height: f32| {
            if *y - height < bottom {
                pages.push(vec![]);
                *y = top;
            }
            *y -= height;
            let mut line = line;
            line.y = *y;
            pages.last_mut().expect("a page").push(line);
        };
        for block in &self.blocks {
            match block {
                Block::Title(t) => {
                    for l in wrap(t, true, 16.0, width) {
                        put(&mut pages, &mut y, Line::new(MARGIN, l, true, 16.0), 20.0);
                    }
                    y -= 6.0;
                }
                Block::Heading(t) => {
                    y -= 8.0;
                    // A heading never ends a page: it goes over with what follows it.
                    if y - 16.0 - 3.0 * LINE < bottom {
                        pages.push(vec![]);
                        y = top;
                    }
                    for l in wrap(t, true, 12.0, width) {
                        put(&mut pages, &mut y, Line::new(MARGIN, l, true, 12.0), 16.0);
                    }
                    y -= 2.0;
                }
                Block::Field { label, value } => {
                    // Keep a label with the first line of its answer.
                    let label_lines = wrap(label, true, BODY_SIZE, width);
                    if y - LINE * (label_lines.len() as f32 + 1.0) < bottom {
                        pages.push(vec![]);
                        y = top;
                    }
                    for l in label_lines {
                        put(&mut pages, &mut y, Line::new(MARGIN, l, true, BODY_SIZE), LINE);
                    }
                    let value = if value.trim().is_empty() { "Not answered" } else { value.as_str() };
                    for para in value.lines() {
                        for l in wrap(para, false, BODY_SIZE, width - 12.0) {
                            put(&mut pages, &mut y, Line::new(MARGIN + 12.0, l, false, BODY_SIZE), LINE);
                        }
                    }
                    y -= 5.0;
                }
                Block::Paragraph(t) => {
                    for para in t.lines() {
                        for l in wrap(para, false, BODY_SIZE, width) {
                            put(&mut pages, &mut y, Line::new(MARGIN, l, false, BODY_SIZE), LINE);
                        }
                    }
                    y -= 5.0;
                }
                Block::Gap => y -= 10.0,
            }
        }
        pages
    }

    /// The PDF's bytes.
    pub fn render(&self) -> Vec<u8> {
        let pages = self.layout();
        let mut pdf = Pdf::new();
        let catalog = Ref::new(1);
        let tree = Ref::new(2);
        let regular = Ref::new(3);
        let bold = Ref::new(4);
        let info = Ref::new(5);
        let first = 6;
        let page_ids: Vec<Ref> = (0..pages.len()).map(|i| Ref::new(first + 2 * i as i32)).collect();
        pdf.catalog(catalog).pages(tree);
        pdf.pages(tree).kids(page_ids.iter().copied()).count(pages.len() as i32);
        pdf.type1_font(regular).base_font(Name(b"Helvetica")).encoding_predefined(Name(b"WinAnsiEncoding"));
        pdf.type1_font(bold).base_font(Name(b"Helvetica-Bold")).encoding_predefined(Name(b"WinAnsiEncoding"));
        pdf.document_info(info).title(TextStr(&self.title)).author(TextStr(&self.ab_name)).producer(TextStr("Induct"));
        let total = pages.len();
        for (i, lines) in pages.iter().enumerate() {
            let page_id = page_ids[i];
            let content_id = Ref::new(page_id.get() + 1);
            let mut page = pdf.page(page_id);
            page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H));
            page.parent(tree);
            page.contents(content_id);
            page.resources().fonts().pair(Name(b"F1"), regular).pair(Name(b"F2"), bold);
            page.finish();

            let mut c = Content::new();
            // The AB's band: its colour behind its name in white (or black on a pale colour).
            let (r, g, b) = self.brand;
            c.set_fill_rgb(r, g, b);
            c.rect(0.0, PAGE_H - HEADER_H, PAGE_W, HEADER_H);
            c.fill_nonzero();
            let light = 0.299 * r + 0.587 * g + 0.114 * b > 0.6;
            let ink = if light { 0.0 } else { 1.0 };
            c.set_fill_rgb(ink, ink, ink);
            text(&mut c, MARGIN, PAGE_H - 36.0, &self.ab_name, true, 14.0);
            c.set_fill_rgb(0.0, 0.0, 0.0);
            for l in lines {
                text(&mut c, l.x, l.y, &l.text, l.bold, l.size);
            }
            c.set_fill_rgb(0.3, 0.3, 0.3);
            let footer = format!("Page {} of {total}", i + 1);
            let w = text_width(&footer, false, 9.0);
            text(&mut c, PAGE_W - MARGIN - w, FOOTER_Y, &footer, false, 9.0);
            text(&mut c, MARGIN, FOOTER_Y, &self.title, false, 9.0);
            pdf.stream(content_id, &c.finish());
        }
        pdf.finish()
    }
}

struct Line {
    x: f32,
    y: f32,
    text: String,
    bold: bool,
    size: f32,
}

impl Line {
    fn new(x: f32, text: String, bold: bool, size: f32) -> Self {
        Line { x, y: 0.0, text, bold, size }
    }
}

fn text(c: &mut Content, x: f32, y: f32, s: &str, bold: bool, size: f32) {
    c.begin_text();
    c.set_font(Name(if bold { b"F2" } else { b"F1" }), size);
    c.next_line(x, y);
    c.show(Str(&win_ansi(s)));
    c.end_text();
}

/// Text in WinAnsiEncoding (Windows-1252): Latin-1 as it is, the typographic punctuation people
/// paste from word processors at its 0x80-0x9F codes, anything else as "?".
pub fn win_ansi(s: &str) -> Vec<u8> {
    s.chars()
        .map(|ch| match ch {
            '\u{20}'..='\u{7e}' => ch as u8,
            '\u{a0}'..='\u{ff}' => ch as u32 as u8,
            '€' => 0x80,
            '‚' => 0x82,
            '„' => 0x84,
            '…' => 0x85,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            '™' => 0x99,
            '\t' => b' ',
            _ => b'?',
        })
        .collect()
}

/// Helvetica's advance widths (per 1000 units of font size) for ASCII 32-126, from Adobe's AFM.
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space to /
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, // 0-9
    278, 278, 584, 584, 584, 556, 1015, // : to @
    667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944,
    667, 667, 611, // A-Z
    278, 278, 278, 469, 556, 333, // [ to `
    556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722,
    500, 500, 500, // a-z
    334, 260, 334, 584, // { to ~
];

/// Helvetica-Bold's, likewise.
const HELVETICA_BOLD: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, // space to /
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, // 0-9
    333, 333, 584, 584, 584, 611, 975, // : to @
    722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944,
    667, 667, 611, // A-Z
    333, 278, 333, 584, 556, 333, // [ to `
    556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778,
    556, 556, 500, // a-z
    389, 280, 389, 584, // { to ~
];

fn char_width(b: u8, bold: bool) -> u16 {
    let table = if bold { &HELVETICA_BOLD } else { &HELVETICA };
    match b {
        32..=126 => table[(b - 32) as usize],
        // Accented letters are about as wide as their base letters; a generous average.
        _ => 600,
    }
}

pub fn text_width(s: &str, bold: bool, size: f32) -> f32 {
    win_ansi(s).iter().map(|&b| char_width(b, bold) as f32).sum::<f32>() * size / 1000.0
}

/// Greedy word wrap to `width` points; a word longer than a line is broken.
fn wrap(s: &str, bold: bool, size: f32, width: f32) -> Vec<String> {
    let mut lines = vec![];
    let mut current = String::new();
    for word in s.split_whitespace() {
        let candidate = if current.is_empty() { word.to_owned() } else { format!("{current} {word}") };
        if text_width(&candidate, bold, size) <= width {
            current = candidate;
            continue;
        }
        if !current.is_empty() {
            lines.push(std::mem::take(&mut current));
        }
        // Break an overlong word at the line's width.
        let mut piece = String::new();
        for ch in word.chars() {
            piece.push(ch);
            if text_width(&piece, bold, size) > width {
                piece.pop();
                lines.push(std::mem::take(&mut piece));
                piece.push(ch);
            }
        }
        current = piece;
    }
    if !current.is_empty() || lines.is_empty() {
        lines.push(current);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_the_width() {
        let lines = wrap("one two three four five six seven eight nine ten", false, 10.0, 80.0);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| text_width(l, false, 10.0) <= 80.0));
        assert_eq!(lines.join(" "), "one two three four five six seven eight nine ten");
        let long = wrap(&"x".repeat(200), false, 10.0, 100.0);
        assert!(long.len() > 1 && long.iter().all(|l| text_width(l, false, 10.0) <= 100.0));
        assert_eq!(wrap("", false, 10.0, 100.0), vec![String::new()]);
    }

    #[test]
    fn encodes_win_ansi() {
        assert_eq!(
            win_ansi("Zoë – “ok” €"),
            vec![b'Z', b'o', 0xeb, b' ', 0x96, b' ', 0x93, b'o', b'k', 0x94, b' ', 0x80]
        );
        assert_eq!(win_ansi("日本"), b"??".to_vec());
    }

    #[test]
    fn many_pages_are_numbered() {
        let mut d = Document::new("Fenland Teaching School Hub", "Report", parse_colour("#14532d"));
        for i in 0..200 {
            d.field(
                &format!("Question {i}"),
                "An answer long enough to wrap onto a second line of the page, at least.",
            );
        }
        let bytes = d.render();
        assert!(bytes.starts_with(b"%PDF-"));
        let s = String::from_utf8_lossy(&bytes);
        assert!(s.contains("(Page 1 of "));
        assert_eq!(parse_colour("#ffffff"), (1.0, 1.0, 1.0));
        assert_eq!(parse_colour("bad"), (0.12, 0.16, 0.27));
    }
}
