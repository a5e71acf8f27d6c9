//! The message catalogue: every string the web interface shows a user, by
//! key, one TOML file a locale (`crates/truce-server/locales/`), English the
//! reference. A locale lacking a key falls back to English (a test keeps
//! every shipped locale complete). The locale of a request is its `lang`
//! query parameter, else its `truce_lang` cookie, else the first of its
//! `Accept-Language` that is shipped, else English.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::LazyLock;

/// The shipped locales: (code, TOML).
const SOURCES: [(&str, &str); 2] = [
    ("en", include_str!("../../locales/en.toml")),
    ("ar", include_str!("../../locales/ar.toml")),
];

#[derive(Deserialize)]
struct File {
    meta: Meta,
    messages: HashMap<String, String>,
}

#[derive(Deserialize)]
struct Meta {
    name: String,
    dir: String,
}

/// One locale's messages.
pub struct Catalogue {
    pub code: &'static str,
    /// The language's name, in itself.
    pub name: String,
    /// `ltr` or `rtl`.
    pub dir: &'static str,
    messages: HashMap<String, String>,
}

static CATALOGUES: LazyLock<Vec<Catalogue>> = LazyLock::new(|| {
    SOURCES
        .iter()
        .map(|(code, text)| {
            // The catalogues are part of the binary: one that does not parse is a build mistake, caught by the tests.
            let file: File = toml::from_str(text).unwrap_or_else(|e| panic!("locales/{code}.toml: {e}"));
            Catalogue {
                code,
                name: file.meta.name,
                dir: if file.meta.dir == "rtl" { "rtl" } else { "ltr" },
                messages: file.messages,
            }
        })
        .collect()
});

/// Every shipped locale, English first.
pub fn all() -> &'static [Catalogue] {
    &CATALOGUES
}

/// The locale `code`, if shipped.
pub fn find(code: &str) -> Option<&'static Catalogue> {
    all().iter().find(|c| c.code == code)
}

fn english() -> &'static Catalogue {
    &all()[0]
}

impl Catalogue {
    /// The message `key`; English if this locale lacks it; the key itself if English does too.
    pub fn t<'a>(&'a self, key: &'a str) -> &'a str {
        self.messages
            .get(key)
            .or_else(|| english().messages.get(key))
            .map_or(key, String::as_str)
    }

    /// The message `key` with each `{name}` replaced by its value.
    pub fn f(&self, key: &str, values: &[(&str, &str)]) -> String {
        let mut text = self.t(key).to_string();
        for (name, value) in values {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }

    /// The keys of this locale.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.messages.keys().map(String::as_str)
    }
}

/// The locale of a request.
pub struct Lang(pub &'static Catalogue);

/// The cookie that remembers a chosen language.
pub const LANG_COOKIE: &str = "truce_lang";

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Lang, Self::Rejection> {
        let from_query = parts.uri.query().and_then(|query| {
            query
                .split('&')
                .find_map(|pair| pair.strip_prefix("lang="))
                .and_then(find)
        });
        let from_cookie = || {
            parts
                .headers
                .get_all(header::COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(';'))
                .find_map(|pair| pair.trim().strip_prefix(LANG_COOKIE).and_then(|r| r.strip_prefix('=')))
                .and_then(find)
        };
        let from_header = || {
            parts
                .headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| {
                    v.split(',')
                        .map(|tag| tag.split(';').next().unwrap_or_default().trim())
                        .find_map(|tag| find(tag.split('-').next().unwrap_or_default()))
                })
        };
        Ok(Lang(
            from_query
                .or_else(from_cookie)
                .or_else(from_header)
                .unwrap_or_else(english),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_locale_has_exactly_the_english_keys() {
        let english: std::collections::BTreeSet<&str> = english().keys().collect();
        assert!(english.len() > 20);
        for catalogue in all() {
            let keys: std::collections::BTreeSet<&str> = catalogue.keys().collect();
            let missing: Vec<_> = english.difference(&keys).collect();
            let extra: Vec<_> = keys.difference(&english).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{}: missing {missing:?}, extra {extra:?}",
                catalogue.code
            );
        }
    }

    #[test]
    fn one_locale_is_right_to_left_and_placeholders_are_filled() {
        assert_eq!(find("ar").unwrap().dir, "rtl");
        assert_eq!(find("en").unwrap().dir, "ltr");
        assert_eq!(find("en").unwrap().f("map.incident", &[("id", "7")]), "Incident 7");
        assert_eq!(find("en").unwrap().t("no.such.key"), "no.such.key");
    }
}
