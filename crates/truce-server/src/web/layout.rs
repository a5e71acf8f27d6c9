//! The page shell: language and direction, the navigation, the skip link,
//! the styles and scripts (all served from the binary), and the footer
//! naming the checkpoint the page was read at.

use super::i18n::{self, Catalogue};
use crate::api::auth::Caller;
use maud::{DOCTYPE, Markup, html};
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

pub fn page(shell: &Shell, content: Markup) -> Markup {
    let lang = shell.lang;
    html! {
        (DOCTYPE)
        html lang=(lang.code) dir=(lang.dir) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                link rel="icon" href="data:,";
                title { (shell.title) " · " (lang.t("site.title")) }
                link rel="stylesheet" href="/assets/vendor/leaflet-1.9.4/leaflet.css";
                link rel="stylesheet" href="/assets/vendor/leaflet.markercluster-1.5.3/MarkerCluster.css";
                link rel="stylesheet" href="/assets/vendor/leaflet.markercluster-1.5.3/MarkerCluster.Default.css";
                link rel="stylesheet" href="/assets/truce.css";
                script defer src="/assets/vendor/leaflet-1.9.4/leaflet.js" {}
                script defer src="/assets/vendor/leaflet.markercluster-1.5.3/leaflet.markercluster.js" {}
                script defer src="/assets/truce.js" {}
                script defer src="/assets/bulletins.js" {}
            }
            body {
                a.skip href="#content" { (lang.t("site.skip")) }
                header.site {
                    a.brand href={ "/?lang=" (lang.code) } { "truce" }
                    nav aria-label=(lang.t("nav.public")) {
                        a href={ "/?lang=" (lang.code) } { (lang.t("nav.public")) }
                        a href={ "/incidents?lang=" (lang.code) } { (lang.t("nav.incidents")) }
                        a href={ "/bulletins?lang=" (lang.code) } { (lang.t("nav.bulletins")) }
                        @match &shell.caller.user {
                            Some(user) => {
                                span.who { (lang.f("sign_in.signed_in", &[("name", user.name.as_str()), ("role", &user.role.to_string())])) }
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
                main #content tabindex="-1" { (content) }
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
