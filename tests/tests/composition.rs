//! Several domain apps as one MCP server: each a scope with its own
//! middleware and data, both naming a handler `list`; per-module prefixes
//! namespace the tools, and each call goes through its own domain's scope.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::{Next, from_fn};
use actix_web::{App, Error, HttpMessage as _, web};
use mcp_runtime::error::Problem;
use mcp_tests::{TestServer, call, text};
use serde_json::json;

/// Which domain's middleware saw the request.
#[derive(Clone)]
struct Domain(&'static str);

async fn mark_inventory(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    req.extensions_mut().insert(Domain("inventory middleware"));
    next.call(req).await
}

async fn mark_orders(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    req.extensions_mut().insert(Domain("orders middleware"));
    next.call(req).await
}

mod inventory {
    use actix_web::{get, web};
    use mcp_runtime::mcp_tool;

    pub struct Warehouse(pub &'static str);

    /// List the stock.
    #[mcp_tool]
    #[get("")]
    async fn list(domain: web::ReqData<super::Domain>, warehouse: web::Data<Warehouse>) -> String {
        format!("stock of {} via {}", warehouse.0, domain.0)
    }

    pub fn configure(cfg: &mut web::ServiceConfig) {
        cfg.service(list);
    }

    /// How to count stock.
    #[mcp_runtime::mcp_prompt]
    async fn guide() -> &'static str {
        "Count every shelf."
    }
}

mod orders {
    use actix_web::{get, web};
    use mcp_runtime::mcp_tool;

    pub struct Book(pub &'static str);

    /// List the orders.
    #[mcp_tool]
    #[get("")]
    async fn list(domain: web::ReqData<super::Domain>, book: web::Data<Book>) -> String {
        format!("orders in {} via {}", book.0, domain.0)
    }

    pub fn configure(cfg: &mut web::ServiceConfig) {
        cfg.service(list);
    }

    /// How to take an order.
    #[mcp_runtime::mcp_prompt]
    async fn guide() -> &'static str {
        "Read it back."
    }
}

fn composed() -> mcp_runtime::McpServerBuilder {
    mcp_tests::registry()
        .prefix_module("composition::inventory", "inventory_")
        .prefix_module("composition::orders", "orders_")
}

#[test]
fn without_prefixes_the_two_lists_collide_with_both_locations() {
    let e = mcp_tests::registry().build().err().expect("a duplicate");
    let locations = e.problems().iter().find_map(|p| match p {
        Problem::DuplicateName {
            name: "list",
            locations,
            ..
        } => Some(locations.len()),
        _ => None,
    });
    assert_eq!(locations, Some(2), "{e}");
}

#[tokio::test]
async fn each_domain_is_its_own_app_behind_one_server() {
    let mcp = composed().build().expect("prefixes keep the names apart");
    let names: Vec<&str> = mcp.tool_names().collect();
    assert!(
        names.contains(&"inventory_list") && names.contains(&"orders_list"),
        "{names:?}"
    );
    let server = TestServer::start_app(move || {
        mcp.app(
            App::new()
                .service(
                    web::scope("/inventory")
                        .wrap(from_fn(mark_inventory))
                        .app_data(web::Data::new(inventory::Warehouse("the north warehouse")))
                        .configure(inventory::configure),
                )
                .service(
                    web::scope("/orders")
                        .wrap(from_fn(mark_orders))
                        .app_data(web::Data::new(orders::Book("the order book")))
                        .configure(orders::configure),
                )
                .service(mcp.scope("/mcp")),
        )
    });
    let client = server.client().await;
    // Each domain's prompt under its prefix too.
    for (name, says) in [
        ("inventory_guide", "Count every shelf."),
        ("orders_guide", "Read it back."),
    ] {
        let got = client
            .get_prompt(rmcp::model::GetPromptRequestParams::new(name))
            .await
            .expect("gets the prompt");
        assert!(format!("{got:?}").contains(says), "{name}: {got:?}");
    }
    let result = call(&client, "inventory_list", json!({})).await;
    assert_eq!(
        text(&result),
        "stock of the north warehouse via inventory middleware"
    );
    let result = call(&client, "orders_list", json!({})).await;
    assert_eq!(
        text(&result),
        "orders in the order book via orders middleware"
    );
}

/// Filters run before duplicate names are looked for: leaving one domain
/// out leaves one `list`, which needs no prefix.
#[test]
fn a_filter_that_leaves_one_list_out_resolves_the_duplicate() {
    let mcp = mcp_tests::registry()
        .filter(mcp_runtime::config::Filter::new().exclude_modules(["composition::orders"]))
        .build()
        .expect("one `list` left");
    let names: Vec<&str> = mcp.tool_names().collect();
    assert!(names.contains(&"list"), "{names:?}");
}
