//! The example server's protected `GET /apps` against the same route without the middleware
//! (performance target 7), for `scripts/bench-server.sh`.
//!
//! One process, one tokio runtime (as `#[tokio::main]` makes it), two listeners on 127.0.0.1:
//! - "with": `examples/server.rs`'s own router (`app`), where `GET /apps` sits behind
//!   `ClientKeyLayer`, with the example's logging (one `INFO` line per accepted request, to
//!   stderr) unless `BENCH_SERVER_LOG=off`;
//! - "without": the same handler and state on `GET /apps`, no layer;
//! - "layer": that router with `ClientKeyLayer` and nothing else, to tell the layer's cost from
//!   the example's (its logging, its larger router).
//!
//! With `--bench` (as `cargo bench` runs it) it prints `with`, `without` and `layer` URLs on
//! stdout, writes a valid token to the file named by `BENCH_SERVER_TOKEN_FILE`, and serves until
//! stdin closes or `BENCH_SERVER_MAX_SECS` (default 900) pass. Without `--bench` (`cargo test
//! --benches`) it only checks both routes answer as expected, and exits.
#![allow(dead_code, unreachable_pub, missing_docs)]

#[path = "../examples/server.rs"]
mod example;

use std::io::Read as _;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use client_keys::{
    Allowlist, Claims, ClientKeyLayer, ClientSecret, Issuer, SharedVerifier, Verifier,
};
use serde_json::{Value, json};

type Apps = Arc<Mutex<Vec<Value>>>;

/// A copy of the example's `list_apps`, with the same state.
async fn list_apps(State(apps): State<Apps>) -> Json<Vec<Value>> {
    Json(apps.lock().unwrap_or_else(PoisonError::into_inner).clone())
}

fn without_middleware() -> Router {
    let apps: Apps = Arc::new(Mutex::new(vec![json!({ "id": 1, "name": "Welcome" })]));
    Router::new()
        .route("/apps", get(list_apps))
        .with_state(apps)
}

#[tokio::main]
async fn main() {
    let timing = std::env::args().any(|a| a == "--bench");
    if timing && std::env::var("BENCH_SERVER_LOG").as_deref() != Ok("off") {
        // As the example's `main` sets it up.
        tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_ansi(false)
            .init();
    }

    let secret = ClientSecret::generate();
    let issued = Issuer::new(&secret).issue(&Claims::new()).expect("mint");
    let verifier = Verifier::new(&secret, Allowlist::parse(&issued.key_id().to_string()));
    let with = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let without = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let layer = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let with_url = format!("http://{}/apps", with.local_addr().expect("addr"));
    let without_url = format!("http://{}/apps", without.local_addr().expect("addr"));
    let layer_url = format!("http://{}/apps", layer.local_addr().expect("addr"));
    let layer_app = without_middleware().route_layer(ClientKeyLayer::new(verifier.clone()));
    tokio::spawn(async move { axum::serve(layer, layer_app).await.expect("serve") });
    tokio::spawn(async move {
        axum::serve(with, example::app(SharedVerifier::new(verifier)))
            .await
            .expect("serve")
    });
    tokio::spawn(async move {
        axum::serve(without, without_middleware())
            .await
            .expect("serve")
    });

    // Both routes answer the same body; the protected one only with the token.
    let client = reqwest::Client::new();
    let token = issued.token().expose_secret();
    let get = |url: &str, auth: Option<&str>| {
        let mut request = client.get(url);
        if let Some(token) = auth {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    let protected = get(&with_url, Some(token)).await.expect("request");
    assert_eq!(protected.status(), 200);
    let body = protected.text().await.expect("body");
    let open = get(&without_url, None).await.expect("request");
    assert_eq!(open.status(), 200);
    assert_eq!(open.text().await.expect("body"), body);
    let layered = get(&layer_url, Some(token)).await.expect("request");
    assert_eq!(layered.status(), 200);
    assert_eq!(layered.text().await.expect("body"), body);
    for url in [&with_url, &layer_url] {
        let refused = get(url, None).await.expect("request");
        assert_eq!(refused.status(), 401);
    }
    if !timing {
        println!("server bench: both routes answer; run scripts/bench-server.sh to time them");
        return;
    }

    let token_file = std::env::var("BENCH_SERVER_TOKEN_FILE").expect("BENCH_SERVER_TOKEN_FILE");
    std::fs::write(&token_file, token).expect("token file");
    println!("with {with_url}");
    println!("without {without_url}");
    println!("layer {layer_url}");
    let max = std::env::var("BENCH_SERVER_MAX_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(900);
    let stdin_closed = tokio::task::spawn_blocking(|| {
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
    });
    tokio::select! {
        _ = stdin_closed => {}
        () = tokio::time::sleep(Duration::from_secs(max)) => {}
    }
}
