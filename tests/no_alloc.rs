//! `Verifier::verify` allocates nothing for a plain key, accepted or rejected (performance target 5).
//!
//! `allocation_counter` replaces the global allocator in this test binary and counts the
//! allocations of the current thread only, so the harness's other threads do not disturb it.

mod common;

use allocation_counter::measure;
use client_keys::{Claims, KeyId, VerifyError};

const SECRET: &str = "8f1d6a3c2b4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5061728394a5b6c7d8e";

/// The result of `f` and how many allocations it made on this thread.
fn allocations<T>(f: impl FnOnce() -> T) -> (T, u64) {
    let mut out = None;
    let info = measure(|| out = Some(f()));
    (out.expect("ran"), info.count_total)
}

#[test]
fn verify_allocates_nothing_for_a_plain_key() {
    let issuer = common::issuer(SECRET).expect("issuer");
    let plain = issuer.issue(&Claims::new()).expect("issue");
    let other = issuer.issue(&Claims::new()).expect("issue");
    let verifier = common::verifier(SECRET, &plain.key_id().to_string()).expect("verifier");
    let token = plain.token().expose_secret().to_owned();
    let header = format!("Bearer {token}");
    let revoked = other.token().expose_secret().to_owned();
    let mut tampered = token.clone().into_bytes();
    let at = tampered.len() - 10;
    tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).expect("ASCII");
    let garbage = "x".repeat(1 << 20);
    let key_id = |r: Result<client_keys::VerifiedKey, VerifyError>| {
        r.map(|k| k.key_id().as_key_id().expect("a key id of this tool"))
    };

    // Warm up anything initialised lazily (CPU feature detection).
    assert!(verifier.verify(&token).is_ok());

    let (ok, n): (Result<KeyId, _>, _) = allocations(|| key_id(verifier.verify(&token)));
    assert_eq!(ok, Ok(plain.key_id()));
    assert_eq!(n, 0, "verify of a plain key allocated");

    let (ok, n) = allocations(|| key_id(verifier.verify_authorization(&header)));
    assert_eq!(ok, Ok(plain.key_id()));
    assert_eq!(n, 0, "verify_authorization of a plain key allocated");

    let (err, n) = allocations(|| key_id(verifier.verify(&revoked)));
    let revoked_id = other.key_id();
    assert_eq!(err, Err(VerifyError::KeyNotAllowed { key_id: revoked_id }));
    assert_eq!(n, 0, "refusing a revoked key allocated");

    let (err, n) = allocations(|| key_id(verifier.verify(&tampered)));
    assert_eq!(err, Err(VerifyError::Forged));
    assert_eq!(n, 0, "refusing a tampered token allocated");

    let (err, n) = allocations(|| key_id(verifier.verify(&garbage)));
    assert!(matches!(err, Err(VerifyError::Malformed(_))));
    assert_eq!(n, 0, "refusing 1 MiB of garbage allocated");
}

#[test]
fn the_counter_sees_allocations() {
    let (_, n) = allocations(|| std::hint::black_box(vec![1u8; 64]));
    assert!(n >= 1);
}
