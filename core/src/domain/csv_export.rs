//! CSV for downloads (member export, run report) that is safe to open in Excel.
//!
//! Formula injection: a cell starting with `=`, `+`, `-`, `@`, TAB or CR may be run as a formula
//! by spreadsheet programs; such a cell gets a leading `'`, which Excel shows as text
//! (OWASP, "CSV Injection": <https://owasp.org/www-community/attacks/CSV_Injection>).
//! Quoting follows RFC 4180: a cell with the delimiter, a quote, CR or LF is enclosed in double
//! quotes and inner quotes are doubled. Lines end in CRLF and the file starts with a UTF-8 BOM
//! so Excel reads accents and CJK correctly.

use std::borrow::Cow;

/// Characters that make a spreadsheet treat a cell as a formula.
const FORMULA_TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Neutralises a cell against formula injection.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some(c) if FORMULA_TRIGGERS.contains(&c) => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportOptions {
    /// `b','` (default) or `b';'` for Excel with a Dutch/European list separator.
    pub delimiter: u8,
    /// Start with a UTF-8 byte-order mark (default: yes, for Excel).
    pub bom: bool,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions {
            delimiter: b',',
            bom: true,
        }
    }
}

/// Builds a CSV document in memory. Hand-written rather than `csv::Writer`: writing is a few
/// lines, and it keeps the writer's error plumbing out of the WebAssembly bundle.
pub struct CsvExport {
    out: String,
    delimiter: char,
}

impl CsvExport {
    pub fn new(options: ExportOptions) -> Self {
        let mut out = String::new();
        if options.bom {
            out.push('\u{FEFF}');
        }
        CsvExport {
            out,
            delimiter: char::from(options.delimiter),
        }
    }

    /// Writes one record; every cell is neutralised, then quoted when needed.
    pub fn record<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for (i, cell) in cells.into_iter().enumerate() {
            if i > 0 {
                self.out.push(self.delimiter);
            }
            let cell = neutralise(cell.as_ref());
            let needs_quotes = cell
                .chars()
                .any(|c| c == self.delimiter || matches!(c, '"' | '\r' | '\n'));
            if needs_quotes {
                self.out.push('"');
                for c in cell.chars() {
                    if c == '"' {
                        self.out.push('"');
                    }
                    self.out.push(c);
                }
                self.out.push('"');
            } else {
                self.out.push_str(&cell);
            }
        }
        self.out.push_str("\r\n");
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// A header and rows in one call.
pub fn to_csv<R, S>(header: &[&str], rows: R, options: ExportOptions) -> String
where
    R: IntoIterator,
    R::Item: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut out = CsvExport::new(options);
    out.record(header);
    for row in rows {
        out.record(row);
    }
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutralises_formula_starts() {
        for (input, expected) in [
            (
                "=HYPERLINK(\"http://evil\",\"x\")",
                "'=HYPERLINK(\"http://evil\",\"x\")",
            ),
            ("+31 20 123", "'+31 20 123"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tcmd", "'\tcmd"),
            ("\r=1", "'\r=1"),
            ("Jan = de Vries", "Jan = de Vries"),
            ("", ""),
            ("'already", "'already"),
        ] {
            assert_eq!(neutralise(input), expected, "{input:?}");
        }
    }

    #[test]
    fn quotes_and_neutralises_in_documents() {
        let csv = to_csv(
            &["Name", "Address"],
            vec![
                vec!["de Vries, Jan", "jan@partner.nl"],
                vec!["=cmd|' /C calc'!A0", "x@y.nl"],
                vec!["Say \"hi\"\nthere", "z@y.nl"],
                vec!["Zoë 李 😀", "ü@x.de"],
            ],
            ExportOptions::default(),
        );
        assert_eq!(
            csv,
            "\u{FEFF}Name,Address\r\n\"de Vries, Jan\",jan@partner.nl\r\n'=cmd|' /C calc'!A0,x@y.nl\r\n\"Say \"\"hi\"\"\nthere\",z@y.nl\r\nZoë 李 😀,ü@x.de\r\n"
        );
    }

    #[test]
    fn generated_cells_read_back_exactly_apart_from_the_neutralising_quote() {
        let alphabet = [
            'a', ',', ';', '"', '\n', '\r', '=', '+', '-', '@', '\t', ' ', 'é', '\'',
        ];
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for delimiter in [b',', b';'] {
            let rows: Vec<Vec<String>> = (0..500)
                .map(|_| {
                    (0..3)
                        .map(|_| {
                            let len = (next() % 8) as usize;
                            (0..len)
                                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                                .collect()
                        })
                        .collect()
                })
                .collect();
            let csv = to_csv(
                &["a", "b", "c"],
                rows.iter(),
                ExportOptions {
                    delimiter,
                    bom: false,
                },
            );
            let mut r = csv::ReaderBuilder::new()
                .delimiter(delimiter)
                .from_reader(csv.as_bytes());
            let back: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
            assert_eq!(back.len(), rows.len());
            for (row, rec) in rows.iter().zip(&back) {
                for (cell, got) in row.iter().zip(rec.iter()) {
                    assert_eq!(got, neutralise(cell), "cell {cell:?}");
                    assert!(
                        !got.starts_with(FORMULA_TRIGGERS),
                        "{got:?} not neutralised"
                    );
                }
            }
        }
    }

    #[test]
    fn semicolon_without_bom_and_reads_back() {
        let csv = to_csv(
            &["a", "b"],
            vec![vec!["1;2", "-3"], vec!["x", ""]],
            ExportOptions {
                delimiter: b';',
                bom: false,
            },
        );
        assert_eq!(csv, "a;b\r\n\"1;2\";'-3\r\nx;\r\n");
        let mut r = csv::ReaderBuilder::new()
            .delimiter(b';')
            .from_reader(csv.as_bytes());
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!(&rows[0][0], "1;2");
        assert_eq!(&rows[0][1], "'-3");
    }
}
