# The Rust and Go peers (bench/peers/), as bench/run.sh and bench/lambda/run.sh
# find them: sourced by both, from the repository's root. The Makefile's
# `bench` target builds them where cargo and go are installed.
RUST_PEERS=build/bench-rust/release # lambda, lambda_current_thread, server
GO_PEER=build/bench-go/peer         # `peer lambda`, `peer serve PORT WORKERS`

# peer_skipped rust|go: why that language's peers are not benchmarked, or
# nothing when they are built.
peer_skipped() {
    case $1 in
    rust) [ -x "$RUST_PEERS/lambda" ] && [ -x "$RUST_PEERS/lambda_current_thread" ] && [ -x "$RUST_PEERS/server" ] && return
        tool=cargo ;;
    go) [ -x "$GO_PEER" ] && return
        tool=go ;;
    esac
    if command -v "$tool" >/dev/null; then
        echo "skipped: not built (make bench builds it)"
    else
        echo "skipped: $tool not found"
    fi
}

# A crate's version in Cargo.lock, a module's in go.mod.
crate_version() {
    awk -v n="name = \"$1\"" '$0 == n { getline; gsub(/version = |"/, ""); print; exit }' bench/peers/rust/Cargo.lock
}

go_module_version() {
    awk -v m="$1" '$1 == m { print $2 }' bench/peers/go/go.mod
}
