//! Throughput of `Verifier::verify` on 2 threads against 1 (performance target 5).
//!
//! `cargo bench -p client-keys-benches --bench threads`. Each thread verifies a fixed number of tokens on its own clone
//! of one verifier; the ratio is `2 × t(1 thread) / t(2 threads)`, 2.0 being perfect scaling. The
//! raw AES-256-GCM open is measured the same way: it is what this machine allows (two shared
//! vCPUs rarely give a full 2.0). Each round runs verify on 1 then 2 threads, then the cipher
//! on 1 then 2, and gives one ratio for each; the median over the rounds is reported, so that a
//! neighbour's burst weighs on both alike. The result also goes to
//! `target/perf/threads.json` for `scripts/perf-ratios.py`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use aes_gcm::aead::inout::InOutBuf;
use aes_gcm::aead::{AeadInOut, KeyInit, Nonce};
use aes_gcm::{Aes256Gcm, Key};
use client_keys::{Allowlist, Claims, ClientSecret, Issuer, Verifier};

const SECRET: &str = "8f1d6a3c2b4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5061728394a5b6c7d8e";
const ROUNDS: usize = 15;

/// Wall time of `threads` threads each running `work` once.
fn run(threads: usize, work: &(impl Fn() + Sync)) -> Duration {
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(work);
        }
    });
    start.elapsed()
}

/// A loop of `iterations` calls of the body `make` gives each thread (its own clone of the
/// verifier or cipher, as a server's worker has).
fn looped<B: FnMut()>(iterations: u64, make: impl Fn() -> B + Sync) -> impl Fn() + Sync {
    move || {
        let mut body = make();
        for _ in 0..iterations {
            body();
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing: then only check
    // that it runs, with a token count too small to mean anything.
    let timing = std::env::args().any(|a| a == "--bench");
    let iterations: u64 = if timing { 500_000 } else { 1_000 };

    let secret: ClientSecret = SECRET.parse().expect("secret");
    let issuer = Issuer::new(&secret);
    let issued = issuer.issue(&Claims::new()).expect("issue");
    let verifier = Verifier::new(&secret, Allowlist::parse(&issued.key_id().to_string()));
    let token = issued.token().expose_secret().to_owned();
    assert!(verifier.verify(&token).is_ok());

    let cipher = Aes256Gcm::new(&Key::<Aes256Gcm>::from([7u8; 32]));
    let nonce = Nonce::<Aes256Gcm>::from([9u8; 12]);
    let mut ciphertext = [5u8; 16];
    let tag = cipher
        .encrypt_inout_detached(&nonce, &[], (&mut ciphertext[..]).into())
        .expect("encrypts");

    let verify = looped(iterations, || {
        let verifier = verifier.clone();
        let token = token.clone();
        move || assert!(verifier.verify(black_box(&token)).is_ok())
    });
    let floor = looped(iterations, || {
        let cipher = cipher.clone();
        move || {
            let mut out = [0u8; 16];
            cipher
                .decrypt_inout_detached(
                    &nonce,
                    &[],
                    InOutBuf::new(black_box(&ciphertext), &mut out).expect("same length"),
                    &tag,
                )
                .expect("authentic");
            black_box(out);
        }
    });
    verify();
    floor();
    // Rounds interleave the four runs, so that a neighbour's burst hits a pair alike; each
    // round gives a ratio, and the median of the rounds is reported.
    let (mut v1, mut v2, mut f1, mut f2) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut v_ratios, mut f_ratios) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let (a, b) = (run(1, &verify), run(2, &verify));
        let (c, d) = (run(1, &floor), run(2, &floor));
        v_ratios.push(2.0 * a.as_secs_f64() / b.as_secs_f64());
        f_ratios.push(2.0 * c.as_secs_f64() / d.as_secs_f64());
        v1.push(a.as_secs_f64());
        v2.push(b.as_secs_f64());
        f1.push(c.as_secs_f64());
        f2.push(d.as_secs_f64());
    }
    let (v_ratio, f_ratio) = (median(v_ratios), median(f_ratios));
    let secs = |v: Vec<f64>| Duration::from_secs_f64(median(v));
    let (v1, v2, f1, f2) = (secs(v1), secs(v2), secs(f1), secs(f2));

    let per = |t: Duration| t.as_nanos() as f64 / iterations as f64;
    println!(
        "threads: {iterations} operations per thread, median of {} interleaved rounds",
        ROUNDS
    );
    println!(
        "  verify plain key   1 thread {:7.1} ns/op   2 threads {:7.1} ns/op (wall, per op per thread)   throughput ratio {v_ratio:.2}",
        per(v1),
        per(v2)
    );
    println!(
        "  aes-256-gcm open   1 thread {:7.1} ns/op   2 threads {:7.1} ns/op (wall, per op per thread)   throughput ratio {f_ratio:.2}",
        per(f1),
        per(f2)
    );
    if timing {
        let json = format!(
            "{{\"iterations\": {iterations}, \"verify_1t_ns\": {:.1}, \"verify_2t_ns\": {:.1}, \"verify_ratio\": {v_ratio:.3}, \"floor_1t_ns\": {:.1}, \"floor_2t_ns\": {:.1}, \"floor_ratio\": {f_ratio:.3}}}\n",
            per(v1),
            per(v2),
            per(f1),
            per(f2)
        );
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
        let dir = target.join("perf");
        std::fs::create_dir_all(&dir).expect("target/perf");
        std::fs::write(dir.join("threads.json"), json).expect("threads.json");
    }
}
