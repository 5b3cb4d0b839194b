//! Lambda bootstrap, as in lambda_http's own axum example: `#[tokio::main]`,
//! tokio's default multi-thread runtime.
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_http::run(cgate_bench_peers::app()).await
}
