//! The example app and the conformance fixture driven by every official
//! peer — the Python and TypeScript SDK clients, MCP Inspector, mcp-remote
//! and both conformance suites — through `scripts/interop`, which installs
//! them under `target/peers` on first run (`scripts/peers`).

#[test]
#[ignore = "installs the official MCP peers (npm, PyPI); run with --include-ignored"]
fn every_official_peer_against_the_example_and_the_conformance_fixture() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let status = std::process::Command::new(format!("{root}/scripts/interop"))
        .env("ITEMS_API_BIN", env!("CARGO_BIN_EXE_items-api"))
        .env("ITEMS_STDIO_BIN", env!("CARGO_BIN_EXE_items-stdio"))
        .status()
        .expect("scripts/interop runs");
    assert!(status.success(), "scripts/interop failed: {status}");
}
