//! The OpenAPI 3.1 document of the JSON API, generated from the handlers'
//! annotations and the request types themselves, served at
//! `/api/v1/openapi.json`.

use super::{
    bulletins, events, evidence, exports, incidents, openings, receipt, reports, session, status, verification,
    webhooks,
};
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "truce",
        description = "The monitoring and verification mechanism of a mediated ceasefire: reports, incidents, verification, determinations, penalties and status. Errors are RFC 9457 problem documents.",
    ),
    paths(
        reports::file_report,
        reports::sealed,
        evidence::upload,
        evidence::download,
        incidents::list,
        incidents::one,
        exports::export,
        verification::review,
        verification::task,
        verification::findings,
        verification::reply_request,
        verification::reply,
        verification::determination,
        verification::approval,
        verification::urgency,
        verification::finalization,
        verification::statement,
        verification::appeal,
        verification::penalty_approval,
        verification::compliance,
        status::status,
        status::cards,
        status::penalties,
        bulletins::publish,
        bulletins::list,
        bulletins::one,
        session::sign_in,
        session::who,
        session::sign_out,
        events::stream,
        webhooks::register,
        webhooks::list,
        webhooks::remove,
        openings::one,
        openings::range,
    ),
    components(schemas(receipt::Receipt, receipt::ReceiptUpgrade, receipt::Submitted, crate::Problem)),
    modifiers(&BearerAuth)
)]
pub struct Document;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The document as served.
pub fn document() -> utoipa::openapi::OpenApi {
    Document::openapi()
}
