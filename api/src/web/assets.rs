//! Static assets, compiled into the binary: one stylesheet, one small
//! script (progressive enhancement only: every page works without it) and
//! the icon.

use actix_web::{HttpResponse, get, web};

use crate::web::page::PageError;

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
}

const ASSETS: [Asset; 3] = [
    Asset { name: "cairn.css", content_type: "text/css; charset=utf-8", body: include_str!("../../static/cairn.css") },
    Asset { name: "cairn.js", content_type: "text/javascript; charset=utf-8", body: include_str!("../../static/cairn.js") },
    Asset { name: "icon.svg", content_type: "image/svg+xml", body: include_str!("../../static/icon.svg") },
];

#[get("/static/{name}")]
pub async fn asset(name: web::Path<String>) -> Result<HttpResponse, PageError> {
    let asset = ASSETS.iter().find(|a| a.name == name.as_str()).ok_or(PageError::NotFound)?;
    // Names are not versioned, so caches revalidate after an hour.
    Ok(HttpResponse::Ok().content_type(asset.content_type).insert_header(("Cache-Control", "public, max-age=3600")).body(asset.body))
}
