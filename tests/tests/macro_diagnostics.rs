//! `#[mcp_tool]` at compile time: every supported handler shape compiles,
//! and every misuse is a compile error spanned on the offending tokens with
//! a `help:` line (`tests/ui/fail/*.stderr`).
//!
//! Refresh the `.stderr` snapshots with `TRYBUILD=overwrite`. They record
//! rustc's exact output, which changes between compiler releases, so they are
//! compared only on the toolchain they were made with (as actix-web-codegen
//! does); the `pass` cases run on every toolchain.

/// The compiler release the `.stderr` files were written by.
const SNAPSHOT_RUSTC: &str = "rustc 1.95.";

#[test]
fn macro_diagnostics() {
    let t = trybuild::TestCases::new();
    t.pass("ui/pass/*.rs");
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = std::process::Command::new(rustc)
        .arg("-V")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    if version.starts_with(SNAPSHOT_RUSTC) {
        t.compile_fail("ui/fail/*.rs");
    } else {
        eprintln!("compile_fail snapshots are for {SNAPSHOT_RUSTC}x; skipped on {version}");
    }
}
