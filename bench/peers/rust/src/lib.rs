//! The application every Rust peer serves: GET /api/health answers
//! {"status":"healthy"} as application/json, as the items app does.
use axum::{routing::get, Json, Router};
use serde_json::{json, Value};

async fn health() -> Json<Value> {
    Json(json!({ "status": "healthy" }))
}

pub fn app() -> Router {
    Router::new().route("/api/health", get(health))
}
