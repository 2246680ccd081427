//! The gateway's Prometheus metrics, every name prefixed `client_keys_`.

use std::fmt;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;

type Labels = [(&'static str, &'static str); 2];

/// The metrics and their registry.
pub(crate) struct Metrics {
    registry: Registry,
    decisions: Family<Labels, Counter>,
    latency: Histogram,
    allowlist: Gauge,
    secrets: Gauge,
    ready: Gauge,
    reloads: Family<[(&'static str, &'static str); 1], Counter>,
    last_success: Gauge<f64, AtomicU64>,
}

impl Metrics {
    pub(crate) fn new() -> Metrics {
        let mut registry = Registry::default();
        let decisions = Family::<Labels, Counter>::default();
        registry.register(
            "client_keys_decisions",
            "Decisions of /verify, by result (allowed, refused, unavailable, error) and reason",
            decisions.clone(),
        );
        // 1 µs to about 0.5 s.
        let latency = Histogram::new(exponential_buckets(1e-6, 2.0, 20));
        registry.register(
            "client_keys_decision_duration_seconds",
            "Time to decide a /verify request, from its head being read to its answer",
            latency.clone(),
        );
        let allowlist = Gauge::default();
        registry.register(
            "client_keys_allowlist_keys",
            "Key ids in the loaded CLIENT_KEYS",
            allowlist.clone(),
        );
        let secrets = Gauge::default();
        registry.register(
            "client_keys_secrets_loaded",
            "Secrets loaded: CLIENT_SECRET and the entries of CLIENT_SECRET_PREVIOUS",
            secrets.clone(),
        );
        let ready = Gauge::default();
        registry.register(
            "client_keys_ready",
            "1 once a valid configuration is loaded (it stays loaded through failed reloads)",
            ready.clone(),
        );
        let reloads = Family::default();
        registry.register(
            "client_keys_reloads",
            "Configuration loads, by result (success, failure)",
            reloads.clone(),
        );
        let last_success = Gauge::<f64, AtomicU64>::default();
        registry.register(
            "client_keys_last_reload_success_timestamp_seconds",
            "When the configuration last loaded (unix seconds)",
            last_success.clone(),
        );
        registry.register(
            "client_keys_build",
            "The gateway's version",
            Info::new([("version", env!("CARGO_PKG_VERSION"))]),
        );
        Metrics {
            registry,
            decisions,
            latency,
            allowlist,
            secrets,
            ready,
            reloads,
            last_success,
        }
    }

    pub(crate) fn decision(&self, result: &'static str, reason: &'static str, took: Duration) {
        self.decisions
            .get_or_create(&[("result", result), ("reason", reason)])
            .inc();
        self.latency.observe(took.as_secs_f64());
    }

    pub(crate) fn loaded(&self, keys: usize, secrets: usize) {
        self.allowlist.set(i64::try_from(keys).unwrap_or(i64::MAX));
        self.secrets.set(i64::try_from(secrets).unwrap_or(i64::MAX));
        self.ready.set(1);
        self.reloads.get_or_create(&[("result", "success")]).inc();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        self.last_success.set(now.as_secs_f64());
    }

    pub(crate) fn load_failed(&self) {
        self.reloads.get_or_create(&[("result", "failure")]).inc();
    }

    /// The OpenMetrics text of every metric.
    pub(crate) fn encode(&self) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}
