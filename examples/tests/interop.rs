//! The example app driven by the official Python and TypeScript SDK clients
//! (`scripts/interop`, which installs them under `target/interop` on first run).

#[test]
#[ignore = "installs the Python and TypeScript SDK clients; run with --include-ignored"]
fn python_and_typescript_sdk_clients() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let status = std::process::Command::new(format!("{root}/scripts/interop"))
        .env("ITEMS_API_BIN", env!("CARGO_BIN_EXE_items-api"))
        .status()
        .expect("scripts/interop runs");
    assert!(status.success(), "scripts/interop failed: {status}");
}
