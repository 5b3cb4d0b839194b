//! The Rust side of the routing curve (bench/curves/routes.py): axum's
//! Router (matchit) as bench/curves/routes_bench.c drives cgate's.
//!
//!     routes static|param ROUTES ROUNDS
//!
//! Builds a Router of ROUTES routes, all static (GET /r/0017/items) or all
//! parameterised (GET /r/0017/items/{id}, id extracted as a u32), then runs
//! ROUNDS rounds of four requests through it with tower's oneshot (no I/O):
//! the first route, the middle one, the last one, and a path no route takes
//! (404). Every answer is checked; exit status 1 on a wrong one. Prints
//! nothing: the script runs it under callgrind for two values of ROUNDS.
use axum::{body::Body, extract::Path, http::Request, routing::get, Router};
use lambda_http::tower::ServiceExt;
use std::process::exit;

const MAX_ROUTES: usize = 9999; // numbered 0000 to 9998: /r/9999 is the miss

async fn ok() -> &'static str {
    "ok"
}

async fn item(Path(_id): Path<u32>) -> &'static str {
    "ok"
}

fn make_router(param: bool, n: usize) -> Router {
    (0..n).fold(Router::new(), |router, i| {
        if param {
            router.route(&format!("/r/{i:04}/items/{{id}}"), get(item))
        } else {
            router.route(&format!("/r/{i:04}/items"), get(ok))
        }
    })
}

/// One request through the router; whether the answer is the expected one.
async fn lookup(router: &Router, path: &str, expect: u16) -> bool {
    let request = Request::get(path)
        .body(Body::empty())
        .expect("a valid request");
    let response = router
        .clone()
        .oneshot(request)
        .await
        .expect("the router is infallible");
    let status = response.status().as_u16();
    let body = axum::body::to_bytes(response.into_body(), 64)
        .await
        .unwrap_or_default();
    let right = status == expect && (expect != 200 || &body[..] == b"ok");
    if !right {
        eprintln!("routes: GET {path} answered {status}, not {expect}");
    }
    right
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let parsed = match args.as_slice() {
        [_, shape, n, rounds] if shape == "static" || shape == "param" => n
            .parse::<usize>()
            .ok()
            .zip(rounds.parse::<u64>().ok())
            .map(|(n, r)| (shape == "param", n, r)),
        _ => None,
    };
    let Some((param, n, rounds)) = parsed.filter(|&(_, n, _)| (1..=MAX_ROUTES).contains(&n)) else {
        eprintln!("usage: routes static|param ROUTES (1 to {MAX_ROUTES}) ROUNDS");
        exit(2);
    };
    let router = make_router(param, n);
    let suffix = if param { "/items/42" } else { "/items" };
    let paths: Vec<String> = [0, n / 2, n - 1, MAX_ROUTES]
        .iter()
        .map(|t| format!("/r/{t:04}{suffix}"))
        .collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let right = runtime.block_on(async {
        for _ in 0..rounds {
            for (k, path) in paths.iter().enumerate() {
                if !lookup(&router, path, if k == 3 { 404 } else { 200 }).await {
                    return false;
                }
            }
        }
        true
    });
    exit(if right { 0 } else { 1 });
}
