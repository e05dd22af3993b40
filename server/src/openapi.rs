//! The OpenAPI document, generated from the handlers' annotations and the types they return.

use axum::http::StatusCode;
use axum::response::Response;
use utoipa::OpenApi;

use crate::api;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "comply",
        description = "Checks a case's facts against policies written from gazette notices and explains every verdict."
    ),
    paths(api::health, api::policies, api::policy_sheet, api::check, api::plan, api::lint, crate::batch::handler),
    components(schemas(api::ApiError))
)]
struct ApiDoc;

pub fn spec() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

pub async fn document() -> Response {
    api::json_response(StatusCode::OK, spec().to_pretty_json().unwrap_or_default())
}
