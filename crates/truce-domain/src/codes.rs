//! Codes: short, stable names for the actors and rules of an agreement
//! (`AFG`, `PAK`, `QAT`, `ACT-AIRSTRIKE`). Upper-case ASCII letters, digits
//! and hyphens, 2 to 32 of them, starting with a letter.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Code(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a code: 2 to 32 upper-case letters, digits or hyphens, starting with a letter")]
pub struct BadCode(pub String);

impl Code {
    pub fn parse(text: &str) -> Result<Code, BadCode> {
        let valid = (2..=32).contains(&text.len())
            && text.starts_with(|c: char| c.is_ascii_uppercase())
            && text
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-');
        if valid {
            Ok(Code(text.to_string()))
        } else {
            Err(BadCode(text.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Code {
    type Error = BadCode;
    fn try_from(text: String) -> Result<Code, BadCode> {
        Code::parse(&text)
    }
}

impl From<Code> for String {
    fn from(code: Code) -> String {
        code.0
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_short_upper_case_names() {
        for good in ["AFG", "PAK", "ACT-AIRSTRIKE", "Z1"] {
            assert!(Code::parse(good).is_ok(), "{good}");
        }
        for bad in ["", "A", "afg", "1AB", "AF G", "-AB", &"A".repeat(33)] {
            assert!(Code::parse(bad).is_err(), "{bad}");
        }
    }
}
