//! The sign-in page. The form posts to `POST /api/v1/session` from the
//! page's script (so the answer's CSRF token can be kept for the session's
//! later requests); without a script it cannot sign in, and says so.

use super::i18n::Lang;
use super::layout::{Shell, page};
use super::page_caller;
use crate::api::auth::Caller;
use crate::{AppState, Problem};
use axum::Router;
use axum::extract::Query;
use axum::routing::get;
use maud::{Markup, html};

pub fn routes() -> Router<AppState> {
    Router::new().route("/sign-in", get(sign_in))
}

#[derive(serde::Deserialize)]
struct Next {
    next: Option<String>,
}

/// Where to go after signing in: the page that sent the reader here if it
/// is a path of this site, else the dashboard. Anything that a browser
/// could read as another host (`//host`, `/\host`, a scheme, a control
/// character such as a tab that browsers drop) is refused.
fn next_page(next: Option<&str>, lang: &str) -> String {
    let dashboard = format!("/dashboard?lang={lang}");
    let Some(next) = next else { return dashboard };
    let safe = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(|c| c.is_control() || c.is_whitespace());
    if safe { next.to_string() } else { dashboard }
}

async fn sign_in(Lang(lang): Lang, caller: Result<Caller, Problem>, Query(Next { next }): Query<Next>) -> Markup {
    let caller = page_caller(caller);
    let next = next_page(next.as_deref(), lang.code);
    let content = html! {
        h1 { (lang.t("sign_in.heading")) }
        form #sign-in.form method="post" action="/api/v1/session"
            data-failed=(lang.t("sign_in.failed")) data-next=(next) {
            label for="name" { (lang.t("sign_in.name")) }
            input #name name="name" type="text" autocomplete="username" required;
            label for="password" { (lang.t("sign_in.password")) }
            input #password name="password" type="password" autocomplete="current-password" required;
            button type="submit" { (lang.t("sign_in.submit")) }
            p #sign-in-error.error role="alert" aria-live="assertive" {}
        }
    };
    let shell = Shell {
        lang,
        caller: &caller,
        title: lang.t("sign_in.heading"),
        path: "/sign-in",
        checkpoint: None,
    };
    page(&shell, content)
}

#[cfg(test)]
mod tests {
    use super::next_page;

    #[test]
    fn only_this_sites_paths_are_followed() {
        let check = |next: &str, expected: &str| assert_eq!(next_page(Some(next), "en"), expected, "{next:?}");
        check("/inbox?lang=en", "/inbox?lang=en");
        check("/incidents/3", "/incidents/3");
        for bad in [
            "//evil.example/",
            "/\\evil.example",
            "https://evil.example/",
            "/\t/evil.example",
            "/ x",
            "inbox",
        ] {
            check(bad, "/dashboard?lang=en");
        }
        assert_eq!(next_page(None, "ar"), "/dashboard?lang=ar");
    }
}
