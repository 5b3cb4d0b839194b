//! The application every Rust peer serves: GET /api/health answers
//! {"status":"healthy"} as application/json, as the items app does; and
//! POST /api/echo-size answers {"bytes":N}, N the length of the request's
//! body, as bench/lambda/echo_size.c does (the event-size curve,
//! bench/curves/event_size.py).
use axum::{
    body::Bytes,
    extract::DefaultBodyLimit,
    routing::{get, post},
    Json, Router,
};
use serde_json::{json, Value};

/// Lambda's limit on a synchronous event; axum's default would refuse
/// bodies over 2 MB with a 413.
const MAX_BODY: usize = 6 * 1024 * 1024;

async fn health() -> Json<Value> {
    Json(json!({ "status": "healthy" }))
}

async fn echo_size(body: Bytes) -> Json<Value> {
    Json(json!({ "bytes": body.len() }))
}

pub fn app() -> Router {
    Router::new().route("/api/health", get(health)).route(
        "/api/echo-size",
        post(echo_size).layer(DefaultBodyLimit::max(MAX_BODY)),
    )
}
