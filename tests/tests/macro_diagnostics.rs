//! `#[mcp_tool]` at compile time: every supported handler shape compiles,
//! and every misuse is a compile error spanned on the offending tokens with
//! a `help:` line (`tests/ui/fail/*.stderr`).
//!
//! The `.stderr` snapshots are tied to the pinned toolchain (see
//! `rust-toolchain.toml`); refresh them with `TRYBUILD=overwrite`.

#[test]
fn macro_diagnostics() {
    let t = trybuild::TestCases::new();
    t.pass("ui/pass/*.rs");
    t.compile_fail("ui/fail/*.rs");
}
