//! Every `#[mcp_resource]` argument: a static URI, templates with segments
//! (one behind a regex) and a query expansion, GET through `#[route]`,
//! completion functions returning `Vec<String>`, `Vec<&str>` and
//! `Completions`, `crate = ..` through a re-export, `cfg`, computed docs.

mod facade {
    pub use mcp_runtime as rt;
}

use actix_web::{App, HttpResponse, get, route, web};
use mcp_runtime::__private::{ResourceDef, inventory};
use mcp_runtime::{Completion, mcp_resource};
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
struct Item {
    id: u64,
}

struct Db(Vec<u64>);

/// The ids that start with what was typed, from the app's data.
async fn item_ids(c: Completion) -> Vec<String> {
    let Some(db) = c.app_data::<web::Data<Db>>() else {
        return Vec::new();
    };
    db.0.iter()
        .map(u64::to_string)
        .filter(|id| id.starts_with(c.value()))
        .collect()
}

mod complete {
    use mcp_runtime::{Completion, Completions};

    pub async fn orgs(c: Completion) -> Completions {
        let _ = (c.argument(), c.context("kind"), c.request().path());
        Completions::new(["acme", "initech"]).total(2)
    }

    pub async fn kinds(_: Completion) -> Vec<&'static str> {
        vec!["tool", "part"]
    }
}

/// One item, as JSON.
#[mcp_resource(
    uri = "items://{id}",
    name = "item",
    title = "Item",
    mime_type = "application/json",
    requires_auth,
    complete(id = item_ids)
)]
#[get("/items/{id}")]
async fn get_item(path: web::Path<u64>, db: web::Data<Db>) -> web::Json<Item> {
    let id = path.into_inner();
    web::Json(Item {
        id: db.0.iter().copied().find(|&i| i == id).unwrap_or_default(),
    })
}

#[mcp_resource(uri = "items://all", description = "Every item.")]
#[route("/items", method = "GET", method = "HEAD")]
async fn all_items() -> HttpResponse {
    HttpResponse::Ok().body("[]")
}

#[derive(Deserialize)]
struct Filter {
    kind: Option<String>,
    limit: Option<u32>,
}

#[doc = concat!("An org's items, ", "filtered.")]
#[mcp_resource(
    uri = "orgs://{org}/items{?kind,limit}",
    complete(org = complete::orgs, kind = crate::complete::kinds),
    crate = crate::facade::rt
)]
#[actix_web::get("/orgs/{org}/items")]
pub async fn org_items(org: web::Path<String>, q: web::Query<Filter>) -> String {
    format!("{org}: {:?} {:?}", q.kind, q.limit)
}

/// A numbered page, its route segment behind a regex.
#[mcp_resource(uri = "pages://{n}", mime_type = "text/plain; charset=utf-8")]
#[get("/pages/{n:\\d+}")]
async fn page(n: web::Path<u32>) -> String {
    n.to_string()
}

/// Compiled out.
#[cfg(any())]
#[mcp_resource(uri = "gone://x")]
#[get("/gone")]
async fn gone() -> &'static str {
    "gone"
}

fn main() {
    let _app = App::new()
        .app_data(web::Data::new(Db(vec![1, 2])))
        .service(get_item)
        .service(all_items)
        .service(org_items)
        .service(page);
    let mut resources: Vec<_> = inventory::iter::<ResourceDef>
        .into_iter()
        .map(|r| {
            let completions: Vec<&str> = r.completions.iter().map(|(name, _)| *name).collect();
            (r.name, r.uri, r.description, r.route.path, completions)
        })
        .collect();
    resources.sort();
    assert_eq!(
        resources,
        [
            (
                "all_items",
                "items://all",
                Some("Every item."),
                "/items",
                vec![]
            ),
            (
                "item",
                "items://{id}",
                Some("One item, as JSON."),
                "/items/{id}",
                vec!["id"]
            ),
            (
                "org_items",
                "orgs://{org}/items{?kind,limit}",
                Some("An org's items, filtered."),
                "/orgs/{org}/items",
                vec!["org", "kind"],
            ),
            (
                "page",
                "pages://{n}",
                Some("A numbered page, its route segment behind a regex."),
                "/pages/{n:\\d+}",
                vec![],
            ),
        ]
    );
}
