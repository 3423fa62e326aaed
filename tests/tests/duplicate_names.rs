//! Two tools with one name in the same binary fail at start-up, naming both
//! definitions, instead of one shadowing the other at the first call.

mod catalog {
    /// List the catalog.
    #[mcp_runtime::mcp_tool(name = "list")]
    pub async fn list_catalog() -> &'static str {
        "catalog"
    }
}

mod orders {
    /// List the orders.
    #[mcp_runtime::mcp_tool(name = "list")]
    pub async fn list_orders() -> &'static str {
        "orders"
    }
}

#[test]
fn duplicate_tool_names_fail_at_startup_with_both_locations() {
    let err = mcp_runtime::McpServer::from_registry()
        .build()
        .err()
        .expect("duplicate names are refused");
    let message = err.to_string();
    assert!(
        message.contains("tool name `list` is defined 2 times"),
        "{message}"
    );
    let file = "tests/tests/duplicate_names.rs";
    assert!(
        message.contains(&format!(
            "duplicate_names::catalog::list_catalog at {file}:7:"
        )),
        "{message}"
    );
    assert!(
        message.contains(&format!(
            "duplicate_names::orders::list_orders at {file}:15:"
        )),
        "{message}"
    );
    assert!(
        message.contains("help: give each tool a distinct"),
        "{message}"
    );
    assert!(matches!(
        err.problems(),
        [mcp_runtime::Problem::DuplicateName { name: "list", locations, .. }] if locations.len() == 2
    ));
}
