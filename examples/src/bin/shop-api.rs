//! Two domain apps, inventory and orders, each a scope with its own
//! middleware and data, served as one MCP server with namespaced tool
//! names: `inventory_list`, `inventory_get`, `orders_list`, `orders_create`.
//! Both domains name their handlers `list`; the prefixes keep them apart.
//!
//! ```text
//! BIND=127.0.0.1:8080 cargo run -p mcp-examples --bin shop-api
//! ```
//!
//! A call to `orders_create` is `POST /orders` through the orders scope: its
//! `X-Domain` header middleware runs and its `Orders` data is there, as for
//! the REST request.

use std::io::Write as _;
use std::net::TcpListener;

use actix_web::middleware::DefaultHeaders;
use actix_web::{App, HttpServer, web};
use mcp_runtime::McpServer;
use mcp_runtime::config::Filter;

/// Stock levels, by SKU.
mod inventory {
    use std::collections::BTreeMap;

    use actix_web::{get, web};
    use mcp_runtime::mcp_tool;

    /// The warehouse's stock: the domain's own data.
    pub struct Stock(pub BTreeMap<String, u32>);

    /// List every SKU with its stock level.
    #[mcp_tool(read_only)]
    #[get("")]
    async fn list(stock: web::Data<Stock>) -> web::Json<BTreeMap<String, u32>> {
        web::Json(stock.0.clone())
    }

    /// The stock level of one SKU.
    #[mcp_tool]
    #[get("/{sku}")]
    async fn get(sku: web::Path<String>, stock: web::Data<Stock>) -> web::Json<Option<u32>> {
        web::Json(stock.0.get(sku.as_str()).copied())
    }

    pub fn configure(cfg: &mut web::ServiceConfig) {
        cfg.service(list).service(get);
    }
}

/// Orders, each for one SKU.
mod orders {
    use std::sync::Mutex;

    use actix_web::{get, post, web};
    use mcp_runtime::mcp_tool;
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    /// An order for some units of one SKU.
    #[derive(Clone, Serialize, Deserialize, JsonSchema)]
    pub struct Order {
        /// What is ordered.
        pub sku: String,
        /// How many.
        pub quantity: u32,
    }

    /// The orders taken: the domain's own data.
    #[derive(Default)]
    pub struct Orders(pub Mutex<Vec<Order>>);

    /// List the orders taken.
    #[mcp_tool(read_only)]
    #[get("")]
    async fn list(orders: web::Data<Orders>) -> web::Json<Vec<Order>> {
        web::Json(orders.0.lock().unwrap_or_else(|p| p.into_inner()).clone())
    }

    /// Take an order.
    #[mcp_tool]
    #[post("")]
    async fn create(order: web::Json<Order>, orders: web::Data<Orders>) -> web::Json<Order> {
        let order = order.into_inner();
        orders
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(order.clone());
        web::Json(order)
    }

    pub fn configure(cfg: &mut web::ServiceConfig) {
        cfg.service(list).service(create);
    }
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let stock = web::Data::new(inventory::Stock(
        [("hammer".to_owned(), 12), ("saw".to_owned(), 3)].into(),
    ));
    let orders = web::Data::new(orders::Orders::default());
    let mcp = McpServer::builder()
        .name("shop")
        .instructions("Inventory and orders of the shop. Tools are prefixed by domain.")
        // This binary also links the items example's library, whose handlers
        // it does not serve: expose this binary's domains only.
        .filter(Filter::new().include_modules([module_path!()]))
        .prefix_module(concat!(module_path!(), "::inventory"), "inventory_")
        .prefix_module(concat!(module_path!(), "::orders"), "orders_")
        .build()
        .map_err(std::io::Error::other)?;
    let listener = TcpListener::bind(mcp_examples::bind_address())?;
    let addr = listener.local_addr()?;
    let server = HttpServer::new(move || {
        mcp.app(
            App::new()
                .service(
                    web::scope("/inventory")
                        .wrap(DefaultHeaders::new().add(("x-domain", "inventory")))
                        .app_data(stock.clone())
                        .configure(inventory::configure),
                )
                .service(
                    web::scope("/orders")
                        .wrap(DefaultHeaders::new().add(("x-domain", "orders")))
                        .app_data(orders.clone())
                        .configure(orders::configure),
                )
                .service(mcp.scope("/mcp")),
        )
    })
    .workers(2)
    .listen(listener)?;
    // Last, the MCP URL on a line of its own, for scripts.
    let banner = format!(
        "REST API:     http://{addr}/inventory, http://{addr}/orders\n\
         MCP endpoint: http://{addr}/mcp\nhttp://{addr}/mcp\n"
    );
    let mut stdout = std::io::stdout();
    let _ = stdout
        .write_all(banner.as_bytes())
        .and_then(|()| stdout.flush());
    server.run().await
}
