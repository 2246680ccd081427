//! The gateway behind real proxies: nginx (`auth_request` + `auth_request_set`) and Caddy
//! (`forward_auth` + `copy_headers`), with the configurations of docs/GATEWAY.md, in front of
//! an upstream that echoes what it receives. Everything listens on 127.0.0.1; every process is
//! started here and stopped by its process id.
//!
//! nginx and Caddy must be installed (`.ci/run` installs them from Debian): without them these
//! tests fail rather than skip.
#![cfg(all(feature = "gateway", unix))]

mod common;
mod gateway_common;

use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::any;
use client_keys::{Claims, IssuedKey};
use gateway_common::{GatewayProcess, PATIENCE, SECRET, bearer, client, mint, token};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// The upstream: echoes the request's method, path and headers as JSON.

async fn echo(method: axum::http::Method, uri: axum::http::Uri, headers: HeaderMap) -> String {
    let headers: BTreeMap<String, String> = headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    json!({ "method": method.as_str(), "uri": uri.to_string(), "headers": headers }).to_string()
}

async fn start_upstream() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let app = Router::new().fallback(any(echo));
    tokio::spawn(async move { axum::serve(listener, app).await });
    address
}

// ---------------------------------------------------------------------------------------------
// The proxies.

/// A free port on 127.0.0.1 for a server that cannot be told to pick one (a small race with
/// other processes, acceptable on a test machine).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("address")
        .port()
}

/// A proxy process; killed by its pid when dropped.
struct Proxy {
    child: Child,
    base: String,
    name: &'static str,
    dir: PathBuf,
}

impl Proxy {
    /// Waits until the proxy accepts connections on `port` (bounded).
    fn wait_ready(mut self, port: u16) -> Proxy {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return self;
            }
            if let Some(status) = self.child.try_wait().expect("wait") {
                panic!(
                    "{} exited ({status}) before listening: {}",
                    self.name,
                    self.logs()
                );
            }
            assert!(Instant::now() < deadline, "{} never listened", self.name);
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn logs(&self) -> String {
        let mut text = String::new();
        for entry in std::fs::read_dir(&self.dir).into_iter().flatten().flatten() {
            if entry.path().extension().is_some_and(|e| e == "log") {
                text.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
            }
        }
        text
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn program(name: &str) -> PathBuf {
    for dir in ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"] {
        let path = Path::new(dir).join(name);
        if path.exists() {
            return path;
        }
    }
    panic!("{name} is not installed: run .ci/run, or `apt-get install nginx caddy`");
}

/// nginx with the configuration of docs/GATEWAY.md (paths and ports filled in).
fn start_nginx(dir: &Path, gateway: &str, upstream: SocketAddr) -> Proxy {
    let port = free_port();
    let gateway = gateway.trim_start_matches("http://");
    let d = dir.display();
    let config = format!(
        r#"
daemon off;
master_process off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/nginx-error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log off;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;

    upstream client_keys_gateway {{
        server {gateway};
        keepalive 16;
    }}

    server {{
        listen 127.0.0.1:{port};

        # The decision: /verify never reads a body, so none is sent.
        location = /_client_keys {{
            internal;
            proxy_pass http://client_keys_gateway/verify;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header X-Original-URI $request_uri;
            proxy_set_header X-Original-Method $request_method;
            proxy_set_header X-Forwarded-Host $host;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }}
        location = /_client_keys_write {{
            internal;
            proxy_pass http://client_keys_gateway/verify?scope=write;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header X-Original-URI $request_uri;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }}

        location /auth/token {{
            proxy_pass http://client_keys_gateway;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }}

        location / {{
            auth_request /_client_keys;
            include {d}/identity.conf;
            proxy_pass http://{upstream};
        }}
        location /admin/ {{
            auth_request /_client_keys_write;
            include {d}/identity.conf;
            proxy_pass http://{upstream};
        }}
    }}
}}
"#
    );
    // The identity headers: set from the decision, replacing (or, when empty, removing) any
    // that the client sent.
    let mut identity = String::new();
    for header in client_keys::gateway::IDENTITY_HEADERS {
        let variable = header.replace('-', "_");
        identity.push_str(&format!(
            "auth_request_set ${variable} $upstream_http_{variable};\n\
             proxy_set_header {header} ${variable};\n"
        ));
    }
    std::fs::write(dir.join("identity.conf"), identity).expect("write");
    std::fs::write(dir.join("nginx.conf"), config).expect("write");
    let child = Command::new(program("nginx"))
        .arg("-e")
        .arg(dir.join("nginx-error.log"))
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start nginx");
    Proxy {
        child,
        base: format!("http://127.0.0.1:{port}"),
        name: "nginx",
        dir: dir.to_owned(),
    }
    .wait_ready(port)
}

/// Caddy with the configuration of docs/GATEWAY.md (paths and ports filled in).
fn start_caddy(dir: &Path, gateway: &str, upstream: SocketAddr) -> Proxy {
    let port = free_port();
    let gateway = gateway.trim_start_matches("http://");
    let strip: String = client_keys::gateway::IDENTITY_HEADERS
        .iter()
        .map(|header| format!("        request_header -{header}\n"))
        .collect();
    let copy = client_keys::gateway::IDENTITY_HEADERS.join(" ");
    // Caddy before 2.7 sets a header the decision lacks to the placeholder's own text
    // (`{http.reverse_proxy.header.…}`): remove those after forward_auth.
    let unset: String = client_keys::gateway::IDENTITY_HEADERS
        .iter()
        .enumerate()
        .map(|(i, header)| {
            format!(
                "            @unset{i} header_regexp {header} ^.http.reverse_proxy.header.\n\
                 \x20           request_header @unset{i} -{header}\n"
            )
        })
        .collect();
    let config = format!(
        r#"{{
    admin off
    auto_https off
    storage file_system {d}/caddy-data
    log {{
        output file {d}/caddy.log
        level WARN
    }}
}}

http://127.0.0.1:{port} {{
    handle /auth/token {{
        reverse_proxy {gateway}
    }}
    handle /admin/* {{
        route {{
{strip}            forward_auth {gateway} {{
                uri /verify?scope=write
                copy_headers {copy}
            }}
{unset}            reverse_proxy {upstream}
        }}
    }}
    handle {{
        route {{
{strip}            forward_auth {gateway} {{
                uri /verify
                copy_headers {copy}
            }}
{unset}            reverse_proxy {upstream}
        }}
    }}
}}
"#,
        d = dir.display()
    );
    std::fs::write(dir.join("Caddyfile"), config).expect("write");
    let child = Command::new(program("caddy"))
        .args(["run", "--adapter", "caddyfile", "--config"])
        .arg(dir.join("Caddyfile"))
        .env("HOME", dir)
        .env("XDG_DATA_HOME", dir.join("xdg-data"))
        .env("XDG_CONFIG_HOME", dir.join("xdg-config"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("caddy-stderr.log")).expect("log file"))
        .spawn()
        .expect("start caddy");
    Proxy {
        child,
        base: format!("http://127.0.0.1:{port}"),
        name: "caddy",
        dir: dir.to_owned(),
    }
    .wait_ready(port)
}

// ---------------------------------------------------------------------------------------------
// The checks, the same through both proxies.

struct Keys {
    reader: IssuedKey,
    writer: IssuedKey,
}

impl Keys {
    fn mint() -> Keys {
        Keys {
            reader: mint(
                Claims::new()
                    .with_name("reader one")
                    .with_scope("read")
                    .with_metadata("plan", "pro"),
            ),
            writer: mint(Claims::new().with_scope("read").with_scope("write")),
        }
    }

    fn write_env(&self, dir: &Path, allowed: &[&IssuedKey]) {
        let ids: Vec<String> = allowed.iter().map(|k| k.key_id().to_string()).collect();
        std::fs::write(
            dir.join(".env"),
            format!(
                "CLIENT_SECRET={SECRET}\nCLIENT_KEYS=\"{}\"\n",
                ids.join(",")
            ),
        )
        .expect("write .env");
    }
}

struct Reply {
    status: u16,
    challenge: Option<String>,
    body: String,
}

impl Reply {
    /// The headers the upstream received.
    fn upstream_headers(&self) -> Value {
        let echoed: Value = serde_json::from_str(&self.body)
            .unwrap_or_else(|_| panic!("not the upstream's echo: {}", self.body));
        echoed["headers"].clone()
    }
}

async fn get(url: &str, headers: &[(&str, &str)]) -> Reply {
    let mut request = client().get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("request");
    Reply {
        status: response.status().as_u16(),
        challenge: response
            .headers()
            .get("www-authenticate")
            .map(|v| v.to_str().expect("ascii").to_owned()),
        body: response.text().await.expect("body"),
    }
}

async fn check_proxy(proxy: &Proxy, gateway: &mut GatewayProcess, keys: &Keys, dir: &Path) {
    let base = &proxy.base;
    let name = proxy.name;

    // Allowed: the identity reaches the upstream.
    let reply = get(
        &format!("{base}/apps/1?x=1"),
        &[("authorization", &bearer(&keys.reader))],
    )
    .await;
    assert_eq!(reply.status, 200, "{name}: {}", reply.body);
    let headers = reply.upstream_headers();
    assert_eq!(
        headers["x-client-key-id"],
        keys.reader.key_id().to_string(),
        "{name}"
    );
    assert_eq!(headers["x-client-key-kind"], "client_key", "{name}");
    assert_eq!(headers["x-client-key-name"], "reader%20one", "{name}");
    assert_eq!(headers["x-client-key-scopes"], "read", "{name}");
    assert_eq!(headers["x-client-key-metadata"], "plan=pro", "{name}");

    // Refused: 401 with the gateway's challenge (not a 500).
    let reply = get(&format!("{base}/apps"), &[]).await;
    assert_eq!(reply.status, 401, "{name}: {}", reply.body);
    assert_eq!(
        reply.challenge.as_deref(),
        Some(r#"Bearer realm="api""#),
        "{name}"
    );
    let reply = get(
        &format!("{base}/apps"),
        &[("authorization", "Bearer ckey_forged")],
    )
    .await;
    assert_eq!(reply.status, 401, "{name}");
    assert_eq!(
        reply.challenge.as_deref(),
        Some(r#"Bearer realm="api", error="invalid_token""#),
        "{name}"
    );
    // A malformed header: 401 invalid_request, which nginx passes on (a 400 would be a 500).
    let reply = get(&format!("{base}/apps"), &[("authorization", "Bearer")]).await;
    assert_eq!(reply.status, 401, "{name}: {}", reply.body);
    assert!(
        reply
            .challenge
            .as_deref()
            .is_some_and(|c| c.contains(r#"error="invalid_request""#)),
        "{name}"
    );

    // A scoped route: 403 for the reader, allowed for the writer.
    let reply = get(
        &format!("{base}/admin/users"),
        &[("authorization", &bearer(&keys.reader))],
    )
    .await;
    assert_eq!(reply.status, 403, "{name}: {}", reply.body);
    // nginx passes the gateway's WWW-Authenticate on with a 401 only; Caddy passes the whole
    // answer on.
    let expected = (name == "caddy")
        .then_some(r#"Bearer realm="api", error="insufficient_scope", scope="write""#);
    assert_eq!(reply.challenge.as_deref(), expected, "{name}");
    let reply = get(
        &format!("{base}/admin/users"),
        &[("authorization", &bearer(&keys.writer))],
    )
    .await;
    assert_eq!(reply.status, 200, "{name}: {}", reply.body);

    // A client cannot spoof the identity: its own headers are replaced or removed.
    let reply = get(
        &format!("{base}/apps"),
        &[
            ("authorization", &bearer(&keys.writer)),
            ("x-client-key-id", "00000000000000000000000000000000"),
            ("x-client-key-name", "admin"),
            ("x-client-key-metadata", "role=admin"),
            ("x-client-key-expires-at", "9999-12-31T23:59:59Z"),
        ],
    )
    .await;
    assert_eq!(reply.status, 200, "{name}");
    let headers = reply.upstream_headers();
    assert_eq!(
        headers["x-client-key-id"],
        keys.writer.key_id().to_string(),
        "{name}"
    );
    assert_eq!(headers["x-client-key-scopes"], "read write", "{name}");
    for absent in [
        "x-client-key-name",
        "x-client-key-metadata",
        "x-client-key-expires-at",
    ] {
        assert!(
            headers.get(absent).is_none(),
            "{name}: {absent} reached the upstream: {headers}"
        );
    }

    // /auth/token through the proxy, then the access token through it.
    let response = client()
        .post(format!("{base}/auth/token"))
        .json(&json!({ "api_key": token(&keys.writer), "scopes": ["read"] }))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200, "{name}");
    let body: Value = response.json().await.expect("json");
    let access = body["access_token"]
        .as_str()
        .expect("access token")
        .to_owned();
    let reply = get(
        &format!("{base}/apps"),
        &[("authorization", &format!("Bearer {access}"))],
    )
    .await;
    assert_eq!(reply.status, 200, "{name}");
    assert_eq!(
        reply.upstream_headers()["x-client-key-kind"],
        "access_token"
    );

    // Revoke the reader under traffic: no wrong answer at any moment.
    revoke_under_traffic(base, gateway, keys, dir, name).await;
    // Put it back for the next proxy.
    keys.write_env(dir, &[&keys.reader, &keys.writer]);
    gateway.signal("HUP");
    gateway.wait_for_log("configuration loaded keys=2");
}

/// Four clients send bounded traffic with the reader and the writer while the reader is
/// revoked: the writer always gets 200; the reader 200 or 401 while the reload is under way,
/// and only 401 for requests sent after the reload is logged.
async fn revoke_under_traffic(
    base: &str,
    gateway: &mut GatewayProcess,
    keys: &Keys,
    dir: &Path,
    name: &str,
) {
    let reloaded = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for worker in 0..4 {
        let url = format!("{base}/apps");
        let reader = bearer(&keys.reader);
        let writer = bearer(&keys.writer);
        let reloaded = Arc::clone(&reloaded);
        let stop = Arc::clone(&stop);
        tasks.push(tokio::spawn(async move {
            let client = client();
            let mut wrong = Vec::new();
            let mut after = 0;
            // Bounded: at most 5,000 requests per worker.
            for i in 0..5_000 {
                if stop.load(Ordering::Acquire) && after >= 20 {
                    break;
                }
                let use_reader = (i + worker) % 2 == 0;
                let was_reloaded = reloaded.load(Ordering::Acquire);
                let auth = if use_reader { &reader } else { &writer };
                let status = client
                    .get(&url)
                    .header("authorization", auth)
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
                    .unwrap_or(0);
                let right = match (use_reader, was_reloaded) {
                    (false, _) => status == 200,
                    (true, false) => status == 200 || status == 401,
                    (true, true) => status == 401,
                };
                if !right {
                    wrong.push((use_reader, was_reloaded, status));
                }
                if was_reloaded {
                    after += 1;
                }
            }
            (wrong, after)
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    keys.write_env(dir, &[&keys.writer]);
    gateway.signal("HUP");
    tokio::task::block_in_place(|| gateway.wait_for_log("configuration loaded keys=1"));
    reloaded.store(true, Ordering::Release);
    stop.store(true, Ordering::Release);
    for task in tasks {
        let (wrong, after) = task.await.expect("worker");
        assert!(wrong.is_empty(), "{name}: wrong answers {wrong:?}");
        assert!(after >= 20, "{name}: too little traffic after the reload");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nginx_and_caddy_in_front_of_the_gateway() {
    let keys = Keys::mint();
    let dir = tempfile::tempdir().expect("temp dir");
    keys.write_env(dir.path(), &[&keys.reader, &keys.writer]);
    let mut gateway = GatewayProcess::start(dir.path(), &[], &["--watch-interval-ms", "3600000"]);
    let upstream = start_upstream().await;

    let nginx_dir = dir.path().join("nginx");
    std::fs::create_dir(&nginx_dir).expect("dir");
    let nginx = tokio::task::block_in_place(|| start_nginx(&nginx_dir, &gateway.base, upstream));
    check_proxy(&nginx, &mut gateway, &keys, dir.path()).await;
    drop(nginx);

    let caddy_dir = dir.path().join("caddy");
    std::fs::create_dir(&caddy_dir).expect("dir");
    let caddy = tokio::task::block_in_place(|| start_caddy(&caddy_dir, &gateway.base, upstream));
    check_proxy(&caddy, &mut gateway, &keys, dir.path()).await;
    drop(caddy);

    let log = gateway.drain().join("\n");
    for secret in [token(&keys.reader), token(&keys.writer), SECRET] {
        assert!(!log.contains(secret), "a credential in the log");
    }
}
