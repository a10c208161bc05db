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

/// Builds a CSV document in memory.
pub struct CsvExport {
    writer: csv::Writer<Vec<u8>>,
}

impl CsvExport {
    pub fn new(options: ExportOptions) -> Self {
        let mut buf = Vec::new();
        if options.bom {
            buf.extend_from_slice("\u{FEFF}".as_bytes());
        }
        let writer = csv::WriterBuilder::new()
            .delimiter(options.delimiter)
            .terminator(csv::Terminator::CRLF)
            .quote_style(csv::QuoteStyle::Necessary)
            .flexible(true)
            .from_writer(buf);
        CsvExport { writer }
    }

    /// Writes one record; every cell is neutralised.
    pub fn record<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let cells: Vec<String> = cells
            .into_iter()
            .map(|c| neutralise(c.as_ref()).into_owned())
            .collect();
        // Writing into a Vec can't fail.
        self.writer
            .write_record(&cells)
            .expect("writing CSV into memory");
    }

    pub fn finish(self) -> String {
        let bytes = self.writer.into_inner().expect("flushing CSV into memory");
        String::from_utf8(bytes).expect("CSV of UTF-8 strings is UTF-8")
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
