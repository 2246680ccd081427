//! Properties of the public types that the API promises.

mod common;

use std::fmt::Debug;

use client_keys::{SharedVerifier, VerifiedKey, Verifier};

fn shareable<T: Clone + Send + Sync + Debug + 'static>() {}

#[test]
fn verifiers_are_clone_send_sync_and_debug() {
    shareable::<Verifier>();
    shareable::<SharedVerifier>();
    shareable::<VerifiedKey>();
}

#[test]
fn a_verifier_debugs_ids_and_counts_never_the_secret() {
    let secret = "ab".repeat(32);
    let verifier = common::verifier(&secret, "").expect("verifier");
    let clone = verifier.clone();
    // A clone describes the same configuration; neither shows the secret.
    assert_eq!(format!("{verifier:?}"), format!("{clone:?}"));
    assert!(!format!("{verifier:?}").contains(&secret));
}
