//! CSV cells that a spreadsheet would run as a formula (OWASP's "CSV
//! injection"): a text cell starting with `=`, `+`, `-`, `@`, a tab or a
//! carriage return is written with a `'` before it, which spreadsheets show
//! as text and do not evaluate. A cell that already starts with `'` gets
//! one more, so [`restore`] undoes [`neutralise`] exactly and truce's own
//! imports read back what was exported.

use std::borrow::Cow;

/// The characters that make a spreadsheet read a cell as a formula, and the quote that escapes them.
fn needs_quote(first: char) -> bool {
    matches!(first, '=' | '+' | '-' | '@' | '\t' | '\r' | '\'')
}

/// A text cell as it may be written to CSV.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some(first) if needs_quote(first) => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// The cell [`neutralise`] was given.
pub fn restore(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.chars().next().is_some_and(needs_quote) => rest,
        _ => cell,
    }
}

/// Every cell of a record read from CSV, restored.
pub fn restore_record(record: &csv::StringRecord) -> csv::StringRecord {
    let mut restored = csv::StringRecord::with_capacity(record.as_slice().len(), record.len());
    for cell in record {
        restored.push_field(restore(cell));
    }
    restored.set_position(record.position().cloned());
    restored
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formulas_are_quoted_and_plain_text_is_not() {
        for (cell, written) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+1", "'+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("'quoted", "''quoted"),
            ("Pakistani artillery", "Pakistani artillery"),
            ("", ""),
            ("a=b", "a=b"),
        ] {
            assert_eq!(neutralise(cell), written, "{cell:?}");
            assert_eq!(restore(written), cell, "{written:?}");
        }
    }

    proptest! {
        #[test]
        fn restore_undoes_neutralise(cell in any::<String>()) {
            let written = neutralise(&cell);
            prop_assert!(!written.starts_with(['=', '+', '-', '@', '\t', '\r']));
            prop_assert_eq!(restore(&written), cell.as_str());
        }
    }
}
