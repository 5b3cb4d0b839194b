//! Lambda bootstrap on tokio's current_thread runtime: a Lambda sandbox
//! handles one invocation at a time, so no worker threads are started.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_http::run(cgate_bench_peers::app()).await
}
