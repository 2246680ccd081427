//! Helpers shared by tests/gateway.rs and tests/gateway_proxies.rs: the built
//! `client-keys-gateway` binary as a child process on 127.0.0.1 ephemeral ports, and keys.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use client_keys::{Claims, ClientSecret, IssuedKey, Issuer};

use crate::common::lines;

pub(crate) const SECRET: &str = "8f1d6a3c2b4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5061728394a5b6c7d8e";

/// Bound on every wait for a child process: only a broken run reaches it.
pub(crate) const PATIENCE: Duration = Duration::from_secs(60);

pub(crate) fn secret() -> ClientSecret {
    SECRET.parse().expect("secret")
}

pub(crate) fn mint(claims: Claims) -> IssuedKey {
    Issuer::new(&secret()).issue(&claims).expect("mint")
}

pub(crate) fn token(key: &IssuedKey) -> &str {
    key.token().expose_secret()
}

pub(crate) fn bearer(key: &IssuedKey) -> String {
    format!("Bearer {}", token(key))
}

/// The gateway running in a child process; killed when dropped.
pub(crate) struct GatewayProcess {
    child: Child,
    /// `http://127.0.0.1:PORT` of the main listener.
    pub(crate) base: String,
    /// `http://127.0.0.1:PORT` of the admin listener.
    pub(crate) admin: String,
    stderr: Receiver<String>,
    /// Every stderr line read so far.
    pub(crate) log: Vec<String>,
}

impl GatewayProcess {
    /// Starts the gateway in `dir` with `env` (none of our variables inherited) and `args`, on
    /// free ports, and waits for it to print both addresses.
    pub(crate) fn start(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> GatewayProcess {
        GatewayProcess::start_with(dir, env, args, None)
    }

    /// [`GatewayProcess::start`] under `ulimit -n LIMIT` (through `sh`).
    pub(crate) fn start_with(
        dir: &Path,
        env: &[(&str, &str)],
        args: &[&str],
        descriptor_limit: Option<u32>,
    ) -> GatewayProcess {
        let binary = env!("CARGO_BIN_EXE_client-keys-gateway");
        let mut command = match descriptor_limit {
            Some(limit) => {
                let mut command = Command::new("sh");
                command
                    .arg("-c")
                    .arg(format!("ulimit -n {limit} && exec \"$0\" \"$@\""))
                    .arg(binary);
                command
            }
            None => Command::new(binary),
        };
        command
            .args(["--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"])
            .args(args)
            .current_dir(dir)
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, _) in std::env::vars() {
            if name.starts_with("CLIENT_") {
                command.env_remove(name);
            }
        }
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("start the gateway");
        let stdout = lines(child.stdout.take().expect("stdout"));
        let stderr = lines(child.stderr.take().expect("stderr"));
        let mut gateway = GatewayProcess {
            child,
            base: String::new(),
            admin: String::new(),
            stderr,
            log: Vec::new(),
        };
        for _ in 0..2 {
            let line = stdout.recv_timeout(PATIENCE).unwrap_or_else(|_| {
                let log = gateway.drain();
                panic!("the gateway printed no address; stderr: {log:#?}")
            });
            let url = line[line.find("http://").expect("an address")..].to_owned();
            if line.starts_with("listening on ") {
                gateway.base = url;
            } else if line.starts_with("admin listening on ") {
                gateway.admin = url;
            } else {
                panic!("unexpected line {line:?}");
            }
        }
        gateway
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    pub(crate) fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
    }

    /// Waits for a stderr line containing `expected` (and returns it).
    pub(crate) fn wait_for_log(&mut self, expected: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self
                .stderr
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no {expected:?} on stderr; saw {:#?}", self.log));
            self.log.push(line.clone());
            if line.contains(expected) {
                return line;
            }
        }
    }

    /// What stderr has said so far.
    pub(crate) fn drain(&mut self) -> Vec<String> {
        while let Ok(line) = self.stderr.recv_timeout(Duration::from_millis(200)) {
            self.log.push(line);
        }
        self.log.clone()
    }

    /// Waits (at most [`PATIENCE`]) for the process to exit.
    pub(crate) fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(Instant::now() < deadline, "the gateway did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether the process is still running.
    pub(crate) fn is_running(&mut self) -> bool {
        self.child.try_wait().expect("wait").is_none()
    }
}

impl Drop for GatewayProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP client that never uses a proxy from the environment.
pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(PATIENCE)
        .build()
        .expect("client")
}

/// Repeats `check` (at most [`PATIENCE`], every 50 ms) until it returns `true`.
pub(crate) async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + PATIENCE;
    while !check().await {
        assert!(Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
