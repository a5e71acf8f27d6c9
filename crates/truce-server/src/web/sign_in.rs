//! The sign-in page. The form posts to `POST /api/v1/session` from the
//! page's script (so the answer's CSRF token can be kept for the session's
//! later requests); without a script it cannot sign in, and says so.

use super::i18n::Lang;
use super::layout::{Shell, page};
use super::page_caller;
use crate::api::auth::Caller;
use crate::{AppState, Problem};
use axum::Router;
use axum::routing::get;
use maud::{Markup, html};

pub fn routes() -> Router<AppState> {
    Router::new().route("/sign-in", get(sign_in))
}

async fn sign_in(Lang(lang): Lang, caller: Result<Caller, Problem>) -> Markup {
    let caller = page_caller(caller);
    let content = html! {
        h1 { (lang.t("sign_in.heading")) }
        form #sign-in.form method="post" action="/api/v1/session"
            data-failed=(lang.t("sign_in.failed")) data-next={ "/?lang=" (lang.code) } {
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
