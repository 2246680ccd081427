//! Verification cost against its floor and its alternatives, measured side by side in one run.
//!
//! `cargo bench -p client-keys-benches --bench verify`, then `python3 scripts/perf-ratios.py` for the table in
//! `docs/PERFORMANCE.md`. Every performance target (docs/PERFORMANCE.md) is a ratio between two functions of the group
//! `verify`, which criterion runs back to back; the group `steps` times the sub-steps of
//! `Verifier::verify` to explain where the time over the floor goes. Nothing here asserts a
//! time: absolute figures on a shared machine mean little.
//!
//! The clock is the benchmark thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`), which a busy
//! neighbour on the two shared cores does not inflate the way it inflates wall time; it is also
//! what a server pays per request. `BENCH_CLOCK=wall` switches to criterion's wall clock.

use std::hint::black_box;
use std::time::Duration;

use aes_gcm::aead::inout::InOutBuf;
use aes_gcm::aead::{AeadInOut, KeyInit, Nonce, Tag};
use aes_gcm::{Aes256Gcm, Key};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use client_keys::{Allowlist, Claims, ClientSecret, Issuer, KeyId};
use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{Criterion, Throughput};
use zeroize::Zeroize;

mod common;

use common::{Alternatives, SECRET, allowlist_text, flip_one_char, sample_keys};

/// The size of the allowlist a large deployment might have.
const MANY_IDS: usize = 100_000;

/// The floor: one AES-256-GCM open of a 16-byte plaintext, cipher already keyed, stack buffers.
struct Floor {
    cipher: Aes256Gcm,
    nonce: Nonce<Aes256Gcm>,
    ciphertext: [u8; 16],
    tag: Tag<Aes256Gcm>,
}

impl Floor {
    fn new(aad: &[u8]) -> Floor {
        let cipher = Aes256Gcm::new(&Key::<Aes256Gcm>::from([7u8; 32]));
        let nonce = Nonce::<Aes256Gcm>::from([9u8; 12]);
        let mut ciphertext = *b"0123456789abcdef";
        let tag = cipher
            .encrypt_inout_detached(&nonce, aad, (&mut ciphertext[..]).into())
            .expect("encrypts");
        Floor {
            cipher,
            nonce,
            ciphertext,
            tag,
        }
    }

    #[inline]
    fn open(&self, aad: &[u8]) -> [u8; 16] {
        let mut out = [0u8; 16];
        self.cipher
            .decrypt_inout_detached(
                &self.nonce,
                aad,
                InOutBuf::new(black_box(&self.ciphertext), &mut out).expect("same length"),
                &self.tag,
            )
            .expect("authentic");
        out
    }
}

/// The same associated data as a client key token (`ckey_` and the 6-byte header).
const TOKEN_AAD: &[u8] = b"ckey_\x01\x01abcd";

fn bench_verify<M: Measurement>(c: &mut Criterion<M>) {
    let secret = ClientSecret::from_hex(SECRET).expect("secret");
    let issuer = Issuer::new(&secret);
    let (plain, with_claims) = sample_keys(&issuer);
    let plain_token = plain.token().expose_secret().to_owned();
    let claims_token = with_claims.token().expose_secret().to_owned();
    let tampered = flip_one_char(&plain_token);
    let garbage = "x".repeat(1 << 20);
    let header = format!("Bearer {plain_token}");

    let ids = [plain.key_id(), with_claims.key_id()];
    let few = common::verifier(&allowlist_text(1, &ids));
    let many = common::verifier(&allowlist_text(MANY_IDS - ids.len(), &ids));
    assert_eq!(few.allowlist().len(), 3);
    assert_eq!(many.allowlist().len(), MANY_IDS);
    assert!(few.verify(&plain_token).is_ok());
    assert!(few.verify(&claims_token).is_ok());
    assert!(many.verify(&plain_token).is_ok());
    assert!(matches!(
        few.verify(&tampered),
        Err(client_keys::VerifyError::Forged)
    ));
    assert!(few.verify(&garbage).is_err());

    // 1024 distinct tokens, all listed among the 100,000 ids: lookups that miss the cache.
    let spread: Vec<_> = (0..1024)
        .map(|_| issuer.issue(&Claims::new()).expect("issue"))
        .collect();
    let spread_ids: Vec<KeyId> = spread.iter().map(|k| k.key_id()).collect();
    let spread_tokens: Vec<String> = spread
        .iter()
        .map(|k| k.token().expose_secret().to_owned())
        .collect();
    let many_spread = common::verifier(&allowlist_text(MANY_IDS - spread_ids.len(), &spread_ids));
    let few_spread = common::verifier(&allowlist_text(0, &spread_ids[..3]));
    assert!(spread_tokens.iter().all(|t| many_spread.verify(t).is_ok()));

    // The alternatives, each with the key id inside and a set lookup after.
    let alternatives = Alternatives::new(&plain.key_id());

    let floor = Floor::new(&[]);
    let floor_aad = Floor::new(TOKEN_AAD);

    let mut g = c.benchmark_group("verify");
    g.bench_function("floor_aes256gcm_open_16B", |b| {
        b.iter(|| floor.open(black_box(&[])))
    });
    g.bench_function("floor_aes256gcm_open_16B_aad11", |b| {
        b.iter(|| floor_aad.open(black_box(TOKEN_AAD)))
    });
    g.bench_function("verify_plain_3_ids", |b| {
        b.iter(|| few.verify(black_box(&plain_token)))
    });
    g.bench_function("verify_plain_100k_ids", |b| {
        b.iter(|| many.verify(black_box(&plain_token)))
    });
    g.bench_function("verify_claims", |b| {
        b.iter(|| few.verify(black_box(&claims_token)))
    });
    g.bench_function("verify_authorization_plain", |b| {
        b.iter(|| few.verify_authorization(black_box(&header)))
    });
    g.bench_function("reject_tampered", |b| {
        b.iter(|| few.verify(black_box(&tampered)))
    });
    g.bench_function("reject_1mib", |b| {
        b.iter(|| few.verify(black_box(&garbage)))
    });
    let mut i = 0usize;
    g.bench_function("verify_spread_3_ids", |b| {
        b.iter(|| {
            i = (i + 1) % 3;
            few_spread.verify(black_box(&spread_tokens[i]))
        })
    });
    let mut j = 0usize;
    g.bench_function("verify_spread_100k_ids", |b| {
        b.iter(|| {
            j = (j + 1) % spread_tokens.len();
            many_spread.verify(black_box(&spread_tokens[j]))
        })
    });
    g.bench_function("jwt_hs256_decode_lookup", |b| {
        b.iter(|| alternatives.jwt_verify())
    });
    g.bench_function("paseto_v4_local_decrypt_lookup", |b| {
        b.iter(|| alternatives.paseto_verify())
    });
    g.bench_function("mint_plain", |b| {
        b.iter(|| issuer.issue(black_box(&Claims::new())))
    });
    g.finish();
}

/// The sub-steps of `Verifier::verify` for a plain key, each alone.
fn bench_steps<M: Measurement>(c: &mut Criterion<M>) {
    let issuer = Issuer::new(&common::secret());
    let plain = issuer.issue(&Claims::new()).expect("issue");
    let token = plain.token().expose_secret().to_owned();
    let encoded = &token.as_bytes()[5..];
    let list = Allowlist::parse(&allowlist_text(2, &[plain.key_id()]));
    let big = Allowlist::parse(&allowlist_text(MANY_IDS - 1, &[plain.key_id()]));
    let key_id = plain.key_id();

    let mut g = c.benchmark_group("steps");
    g.bench_function("base64_decode_slice", |b| {
        b.iter(|| {
            let mut buf = [0u8; 380];
            let n = URL_SAFE_NO_PAD
                .decode_slice(black_box(encoded), &mut buf[..])
                .expect("decodes");
            black_box(&buf);
            n
        })
    });
    g.bench_function("stack_buf_380_init", |b| {
        b.iter(|| {
            let buf = [0u8; 380];
            black_box(&buf);
        })
    });
    g.bench_function("zeroize_50B", |b| {
        let mut buf = [1u8; 380];
        b.iter(|| {
            let used = black_box(token.len()) * 3 / 4;
            buf[..used].zeroize();
            black_box(&buf);
        })
    });
    g.bench_function("allowlist_contains_3", |b| {
        b.iter(|| list.contains(black_box(&key_id)))
    });
    g.bench_function("allowlist_contains_100k", |b| {
        b.iter(|| big.contains(black_box(&key_id)))
    });
    g.bench_function("system_time_now", |b| b.iter(std::time::SystemTime::now));
    g.bench_function("key_id_generate_getrandom", |b| b.iter(KeyId::generate));
    g.finish();
}

/// CPU time consumed by the benchmark thread, user and system.
struct ThreadCpuTime;

impl Measurement for ThreadCpuTime {
    type Intermediate = cpu_time::ThreadTime;
    type Value = Duration;

    fn start(&self) -> Self::Intermediate {
        cpu_time::ThreadTime::now()
    }
    fn end(&self, start: Self::Intermediate) -> Self::Value {
        start.elapsed()
    }
    fn add(&self, a: &Self::Value, b: &Self::Value) -> Self::Value {
        *a + *b
    }
    fn zero(&self) -> Self::Value {
        Duration::ZERO
    }
    fn to_f64(&self, value: &Self::Value) -> f64 {
        value.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &Nanos
    }
}

/// Formats nanoseconds like criterion's wall clock does (no throughput is configured here).
struct Nanos;

impl ValueFormatter for Nanos {
    fn scale_values(&self, typical: f64, values: &mut [f64]) -> &'static str {
        let (factor, unit) = match typical {
            t if t < 1e3 => (1.0, "ns"),
            t if t < 1e6 => (1e-3, "µs"),
            t if t < 1e9 => (1e-6, "ms"),
            _ => (1e-9, "s"),
        };
        values.iter_mut().for_each(|v| *v *= factor);
        unit
    }
    fn scale_throughputs(&self, _: f64, _: &Throughput, _: &mut [f64]) -> &'static str {
        "op/s"
    }
    fn scale_for_machines(&self, _: &mut [f64]) -> &'static str {
        "ns"
    }
}

fn settings<M: Measurement>(c: Criterion<M>) -> Criterion<M> {
    c.measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1))
        .sample_size(50)
        .configure_from_args()
}

fn main() {
    if std::env::var("BENCH_CLOCK").as_deref() == Ok("wall") {
        let mut c = settings(Criterion::default().with_measurement(WallTime));
        bench_verify(&mut c);
        bench_steps(&mut c);
        c.final_summary();
    } else {
        let mut c = settings(Criterion::default().with_measurement(ThreadCpuTime));
        bench_verify(&mut c);
        bench_steps(&mut c);
        c.final_summary();
    }
}
