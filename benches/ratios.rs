//! The ratios of the performance targets 1-4, measured in interleaved pairs
//! (`cargo bench -p client-keys-benches --bench ratios`), for `scripts/perf-ratios.py`.
//!
//! Criterion (`benches/verify.rs`) times each function for seconds, one after the other: on two
//! shared cores a neighbour's build can slow one function and not the next, and the ratio of
//! two medians taken a minute apart then moves by 30 %. Here every round runs each function for
//! about a millisecond, back to back, and a ratio is taken within the round; the result is the
//! median of the per-round ratios, with its interquartile range. Writes `target/perf/ratios.json`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use aes_gcm::aead::inout::InOutBuf;
use aes_gcm::aead::{AeadInOut, KeyInit, Nonce};
use aes_gcm::{Aes256Gcm, Key};
use client_keys::{
    AccessIssuer, AccessRequest, Issuer, KeyId, RevokedSession, RevokedSessions, Verifier,
};

mod common;

use common::{Alternatives, allowlist_text, flip_one_char, sample_keys};

/// A function under test: its name and a closure running it `n` times.
type Case<'a> = (&'static str, Box<dyn FnMut(u64) + 'a>);

fn main() {
    let timing = std::env::args().any(|a| a == "--bench");
    let rounds = if timing { 400 } else { 3 };
    let batch = Duration::from_micros(if timing { 800 } else { 10 });

    let issuer = Issuer::new(&common::secret());
    let (plain, with_claims) = sample_keys(&issuer);
    let token = plain.token().expose_secret().to_owned();
    let claims_token = with_claims.token().expose_secret().to_owned();
    let tampered = flip_one_char(&token);
    let garbage = "x".repeat(1 << 20);
    let listed = [plain.key_id(), with_claims.key_id()];
    let few = common::verifier(&allowlist_text(1, &listed));
    let many = common::verifier(&allowlist_text(100_000 - 2, &listed));
    assert_eq!(many.allowlist().len(), 100_000);

    let cipher = Aes256Gcm::new(&Key::<Aes256Gcm>::from([7u8; 32]));
    let nonce = Nonce::<Aes256Gcm>::from([9u8; 12]);
    let mut ct = *b"0123456789abcdef";
    let tag = cipher
        .encrypt_inout_detached(&nonce, &[], (&mut ct[..]).into())
        .expect("encrypts");

    let alternatives = Alternatives::new(&plain.key_id());

    // Access tokens, with no revoked session and with 1,000 (997 of other parents, 3 other
    // sessions of this token's parent): the session check is one more lookup, for access
    // tokens only.
    let access = AccessIssuer::new(few.clone())
        .exchange(&token, &AccessRequest::new().with_session_id("tab-1"))
        .expect("exchange")
        .token()
        .expose_secret()
        .to_owned();
    let revoked: RevokedSessions = (0..1000u32)
        .map(|i| {
            let (parent, session) = if i < 3 {
                (plain.key_id(), format!("tab-{}", i + 2))
            } else {
                let mut bytes = [0u8; 16];
                bytes[..4].copy_from_slice(&i.to_le_bytes());
                (KeyId::from_bytes(bytes), "tab-1".to_owned())
            };
            RevokedSession::revoked_at(parent, Some(&session), 1_800_000_000).expect("entry")
        })
        .collect();
    let few_revoked: Verifier = few.clone().with_revoked_sessions(revoked);
    assert!(few.verify(&access).is_ok());
    assert!(few_revoked.verify(&access).is_ok());
    assert!(few_revoked.verify(&token).is_ok());

    let mut cases: Vec<Case<'_>> = vec![
        (
            "floor",
            Box::new(|n| {
                for _ in 0..n {
                    let mut out = [0u8; 16];
                    cipher
                        .decrypt_inout_detached(
                            &nonce,
                            &[],
                            InOutBuf::new(black_box(&ct), &mut out).expect("same length"),
                            &tag,
                        )
                        .expect("authentic");
                    black_box(out);
                }
            }),
        ),
        (
            "verify_plain_3_ids",
            Box::new(|n| {
                for _ in 0..n {
                    assert!(few.verify(black_box(&token)).is_ok());
                }
            }),
        ),
        (
            "verify_plain_100k_ids",
            Box::new(|n| {
                for _ in 0..n {
                    assert!(many.verify(black_box(&token)).is_ok());
                }
            }),
        ),
        (
            "verify_claims",
            Box::new(|n| {
                for _ in 0..n {
                    assert!(few.verify(black_box(&claims_token)).is_ok());
                }
            }),
        ),
        (
            "verify_access_0_revoked",
            Box::new(|n| {
                for _ in 0..n {
                    assert!(few.verify(black_box(&access)).is_ok());
                }
            }),
        ),
        (
            "verify_access_1k_revoked",
            Box::new(|n| {
                for _ in 0..n {
                    assert!(few_revoked.verify(black_box(&access)).is_ok());
                }
            }),
        ),
        (
            "verify_plain_1k_revoked",
            Box::new(|n| {
                for _ in 0..n {
                    assert!(few_revoked.verify(black_box(&token)).is_ok());
                }
            }),
        ),
        (
            "reject_tampered",
            Box::new(|n| {
                for _ in 0..n {
                    assert!(few.verify(black_box(&tampered)).is_err());
                }
            }),
        ),
        (
            "reject_1mib",
            Box::new(|n| {
                for _ in 0..n {
                    assert!(few.verify(black_box(&garbage)).is_err());
                }
            }),
        ),
        (
            "jwt_hs256_decode_lookup",
            Box::new(|n| {
                for _ in 0..n {
                    alternatives.jwt_verify();
                }
            }),
        ),
        (
            "paseto_v4_local_decrypt_lookup",
            Box::new(|n| {
                for _ in 0..n {
                    alternatives.paseto_verify();
                }
            }),
        ),
    ];

    // Iterations per batch, so that each batch takes about `batch`.
    let counts: Vec<u64> = cases
        .iter_mut()
        .map(|(_, run)| {
            run(1000);
            let start = Instant::now();
            run(1000);
            let per = start.elapsed().as_secs_f64() / 1000.0;
            ((batch.as_secs_f64() / per) as u64).max(1)
        })
        .collect();
    let mut times = vec![Vec::with_capacity(rounds); cases.len()];
    for _ in 0..rounds {
        for ((_, run), (n, t)) in cases.iter_mut().zip(counts.iter().zip(times.iter_mut())) {
            let start = Instant::now();
            run(*n);
            t.push(start.elapsed().as_secs_f64() * 1e9 / *n as f64);
        }
    }

    let quantile = |v: &[f64], q: f64| {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        v[((v.len() - 1) as f64 * q).round() as usize]
    };
    let ratio = |a: usize, b: usize| -> Vec<f64> {
        times[a].iter().zip(&times[b]).map(|(x, y)| x / y).collect()
    };
    let index = |name: &str| cases.iter().position(|(n, _)| *n == name).expect("a case");
    let (floor, plain) = (index("floor"), index("verify_plain_3_ids"));
    let pairs = [
        (
            "verify_plain_3_ids/floor",
            index("verify_plain_3_ids"),
            floor,
        ),
        (
            "verify_plain_100k_ids/floor",
            index("verify_plain_100k_ids"),
            floor,
        ),
        ("verify_claims/floor", index("verify_claims"), floor),
        ("reject_tampered/floor", index("reject_tampered"), floor),
        ("reject_1mib/floor", index("reject_1mib"), floor),
        (
            "jwt_hs256_decode_lookup/verify_plain_3_ids",
            index("jwt_hs256_decode_lookup"),
            plain,
        ),
        (
            "paseto_v4_local_decrypt_lookup/verify_plain_3_ids",
            index("paseto_v4_local_decrypt_lookup"),
            plain,
        ),
        (
            "verify_plain_100k_ids/verify_plain_3_ids",
            index("verify_plain_100k_ids"),
            plain,
        ),
        (
            "verify_access_1k_revoked/verify_access_0_revoked",
            index("verify_access_1k_revoked"),
            index("verify_access_0_revoked"),
        ),
        (
            "verify_plain_1k_revoked/verify_plain_3_ids",
            index("verify_plain_1k_revoked"),
            plain,
        ),
    ];
    println!(
        "ratios: {rounds} rounds, each case ~{batch:?} per round, median [p25, p75] of per-round ratios"
    );
    let mut json = String::from("{\n \"rounds\": ");
    json.push_str(&rounds.to_string());
    json.push_str(",\n \"ns\": {");
    for (i, (name, _)) in cases.iter().enumerate() {
        let med = quantile(&times[i], 0.5);
        println!("  {name:34} {med:9.1} ns (median per op)");
        json.push_str(&format!(
            "{}\n  \"{name}\": {med:.2}",
            if i == 0 { "" } else { "," }
        ));
    }
    json.push_str("\n },\n \"ratios\": {");
    for (i, (name, a, b)) in pairs.iter().enumerate() {
        let r = ratio(*a, *b);
        let (lo, med, hi) = (quantile(&r, 0.25), quantile(&r, 0.5), quantile(&r, 0.75));
        println!("  {name:52} {med:6.3} [{lo:.3}, {hi:.3}]");
        json.push_str(&format!(
            "{}\n  \"{name}\": {{\"median\": {med:.4}, \"p25\": {lo:.4}, \"p75\": {hi:.4}}}",
            if i == 0 { "" } else { "," }
        ));
    }
    json.push_str("\n }\n}\n");
    if timing {
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
        let dir = target.join("perf");
        std::fs::create_dir_all(&dir).expect("target/perf");
        std::fs::write(dir.join("ratios.json"), json).expect("ratios.json");
    }
}
