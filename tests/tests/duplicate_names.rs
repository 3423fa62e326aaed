//! Two tools (or prompts, or resources) with one name in the same binary,
//! or two resources with one URI, fail at start-up, naming both
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

mod prompts {
    /// Summarize, briefly.
    #[mcp_runtime::mcp_prompt(name = "summary")]
    pub async fn short_summary() -> &'static str {
        "briefly"
    }

    /// Summarize, at length.
    #[mcp_runtime::mcp_prompt(name = "summary")]
    pub async fn long_summary() -> &'static str {
        "at length"
    }
}

mod resources {
    use actix_web::get;

    /// One URI, two routes.
    #[mcp_runtime::mcp_resource(uri = "docs://readme", name = "readme")]
    #[get("/readme")]
    pub async fn readme() -> &'static str {
        "readme"
    }

    /// The same URI again.
    #[mcp_runtime::mcp_resource(uri = "docs://readme", name = "readme_copy")]
    #[get("/readme-copy")]
    pub async fn readme_copy() -> &'static str {
        "copy"
    }

    /// One name, two URIs.
    #[mcp_runtime::mcp_resource(uri = "docs://changelog", name = "changes")]
    #[get("/changelog")]
    pub async fn changelog() -> &'static str {
        "changelog"
    }

    /// The same name again.
    #[mcp_runtime::mcp_resource(uri = "docs://history", name = "changes")]
    #[get("/history")]
    pub async fn history() -> &'static str {
        "history"
    }
}

#[test]
fn duplicates_fail_at_startup_with_every_location() {
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
            "duplicate_names::catalog::list_catalog at {file}:8:"
        )),
        "{message}"
    );
    assert!(
        message.contains(&format!(
            "duplicate_names::orders::list_orders at {file}:16:"
        )),
        "{message}"
    );
    assert!(
        message.contains("help: give each tool a distinct"),
        "{message}"
    );
    assert!(
        message.contains("prompt name `summary` is defined 2 times"),
        "{message}"
    );
    assert!(
        message.contains("help: give each prompt a distinct `#[mcp_prompt(name = \"...\")]`"),
        "{message}"
    );
    assert!(
        message.contains("resource URI `docs://readme` is defined 2 times"),
        "{message}"
    );
    assert!(
        message.contains("resource name `changes` is defined 2 times"),
        "{message}"
    );
    use mcp_runtime::error::{ItemKind, Problem};
    let problems = err.problems();
    assert_eq!(problems.len(), 4, "{message}");
    assert!(matches!(
        &problems[0],
        Problem::DuplicateName { kind: ItemKind::Tool, name: "list", locations, .. } if locations.len() == 2
    ));
    assert!(matches!(
        &problems[1],
        Problem::DuplicateName {
            kind: ItemKind::Prompt,
            name: "summary",
            ..
        }
    ));
    assert!(matches!(
        &problems[2],
        Problem::DuplicateUri {
            uri: "docs://readme",
            ..
        }
    ));
    assert!(matches!(
        &problems[3],
        Problem::DuplicateName {
            kind: ItemKind::Resource,
            name: "changes",
            ..
        }
    ));
}
