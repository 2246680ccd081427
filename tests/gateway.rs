//! The `client-keys-gateway` binary as a proxy's forward-auth hook calls it: the built binary
//! in a child process on 127.0.0.1 ephemeral ports, real HTTP, real signals and files.
//!
//! Envoy and Traefik are not Debian packages, so their contracts are checked here by sending
//! the requests they send (Envoy's path prefix, Traefik's `X-Forwarded-*`); nginx and Caddy
//! are run for real in tests/gateway_proxies.rs.
#![cfg(all(feature = "gateway", unix))]

mod common;
mod gateway_common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

use client_keys::{Claims, IssuedKey};
use gateway_common::{GatewayProcess, SECRET, bearer, client, eventually, mint, token};
use serde_json::{Value, json};

/// Keys under [`SECRET`].
struct Keys {
    reader: IssuedKey,
    writer: IssuedKey,
    revoked: IssuedKey,
}

impl Keys {
    fn mint() -> Keys {
        Keys {
            reader: mint(
                Claims::new()
                    .with_name("billing team café")
                    .with_scope("read")
                    .with_metadata("plan", "pro & co=1+1")
                    .with_metadata("team", "R&D; X-Client-Key-Id: forged é")
                    .with_expires_in(Duration::from_secs(3600)),
            ),
            writer: mint(Claims::new().with_scope("read").with_scope("write")),
            revoked: mint(Claims::new().with_name("revoked")),
        }
    }

    fn allowlist(&self) -> String {
        format!("{}\n{}\n", self.reader.key_id(), self.writer.key_id())
    }
}

/// A directory with `.env` holding the secret and the keys.
fn env_dir(keys: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    write_env(dir.path(), keys);
    dir
}

fn write_env(dir: &Path, keys: &str) {
    std::fs::write(
        dir.join(".env"),
        format!(
            "CLIENT_SECRET={SECRET}\nCLIENT_KEYS=\"{}\"\n",
            keys.trim().replace('\n', ",")
        ),
    )
    .expect("write .env");
}

/// What the tests look at in an answer.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().expect("ascii"))
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

async fn send(method: &str, url: &str, headers: &[(&str, &str)]) -> Answer {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut request = client().request(method, url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("request");
    Answer {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: response.text().await.expect("body"),
    }
}

async fn verify(base: &str, authorization: &str) -> Answer {
    send(
        "GET",
        &format!("{base}/verify"),
        &[("authorization", authorization)],
    )
    .await
}

fn assert_refused(answer: &Answer, status: u16, challenge: &str, body: Value) {
    assert_eq!(answer.status, status, "{answer:?}");
    assert_eq!(
        answer.header("www-authenticate"),
        Some(challenge),
        "{answer:?}"
    );
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    assert_eq!(answer.json(), body, "{answer:?}");
    for name in client_keys::gateway::IDENTITY_HEADERS {
        assert_eq!(answer.header(name), None, "{name} on a refusal");
    }
}

fn invalid_token(answer: &Answer) {
    assert_refused(
        answer,
        401,
        r#"Bearer realm="api", error="invalid_token""#,
        json!({ "error": "invalid_token" }),
    );
}

async fn metrics(gateway: &GatewayProcess) -> String {
    let answer = send("GET", &format!("{}/metrics", gateway.admin), &[]).await;
    assert_eq!(answer.status, 200);
    answer.body
}

#[tokio::test]
async fn decisions_headers_and_scopes() {
    let keys = Keys::mint();
    let dir = env_dir(&keys.allowlist());
    let mut gateway = GatewayProcess::start(dir.path(), &[], &[]);
    let base = gateway.base.clone();

    // Allowed: exactly 200, an empty body, no-store, the identity headers.
    let answer = verify(&base, &bearer(&keys.reader)).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.body, "");
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    assert_eq!(
        answer.header("x-client-key-id"),
        Some(keys.reader.key_id().to_string().as_str())
    );
    assert_eq!(answer.header("x-client-key-kind"), Some("client_key"));
    assert_eq!(
        answer.header("x-client-key-name"),
        Some("billing%20team%20caf%C3%A9")
    );
    assert_eq!(answer.header("x-client-key-scopes"), Some("read"));
    let expires = answer.header("x-client-key-expires-at").expect("expiry");
    assert!(
        expires.len() == 20 && expires.ends_with('Z') && expires.as_bytes()[10] == b'T',
        "{expires}"
    );
    // The metadata round-trips through any query-string parser, and injects nothing.
    let metadata = answer.header("x-client-key-metadata").expect("metadata");
    assert_eq!(
        metadata,
        "plan=pro%20%26%20co%3D1%2B1&team=R%26D%3B%20X-Client-Key-Id%3A%20forged%20%C3%A9"
    );
    // Absent claims, absent headers.
    let answer = verify(&base, &bearer(&keys.writer)).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("x-client-key-scopes"), Some("read write"));
    for absent in [
        "x-client-key-name",
        "x-client-key-expires-at",
        "x-client-key-metadata",
    ] {
        assert_eq!(answer.header(absent), None, "{absent}");
    }

    // Any method, any path below /verify (Envoy's path_prefix), a body that is never read.
    let answer = client()
        .post(format!("{base}/verify/apps/1?x=1"))
        .header("authorization", bearer(&keys.writer))
        .body("a body the gateway ignores")
        .send()
        .await
        .expect("request");
    assert_eq!(answer.status(), 200);
    let answer = send(
        "DELETE",
        &format!("{base}/verify/"),
        &[("authorization", &bearer(&keys.writer))],
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(send("GET", &format!("{base}/other"), &[]).await.status, 404);

    // Refused: 401 with the middleware's challenges and bodies.
    assert_refused(
        &send("GET", &format!("{base}/verify"), &[]).await,
        401,
        r#"Bearer realm="api""#,
        json!({ "error": "unauthorized" }),
    );
    assert_refused(
        &verify(&base, "Basic dXNlcjpwYXNz").await,
        401,
        r#"Bearer realm="api""#,
        json!({ "error": "unauthorized" }),
    );
    invalid_token(&verify(&base, &bearer(&keys.revoked)).await);
    invalid_token(&verify(&base, "Bearer ckey_forged").await);
    // A malformed header: the middleware's 400 becomes 401 here, still invalid_request.
    let malformed = verify(&base, "Bearer").await;
    assert_eq!(malformed.status, 401, "{malformed:?}");
    assert!(
        malformed
            .header("www-authenticate")
            .expect("challenge")
            .starts_with(r#"Bearer realm="api", error="invalid_request""#)
    );
    assert_eq!(malformed.json()["error"], "invalid_request");
    let two = client()
        .get(format!("{base}/verify"))
        .header("authorization", bearer(&keys.reader))
        .header("authorization", bearer(&keys.reader))
        .send()
        .await
        .expect("request");
    assert_eq!(two.status(), 401);

    // Bounded heads: 40 KiB of headers is refused by the server before any handler.
    let huge = "a".repeat(40 * 1024);
    let answer = send(
        "GET",
        &format!("{base}/verify"),
        &[
            ("authorization", &bearer(&keys.reader)),
            ("x-padding", &huge),
        ],
    )
    .await;
    assert_eq!(answer.status, 431, "{answer:?}");

    // Scopes from the proxy: the header or ?scope=, all required; a key without one gets 403.
    let scoped = |scope: &'static str| {
        let base = base.clone();
        let reader = bearer(&keys.reader);
        async move {
            send(
                "GET",
                &format!("{base}/verify"),
                &[("authorization", &reader), ("x-client-keys-scope", scope)],
            )
            .await
        }
    };
    assert_eq!(scoped("read").await.status, 200);
    assert_refused(
        &scoped("read write").await,
        403,
        r#"Bearer realm="api", error="insufficient_scope", scope="read write""#,
        json!({ "error": "insufficient_scope", "scope": "read write" }),
    );
    let by_query = send(
        "GET",
        &format!("{base}/verify?scope=write"),
        &[("authorization", &bearer(&keys.reader))],
    )
    .await;
    assert_eq!(by_query.status, 403);
    let by_query = send(
        "GET",
        &format!("{base}/verify/x?scope=read+write"),
        &[("authorization", &bearer(&keys.writer))],
    )
    .await;
    assert_eq!(by_query.status, 200);
    // A scope no key can carry is the proxy's mistake: 500, logged, never an allow.
    let bad = send(
        "GET",
        &format!("{base}/verify?scope=a,b"),
        &[("authorization", &bearer(&keys.writer))],
    )
    .await;
    assert_eq!(bad.status, 500);

    // Traefik's headers name the original request in the log line.
    let traefik = send(
        "GET",
        &format!("{base}/verify"),
        &[
            ("authorization", &bearer(&keys.revoked)),
            ("x-forwarded-method", "PATCH"),
            ("x-forwarded-proto", "https"),
            ("x-forwarded-host", "api.example"),
            ("x-forwarded-uri", "/apps/7?access_token=query-secret"),
            ("x-forwarded-for", "203.0.113.9"),
        ],
    )
    .await;
    assert_eq!(traefik.status, 401);
    let line = gateway.wait_for_log("api.example");
    assert!(line.contains("PATCH") && line.contains("/apps/7"), "{line}");
    assert!(line.contains(&keys.revoked.key_id().to_string()), "{line}");
    assert!(!line.contains("query-secret"), "{line}");

    // POST /auth/token, then the access token through /verify.
    let exchange = client()
        .post(format!("{base}/auth/token"))
        .json(&json!({ "api_key": token(&keys.writer), "scopes": ["read"] }))
        .send()
        .await
        .expect("request");
    assert_eq!(exchange.status(), 200);
    assert_eq!(
        exchange
            .headers()
            .get("cache-control")
            .map(|v| v.to_str().expect("ascii")),
        Some("no-store")
    );
    let body: Value = exchange.json().await.expect("json");
    let access = body["access_token"].as_str().expect("token").to_owned();
    let answer = verify(&base, &format!("Bearer {access}")).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.header("x-client-key-kind"), Some("access_token"));
    assert_eq!(
        answer.header("x-client-key-id"),
        Some(keys.writer.key_id().to_string().as_str())
    );
    assert!(answer.header("x-client-key-expires-at").is_some());
    let refused = client()
        .post(format!("{base}/auth/token"))
        .json(&json!({ "api_key": token(&keys.revoked) }))
        .send()
        .await
        .expect("request");
    assert_eq!(refused.status(), 401);
    let big = client()
        .post(format!("{base}/auth/token"))
        .header("content-type", "application/json")
        .body("x".repeat(64 * 1024))
        .send()
        .await
        .expect("request");
    assert_eq!(big.status(), 413);

    // Metrics: decisions by result and reason, the allowlist, secrets, reloads, build.
    let text = metrics(&gateway).await;
    for expected in [
        r#"client_keys_decisions_total{result="allowed",reason="ok"} "#,
        r#"client_keys_decisions_total{result="refused",reason="no_credentials"} 2"#,
        r#"client_keys_decisions_total{result="refused",reason="key_not_allowed"} 2"#,
        r#"client_keys_decisions_total{result="refused",reason="insufficient_scope"} 2"#,
        r#"client_keys_decisions_total{result="refused",reason="invalid_request"} 2"#,
        r#"client_keys_decisions_total{result="error",reason="bad_scope"} 1"#,
        "client_keys_decision_duration_seconds_count ",
        "client_keys_allowlist_keys 2\n",
        "client_keys_secrets_loaded 1\n",
        "client_keys_ready 1\n",
        r#"client_keys_reloads_total{result="success"} 1"#,
        "client_keys_last_reload_success_timestamp_seconds ",
        r#"client_keys_build_info{version=""#,
    ] {
        assert!(text.contains(expected), "no {expected:?} in\n{text}");
    }
    let health = send("GET", &format!("{}/healthz", gateway.admin), &[]).await;
    assert_eq!(health.status, 200);
    assert_eq!(
        send("GET", &format!("{}/readyz", gateway.admin), &[])
            .await
            .status,
        200
    );

    // The log: one line per decision, never a token or the secret.
    let log = gateway.drain().join("\n");
    assert!(log.contains("request allowed"), "{log}");
    for secret in [
        token(&keys.reader),
        token(&keys.writer),
        token(&keys.revoked),
        access.as_str(),
        SECRET,
    ] {
        assert!(!log.contains(secret), "a credential in the log:\n{log}");
    }
}

#[tokio::test]
async fn json_logs_one_object_per_line_and_a_named_env_file() {
    let keys = Keys::mint();
    let dir = env_dir(&keys.allowlist());
    // The configuration from a named file (--env-file), not ./.env.
    std::fs::rename(dir.path().join(".env"), dir.path().join("gateway.env")).expect("rename");
    let mut gateway = GatewayProcess::start(
        dir.path(),
        &[],
        &["--log-format", "json", "--env-file", "gateway.env"],
    );
    assert_eq!(
        verify(&gateway.base, &bearer(&keys.writer)).await.status,
        200
    );
    let line = gateway.wait_for_log("request allowed");
    let event: Value = serde_json::from_str(&line).expect("a JSON line");
    assert_eq!(event["key_id"], keys.writer.key_id().to_string());
    assert_eq!(event["status"], 200);
    assert!(event["latency_us"].is_u64(), "{event}");
}

#[tokio::test]
async fn the_accepted_kinds_are_configurable() {
    let keys = Keys::mint();
    let dir = env_dir(&keys.allowlist());
    let mut gateway = GatewayProcess::start(dir.path(), &[], &["--accept", "access-token"]);
    // A client key is refused here, with the answer every invalid token gets.
    invalid_token(&verify(&gateway.base, &bearer(&keys.writer)).await);
    let line = gateway.wait_for_log("request refused");
    assert!(line.contains(&keys.writer.key_id().to_string()), "{line}");
    // The token endpoint still takes the client key, and its access token passes.
    let exchange = client()
        .post(format!("{}/auth/token", gateway.base))
        .json(&json!({ "api_key": token(&keys.writer) }))
        .send()
        .await
        .expect("request");
    assert_eq!(exchange.status(), 200);
    let body: Value = exchange.json().await.expect("json");
    let access = body["access_token"].as_str().expect("token");
    let answer = verify(&gateway.base, &format!("Bearer {access}")).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert!(
        metrics(&gateway)
            .await
            .contains(r#"client_keys_decisions_total{result="refused",reason="wrong_kind"} 1"#)
    );
}

#[tokio::test]
async fn not_ready_until_a_configuration_loads() {
    let keys = Keys::mint();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut gateway = GatewayProcess::start(dir.path(), &[], &["--watch-interval-ms", "100"]);
    gateway.wait_for_log("CLIENT_SECRET is not set");
    let answer = verify(&gateway.base, &bearer(&keys.writer)).await;
    assert_eq!(answer.status, 503, "{answer:?}");
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    let exchange = client()
        .post(format!("{}/auth/token", gateway.base))
        .json(&json!({ "api_key": token(&keys.writer) }))
        .send()
        .await
        .expect("request");
    assert_eq!(exchange.status(), 503);
    let ready = format!("{}/readyz", gateway.admin);
    assert_eq!(send("GET", &ready, &[]).await.status, 503);
    assert!(metrics(&gateway).await.contains("client_keys_ready 0\n"));

    // The configuration appears: the gateway loads it by itself.
    write_env(dir.path(), &keys.allowlist());
    eventually("ready", || {
        let ready = ready.clone();
        async move { send("GET", &ready, &[]).await.status == 200 }
    })
    .await;
    assert_eq!(
        verify(&gateway.base, &bearer(&keys.writer)).await.status,
        200
    );
}

#[tokio::test]
async fn sighup_reloads_and_a_broken_configuration_keeps_the_old_one() {
    let keys = Keys::mint();
    let dir = env_dir(&keys.allowlist());
    // No file watching in this test: only SIGHUP reloads.
    let mut gateway = GatewayProcess::start(dir.path(), &[], &["--watch-interval-ms", "3600000"]);
    let base = gateway.base.clone();
    assert_eq!(verify(&base, &bearer(&keys.reader)).await.status, 200);

    // Revoke the reader.
    write_env(dir.path(), &keys.writer.key_id().to_string());
    gateway.signal("HUP");
    gateway.wait_for_log("configuration loaded keys=1");
    invalid_token(&verify(&base, &bearer(&keys.reader)).await);
    assert_eq!(verify(&base, &bearer(&keys.writer)).await.status, 200);

    // A broken configuration: refused, logged, counted; the old one keeps serving, ready.
    std::fs::write(
        dir.path().join(".env"),
        "CLIENT_SECRET=not-hex\nCLIENT_KEYS=\n",
    )
    .expect("write");
    gateway.signal("HUP");
    let line = gateway.wait_for_log("configuration refused");
    assert!(line.contains("CLIENT_SECRET"), "{line}");
    assert!(!line.contains("not-hex"), "the value in the log: {line}");
    assert_eq!(verify(&base, &bearer(&keys.writer)).await.status, 200);
    assert_eq!(
        send("GET", &format!("{}/readyz", gateway.admin), &[])
            .await
            .status,
        200
    );
    let text = metrics(&gateway).await;
    assert!(
        text.contains(r#"client_keys_reloads_total{result="failure"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"client_keys_reloads_total{result="success"} 2"#),
        "{text}"
    );
    assert!(text.contains("client_keys_allowlist_keys 1\n"), "{text}");
}

/// One session revoked through `CLIENT_REVOKED_SESSIONS_FILE` and `SIGHUP`: its access token is
/// refused (401, counted as `session_revoked`), its sibling session and the parent allowed, and
/// `/auth/token` refuses the session with `invalid_grant`.
#[tokio::test]
async fn a_revoked_session_is_refused_and_its_siblings_are_not() {
    let keys = Keys::mint();
    let dir = env_dir(&keys.allowlist());
    let revoked_file = dir.path().join("revoked-sessions");
    std::fs::write(&revoked_file, "# none yet\n").expect("write");
    let revoked_path = revoked_file.to_str().expect("utf-8").to_owned();
    let mut gateway = GatewayProcess::start(
        dir.path(),
        &[("CLIENT_REVOKED_SESSIONS_FILE", revoked_path.as_str())],
        &["--watch-interval-ms", "3600000"],
    );
    let base = gateway.base.clone();
    let exchange = |session: &'static str| {
        let url = format!("{base}/auth/token");
        let body = json!({ "api_key": token(&keys.writer), "session_id": session });
        async move {
            let answer = client()
                .post(url)
                .json(&body)
                .send()
                .await
                .expect("request");
            let status = answer.status().as_u16();
            (status, answer.json::<Value>().await.expect("json"))
        }
    };
    let (_, tab_a) = exchange("tab-a").await;
    let (_, tab_b) = exchange("tab-b").await;
    let tab_a = format!("Bearer {}", tab_a["access_token"].as_str().expect("token"));
    let tab_b = format!("Bearer {}", tab_b["access_token"].as_str().expect("token"));
    assert_eq!(verify(&base, &tab_a).await.status, 200);

    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let entry = client_keys::RevokedSession::revoked_at(keys.writer.key_id(), Some("tab-a"), now)
        .expect("entry");
    std::fs::write(&revoked_file, format!("# revoked by ops\n{entry}\n")).expect("write");
    gateway.signal("HUP");
    gateway.wait_for_log("configuration loaded");
    invalid_token(&verify(&base, &tab_a).await);
    assert_eq!(verify(&base, &tab_b).await.status, 200);
    assert_eq!(verify(&base, &bearer(&keys.writer)).await.status, 200);
    let (status, body) = exchange("tab-a").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let text = metrics(&gateway).await;
    assert!(text.contains(r#"reason="session_revoked""#), "{text}");
}

/// A Trivial token during a migration: allowed with its legacy id and kind, counted as
/// `reason="legacy"` and logged as a `legacy token`, refused by a scoped route (it has no
/// scopes). Made by Ruby's `jwt` gem as Trivial makes them.
#[tokio::test]
async fn a_trivial_token_is_allowed_counted_and_has_no_scopes() {
    let trivial_secret = "trivial's old secret";
    let token = common::trivial_token("trivial-client-1", trivial_secret);
    let keys = Keys::mint();
    let dir = env_dir(&format!("{}trivial-client-1\n", keys.allowlist()));
    let mut gateway =
        GatewayProcess::start(dir.path(), &[("CLIENT_SECRET_LEGACY", trivial_secret)], &[]);
    let base = gateway.base.clone();
    let answer = verify(&base, &format!("Bearer {token}")).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.header("x-client-key-id"), Some("trivial-client-1"));
    assert_eq!(
        answer.header("x-client-key-kind"),
        Some("legacy_client_key")
    );
    assert_eq!(answer.header("x-client-key-scopes"), None);
    let scoped = send(
        "GET",
        &format!("{base}/verify?scope=read"),
        &[("authorization", &format!("Bearer {token}"))],
    )
    .await;
    assert_eq!(scoped.status, 403);
    let line = gateway.wait_for_log("legacy token");
    assert!(line.contains("trivial-client-1"), "{line}");
    assert!(!line.contains(&token), "{line}");
    let text = metrics(&gateway).await;
    assert!(
        text.contains(r#"client_keys_decisions_total{result="allowed",reason="legacy"} 1"#),
        "{text}"
    );
}

/// Writes `files` (name, content) into a new timestamped directory under `mount` and swaps
/// the `..data` symlink to it, as the kubelet updates a mounted Secret.
fn kubelet_update(mount: &Path, generation: u32, files: &[(&str, &str)]) {
    let version = format!("..2026_12_03_00_00_{generation:02}.{generation}");
    let dir = mount.join(&version);
    std::fs::create_dir(&dir).expect("version dir");
    for (name, content) in files {
        std::fs::write(dir.join(name), content).expect("write");
        let link = mount.join(name);
        if std::fs::symlink_metadata(&link).is_err() {
            std::os::unix::fs::symlink(Path::new("..data").join(name), &link).expect("link");
        }
    }
    let temporary = mount.join("..data_tmp");
    std::os::unix::fs::symlink(&version, &temporary).expect("tmp link");
    std::fs::rename(&temporary, mount.join("..data")).expect("swap");
}

#[tokio::test]
async fn mounted_secret_files_reload_on_change_including_a_kubelet_symlink_swap() {
    let keys = Keys::mint();
    let dir = tempfile::tempdir().expect("temp dir");
    let mount = dir.path().join("secret");
    std::fs::create_dir(&mount).expect("mount");
    kubelet_update(
        &mount,
        1,
        &[
            ("CLIENT_SECRET", &format!("{SECRET}\n")),
            ("CLIENT_KEYS", &format!("# clients\n{}", keys.allowlist())),
        ],
    );
    let secret_file = mount.join("CLIENT_SECRET");
    let keys_file = mount.join("CLIENT_KEYS");
    let env = [
        ("CLIENT_SECRET_FILE", secret_file.to_str().expect("utf-8")),
        ("CLIENT_KEYS_FILE", keys_file.to_str().expect("utf-8")),
    ];
    let mut gateway = GatewayProcess::start(dir.path(), &env, &["--watch-interval-ms", "200"]);
    let base = gateway.base.clone();
    assert_eq!(verify(&base, &bearer(&keys.reader)).await.status, 200);
    assert!(
        metrics(&gateway)
            .await
            .contains("client_keys_allowlist_keys 2\n")
    );

    // The kubelet swaps ..data to a directory without the reader: refused from then on.
    kubelet_update(
        &mount,
        2,
        &[
            ("CLIENT_SECRET", &format!("{SECRET}\n")),
            (
                "CLIENT_KEYS",
                &format!("{}  # writer\n", keys.writer.key_id()),
            ),
        ],
    );
    eventually("the reader is revoked", || {
        let base = base.clone();
        let reader = bearer(&keys.reader);
        async move { verify(&base, &reader).await.status == 401 }
    })
    .await;
    assert_eq!(verify(&base, &bearer(&keys.writer)).await.status, 200);
    gateway.wait_for_log("a file changed");

    // A broken update keeps the old configuration.
    kubelet_update(
        &mount,
        3,
        &[
            ("CLIENT_SECRET", "0123\n"),
            ("CLIENT_KEYS", &keys.allowlist()),
        ],
    );
    gateway.wait_for_log("configuration refused");
    invalid_token(&verify(&base, &bearer(&keys.reader)).await);
    assert_eq!(verify(&base, &bearer(&keys.writer)).await.status, 200);

    // Setting both CLIENT_KEYS and CLIENT_KEYS_FILE is refused, naming both.
    drop(gateway);
    let mut both = env.to_vec();
    both.push(("CLIENT_KEYS", "abc"));
    let mut gateway = GatewayProcess::start(dir.path(), &both, &[]);
    let line = gateway.wait_for_log("configuration refused");
    assert!(
        line.contains("CLIENT_KEYS and CLIENT_KEYS_FILE are both set"),
        "{line}"
    );
    assert_eq!(
        verify(&gateway.base, &bearer(&keys.writer)).await.status,
        503
    );
}

#[test]
fn sigterm_shuts_down_gracefully_and_exits_0() {
    let keys = Keys::mint();
    let dir = env_dir(&keys.allowlist());
    let mut gateway = GatewayProcess::start(dir.path(), &[], &[]);
    // An idle keep-alive connection, as a proxy's pool holds: shutdown must close it.
    let address = gateway.base.trim_start_matches("http://").to_owned();
    let mut idle = TcpStream::connect(&address).expect("connect");
    idle.set_read_timeout(Some(gateway_common::PATIENCE))
        .expect("timeout");
    write!(
        idle,
        "GET /verify HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\n\r\n",
        bearer(&keys.writer)
    )
    .expect("send");
    let mut buffer = [0u8; 4096];
    let read = idle.read(&mut buffer).expect("answer");
    assert!(
        buffer[..read].starts_with(b"HTTP/1.1 200"),
        "{:?}",
        &buffer[..read]
    );

    gateway.signal("TERM");
    let status = gateway.wait_exit();
    assert_eq!(status.code(), Some(0), "{:#?}", gateway.drain());
    // The idle connection was closed, not left hanging.
    assert_eq!(idle.read(&mut buffer).unwrap_or(0), 0);
}

#[tokio::test]
async fn half_sent_connections_do_not_starve_a_normal_request() {
    let keys = Keys::mint();
    let dir = env_dir(&keys.allowlist());
    // 128 descriptors: the default connection cap is 64 below that. 300 half-sent connections
    // would exhaust the descriptors of a server without a cap or a header-read timeout.
    let gateway =
        GatewayProcess::start_with(dir.path(), &[], &["--header-read-timeout", "1"], Some(128));
    let mut gateway = gateway;
    let address = gateway.base.trim_start_matches("http://").to_owned();
    let mut held = Vec::new();
    for _ in 0..300 {
        let mut stream = TcpStream::connect(&address).expect("connect (the backlog holds it)");
        stream
            .write_all(b"GET /verify HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer")
            .expect("half a request");
        held.push(stream);
    }
    // A normal request still gets its answer (bounded by the client's timeout, not timed).
    let answer = verify(&gateway.base, &bearer(&keys.writer)).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert!(gateway.is_running());
    // The half-sent connections were closed by the server, not answered.
    let mut closed = 0;
    for stream in held.iter_mut().take(10) {
        stream
            .set_read_timeout(Some(gateway_common::PATIENCE))
            .expect("timeout");
        let mut buffer = [0u8; 64];
        if matches!(stream.read(&mut buffer), Ok(0) | Err(_)) {
            closed += 1;
        }
    }
    assert_eq!(closed, 10);
    drop(held);
    let log = gateway.drain().join("\n");
    assert!(
        !log.contains("cannot accept"),
        "ran out of descriptors:\n{log}"
    );
}
