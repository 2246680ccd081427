//! The bad-input table of `docs/SECURITY.md`: one named test per row.

mod common;

use client_keys::{
    Allowlist, ClaimError, Claims, Config, ConfigError, SecretProblem, Variable, Verifier,
    VerifyError,
};
use serde_json::Value;

const SECRET: &str = "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00";
const OTHER: &str = "0badc0de0badc0de0badc0de0badc0de0badc0de0badc0de0badc0de0badc0de";

/// A verifier that allows the returned token's key.
fn allowed() -> (Verifier, String) {
    let issued = common::issuer(SECRET)
        .expect("secret")
        .issue(&Claims::new())
        .expect("mints");
    let verifier = common::verifier(SECRET, &issued.key_id().to_string()).expect("verifier");
    (verifier, issued.token().expose_secret().to_owned())
}

fn malformed(input: &str) {
    let (verifier, _) = allowed();
    let err = verifier.verify(input).expect_err("refused");
    assert!(
        matches!(err, VerifyError::Malformed(_)),
        "{input:?}: {err:?}"
    );
}

/// A vector of `tests/vectors/client_key_v1.json` by its description.
fn vector(desc: &str) -> (String, String) {
    let doc: Value =
        serde_json::from_str(include_str!("vectors/client_key_v1.json")).expect("json");
    let case = doc["invalid"]
        .as_array()
        .expect("invalid")
        .iter()
        .find(|c| c["desc"] == desc)
        .unwrap_or_else(|| panic!("no vector {desc:?}"));
    (
        case["token"].as_str().expect("token").to_owned(),
        case["client_keys"].as_str().expect("keys").to_owned(),
    )
}

fn vector_error(desc: &str) -> VerifyError {
    let (token, keys) = vector(desc);
    let doc: Value =
        serde_json::from_str(include_str!("vectors/client_key_v1.json")).expect("json");
    let secret = doc["invalid"][0]["secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    common::verifier(&secret, &keys)
        .expect("verifier")
        .verify(&token)
        .expect_err("refused")
}

// ---- tokens

#[test]
fn token_empty() {
    malformed("");
}

#[test]
fn token_whitespace() {
    let (_, token) = allowed();
    for input in [
        " ",
        "\t",
        "\n",
        &format!(" {token}"),
        &format!("{token}\n"),
        &format!("{} {}", &token[..30], &token[30..]),
    ] {
        malformed(input);
    }
}

#[test]
fn token_non_ascii() {
    let (_, token) = allowed();
    malformed(&format!("{}é{}", &token[..20], &token[22..]));
    malformed("ckey_ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏ");
}

#[test]
fn token_nul() {
    let (_, token) = allowed();
    malformed(&format!("{}\0{}", &token[..20], &token[21..]));
    malformed("\0");
}

#[test]
fn token_wrong_prefix() {
    let (_, token) = allowed();
    for prefix in ["ckez_", "CKEY_", "ck_", "", "Bearer "] {
        malformed(&format!("{prefix}{}", &token[5..]));
    }
}

#[test]
fn token_unknown_version() {
    for desc in ["version 2", "version 0"] {
        assert!(
            matches!(
                vector_error(desc),
                VerifyError::Malformed(client_keys::Malformed::UnsupportedVersion)
            ),
            "{desc}"
        );
    }
}

#[test]
fn token_truncated() {
    let (verifier, token) = allowed();
    for len in 0..token.len() {
        assert!(
            verifier.verify(&token[..len]).is_err(),
            "prefix of {len} accepted"
        );
    }
}

#[test]
fn token_over_long() {
    let (_, token) = allowed();
    let err_of = |input: &str| allowed().0.verify(input).unwrap_err();
    assert_eq!(
        err_of(&format!("{token}{}", "A".repeat(600))),
        VerifyError::Malformed(client_keys::Malformed::TooLong)
    );
    // A mebibyte is refused by its length alone.
    assert_eq!(
        err_of(&"A".repeat(1 << 20)),
        VerifyError::Malformed(client_keys::Malformed::TooLong)
    );
}

#[test]
fn token_non_canonical_base64() {
    for desc in [
        "non-canonical base64: unused bits set",
        "base64 padding",
        "standard base64 alphabet character",
    ] {
        assert_eq!(
            vector_error(desc),
            VerifyError::Malformed(client_keys::Malformed::NotBase64url),
            "{desc}"
        );
    }
}

#[test]
fn token_a_jwt() {
    malformed(
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJrZXlfaWQiOiIzZjJhIn0.\
         SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    );
    malformed("eyJhbGciOiJub25lIn0.eyJrZXlfaWQiOiIzZjJhIn0.");
}

#[test]
fn token_from_another_secret() {
    let issued = common::issuer(OTHER)
        .expect("secret")
        .issue(&Claims::new())
        .expect("mints");
    let verifier = common::verifier(SECRET, &issued.key_id().to_string()).expect("verifier");
    assert_eq!(
        verifier.verify(issued.token().expose_secret()),
        Err(VerifyError::UnknownSecret)
    );
    // The same with the other secret's id forged onto this secret's: decryption fails.
    assert_eq!(
        vector_error("another secret's ciphertext under this secret's id"),
        VerifyError::Forged
    );
}

#[test]
fn token_expired() {
    assert!(matches!(
        vector_error("expired"),
        VerifyError::Expired {
            expires_at: 1_000_000_000,
            ..
        }
    ));
}

#[test]
fn token_far_future_or_overflowing_expiry() {
    // Minting refuses an expiry past 9999-12-31 (and zero)...
    let issuer = common::issuer(SECRET).expect("secret");
    for at in [client_keys::limits::MAX_EXPIRES_AT + 1, u64::MAX, 0] {
        assert_eq!(
            issuer
                .issue(&Claims::new().with_expires_at(at))
                .unwrap_err(),
            ClaimError::ExpiryOutOfRange
        );
    }
    // ...the last representable second is fine...
    let issued = issuer
        .issue(&Claims::new().with_expires_at(client_keys::limits::MAX_EXPIRES_AT))
        .expect("mints");
    let verifier = common::verifier(SECRET, &issued.key_id().to_string()).expect("verifier");
    assert_eq!(
        verifier
            .verify(issued.token().expose_secret())
            .expect("ok")
            .expires_at(),
        Some(client_keys::limits::MAX_EXPIRES_AT)
    );
    // ...and a genuine token carrying u64::MAX is refused as malformed, not trusted forever.
    assert_eq!(
        vector_error("expiry beyond 9999-12-31"),
        VerifyError::Malformed(client_keys::Malformed::Expiry)
    );
}

#[test]
fn token_unknown_claim_tag() {
    assert_eq!(
        vector_error("unknown claim tag"),
        VerifyError::Malformed(client_keys::Malformed::UnknownClaim)
    );
}

#[test]
fn token_key_id_not_in_client_keys() {
    let (_, token) = allowed();
    let verifier = common::verifier(SECRET, "another-key, 00000000000000000000000000000000")
        .expect("verifier");
    assert!(matches!(
        verifier.verify(&token),
        Err(VerifyError::KeyNotAllowed { .. })
    ));
}

// ---- configuration

fn secret_problem(value: &str) -> SecretProblem {
    match Config::from_values(value, None, Some("")) {
        Err(ConfigError::InvalidSecret(e)) => {
            assert_eq!((e.variable, e.entry), (Variable::ClientSecret, None));
            let problem = e.problem;
            let message = ConfigError::InvalidSecret(e).to_string();
            assert!(message.contains("issue-client-key secret"), "{message}");
            if value.len() > 8 {
                assert!(!message.contains(value.trim()), "{message}");
            }
            problem
        }
        other => panic!("{value:?} gave {other:?}"),
    }
}

#[test]
fn config_client_secret_malformed_forms() {
    assert_eq!(secret_problem(""), SecretProblem::Empty);
    assert_eq!(
        secret_problem(&SECRET[..63]),
        SecretProblem::WrongLength { chars: 63 }
    );
    assert_eq!(
        secret_problem(&SECRET[..32]),
        SecretProblem::WrongLength { chars: 32 }
    );
    assert_eq!(
        secret_problem(&format!("{SECRET}00")),
        SecretProblem::WrongLength { chars: 66 }
    );
    assert_eq!(
        secret_problem(&format!("{}xyz", &SECRET[..61])),
        SecretProblem::NotHex { position: 62 }
    );
    assert_eq!(
        secret_problem(&format!("\"{SECRET}\"")),
        SecretProblem::Quoted
    );
    assert_eq!(
        secret_problem(&format!("'{SECRET}'")),
        SecretProblem::Quoted
    );
    assert_eq!(
        secret_problem(&format!(" {SECRET}")),
        SecretProblem::Whitespace
    );
    assert_eq!(
        secret_problem(&format!("{SECRET}\n")),
        SecretProblem::Whitespace
    );
    assert_eq!(
        secret_problem(&format!("{} {}", &SECRET[..31], &SECRET[32..])),
        SecretProblem::NotHex { position: 32 }
    );
    assert_eq!(
        secret_problem(&format!("0x{}", &SECRET[2..])),
        SecretProblem::NotHex { position: 2 }
    );
    // Lengths and positions count characters: `ü` is two bytes but one character.
    assert_eq!(
        secret_problem(&format!("ü{}", &SECRET[1..])),
        SecretProblem::NotHex { position: 1 }
    );
    assert_eq!(
        secret_problem(&format!("ü{}", &SECRET[2..])),
        SecretProblem::WrongLength { chars: 63 }
    );
    // Upper case is accepted.
    assert!(Config::from_values(&SECRET.to_uppercase(), None, Some("")).is_ok());
}

#[test]
fn config_client_secret_missing() {
    // `Config::new` takes the value; a missing variable is reported by the loaders.
    assert!(
        ConfigError::MissingSecret
            .to_string()
            .contains("CLIENT_SECRET is not set")
    );
}

#[test]
fn config_client_secret_previous_malformed_entry() {
    let err = Config::from_values(SECRET, Some(&format!("{OTHER}, nothex")), Some("")).unwrap_err();
    assert!(
        matches!(&err, ConfigError::InvalidSecret(e) if (e.variable, e.entry) == (Variable::ClientSecretPrevious, Some(2))),
        "{err:?}"
    );
    // Empty entries are ignored.
    assert!(Config::from_values(SECRET, Some(" , ,"), Some("")).is_ok());
}

#[test]
fn config_client_keys_forms() {
    // Unset: a verifier refuses to start.
    let config = Config::from_values(SECRET, None, None).expect("config");
    assert!(matches!(
        Verifier::from_config(&config),
        Err(ConfigError::MissingKeys)
    ));
    // Empty, commas and whitespace only: valid, refuses every key.
    for text in ["", " ", ",,", " , \t, "] {
        assert!(Allowlist::parse(text).is_empty(), "{text:?}");
    }
    // Upper-case ids, repeats and surrounding whitespace.
    let id = "00112233445566778899aabbccddeeff";
    let list = Allowlist::parse(&format!(" {} ,{id},\t{id} ", id.to_uppercase()));
    assert_eq!((list.len(), list.duplicates()), (1, 2));
    assert!(list.contains(&id.parse().expect("id")));
    // Not 32 hex characters: kept as a legacy id that no token can match.
    for legacy in [
        "another-key",
        &id[..31],
        &format!("{id}0"),
        "id with spaces",
    ] {
        let list = Allowlist::parse(legacy);
        assert_eq!(list.legacy_entries(), [legacy.trim()]);
    }
}
