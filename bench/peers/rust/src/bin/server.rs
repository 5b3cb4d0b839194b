//! Local HTTP server (axum on hyper): `server PORT WORKERS`, on 127.0.0.1,
//! with WORKERS tokio worker threads.
use std::env;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: server PORT WORKERS");
        std::process::exit(2);
    }
    let port: u16 = args[1].parse().expect("PORT is a number");
    let workers: usize = args[2].parse().expect("WORKERS is a number");
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()?
        .block_on(async {
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
            axum::serve(listener, cgate_bench_peers::app()).await
        })
}
