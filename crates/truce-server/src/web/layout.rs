//! The page shell: language and direction, the navigation, the skip link,
//! the styles and scripts (all served from the binary), and the footer
//! naming the checkpoint the page was read at.

use super::i18n::{self, Catalogue};
use crate::api::auth::Caller;
use maud::{DOCTYPE, Markup, html};
use truce_domain::access::{Action, permits};
use truce_domain::role::Role;
use truce_store::StoredCheckpoint;

/// What every page needs besides its content.
pub struct Shell<'a> {
    pub lang: &'static Catalogue,
    pub caller: &'a Caller,
    /// The page's own title (before the site's).
    pub title: &'a str,
    /// The path of the page, for the language links.
    pub path: &'a str,
    pub checkpoint: Option<&'a StoredCheckpoint>,
}

/// A page whose footer names the latest checkpoint: what it shows was read at or after it.
pub fn page_at_checkpoint(
    api: &crate::Api,
    lang: &'static Catalogue,
    caller: &Caller,
    title: &str,
    path: &str,
    content: Markup,
) -> Markup {
    let checkpoint = api.engine.latest_checkpoint();
    let shell = Shell {
        lang,
        caller,
        title,
        path,
        checkpoint: Some(&checkpoint),
    };
    page(&shell, content)
}

/// A role as the reader's language says it: "mediator for QAT".
pub fn role_name(lang: &Catalogue, role: &Role) -> String {
    let key = format!("role.{}", role.name());
    let name = lang.t(&key);
    match role.affiliation() {
        Some(code) => lang.f("role.for", &[("role", name), ("code", code.as_str())]),
        None => name.to_string(),
    }
}

/// The pages of the signed-in user's role: what it works from.
fn role_links(lang: &Catalogue, role: &Role) -> Markup {
    let code = lang.code;
    html! {
        a href={ "/dashboard?lang=" (code) } { (lang.t("nav.dashboard")) }
        @if permits(role, Action::FileReport) {
            a href={ "/report?lang=" (code) } { (lang.t("nav.report")) }
        }
        @if matches!(role, Role::Party(_)) {
            a href={ "/inbox?lang=" (code) } { (lang.t("nav.inbox")) }
        }
        @if matches!(role, Role::Mediator(_)) {
            a href={ "/queue?lang=" (code) } { (lang.t("nav.queue")) }
        }
        a href={ "/penalties?lang=" (code) } { (lang.t("nav.penalties")) }
    }
}

pub fn page(shell: &Shell, content: Markup) -> Markup {
    let lang = shell.lang;
    html! {
        (DOCTYPE)
        html lang=(lang.code) dir=(lang.dir) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                link rel="icon" href="data:,";
                @if let Some(csrf) = &shell.caller.csrf {
                    meta name="csrf-token" content=(csrf);
                }
                title { (shell.title) " · " (lang.t("site.title")) }
                link rel="stylesheet" href="/assets/vendor/leaflet-1.9.4/leaflet.css";
                link rel="stylesheet" href="/assets/vendor/leaflet.markercluster-1.5.3/MarkerCluster.css";
                link rel="stylesheet" href="/assets/vendor/leaflet.markercluster-1.5.3/MarkerCluster.Default.css";
                link rel="stylesheet" href="/assets/truce.css";
                script defer src="/assets/vendor/leaflet-1.9.4/leaflet.js" {}
                script defer src="/assets/vendor/leaflet.markercluster-1.5.3/leaflet.markercluster.js" {}
                script defer src="/assets/truce.js" {}
                script defer src="/assets/bulletins.js" {}
                script defer src="/assets/report.js" {}
                // Does nothing but on the log explorer; cached for a day like every asset.
                script defer src="/assets/log-explorer.js" {}
            }
            body {
                a.skip href="#content" { (lang.t("site.skip")) }
                header.site {
                    a.brand href={ "/?lang=" (lang.code) } { "truce" }
                    nav aria-label=(lang.t("nav.public")) {
                        a href={ "/?lang=" (lang.code) } { (lang.t("nav.public")) }
                        a href={ "/incidents?lang=" (lang.code) } { (lang.t("nav.incidents")) }
                        a href={ "/bulletins?lang=" (lang.code) } { (lang.t("nav.bulletins")) }
                        a href={ "/log?lang=" (lang.code) } { (lang.t("nav.log")) }
                        @match &shell.caller.user {
                            Some(user) => {
                                (role_links(lang, &user.role))
                                span.who { (lang.f("sign_in.signed_in", &[("name", user.name.as_str()), ("role", &role_name(lang, &user.role))])) }
                                button.link type="button" data-action="sign-out" { (lang.t("nav.sign_out")) }
                            }
                            None => {
                                a href={ "/sign-in?lang=" (lang.code) } { (lang.t("nav.sign_in")) }
                            }
                        }
                    }
                    nav.languages aria-label=(lang.t("nav.language")) {
                        @for other in i18n::all() {
                            a href={ (shell.path) "?lang=" (other.code) } lang=(other.code) hreflang=(other.code)
                                aria-current=[(other.code == lang.code).then_some("true")] { (other.name) }
                        }
                    }
                }
                main #content tabindex="-1" {
                    p #flash.flash role="status" hidden {}
                    (content)
                }
                footer.site {
                    @if let Some(checkpoint) = shell.checkpoint {
                        p.checkpoint {
                            (lang.f("front.checkpoint", &[
                                ("size", &checkpoint.size.to_string()),
                                ("root", &checkpoint.root.to_string()),
                            ]))
                        }
                    }
                }
            }
        }
    }
}
