//! Trivial's client keys during a migration: tokens made by Ruby's `jwt` gem exactly as
//! Trivial's `ApiKeys.issue_client_key!` makes them verify only with `CLIENT_SECRET_LEGACY`, and
//! only as Trivial accepted them. Needs `ruby` and the `jwt` gem (`.ci/run` installs Debian's
//! `ruby-jwt`); a missing one fails the tests rather than skipping them.
#![cfg(feature = "legacy")]

mod common;

use client_keys::{
    Allowlist, ClientId, ClientSecret, Config, LegacyRefusal, Malformed, Verifier, VerifyError,
};

/// Trivial's `CLIENT_SECRET`: any text (its guide shows 64 hex characters).
const TRIVIAL_SECRET: &str = "8d105ffc3f1e8a4b9c2d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b";

/// A key id and its token, made as Trivial's `issue_client_key!` makes them.
fn trivial_key(secret: &str) -> (String, String) {
    let lines = common::ruby(
        "key_id = SecureRandom.hex(15)\n\
         puts key_id\n\
         puts JWT.encode({key_id: key_id}, ARGV[0], 'HS256')",
        &[secret],
    );
    (lines[0].clone(), lines[1].clone())
}

/// A verifier of this tool's keys that also lists `keys` (Trivial's `CLIENT_KEYS` text).
fn verifier(keys: &str, legacy: Option<&str>) -> Verifier {
    let verifier = Verifier::new(&ClientSecret::generate(), Allowlist::parse(keys));
    match legacy {
        Some(secret) => verifier.with_legacy_secret(secret),
        None => verifier,
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

#[test]
fn a_trivial_token_verifies_only_with_the_opt_in() {
    let (key_id, token) = trivial_key(TRIVIAL_SECRET);
    assert_eq!(key_id.len(), 30);
    // Trivial's guide: `CLIENT_KEYS=xxx, another-key # key_id from key`, plus the real id.
    let keys = format!("xxx, another-key, {key_id}");

    let key = verifier(&keys, Some(TRIVIAL_SECRET))
        .verify(&token)
        .expect("accepted with CLIENT_SECRET_LEGACY");
    assert!(key.is_legacy());
    assert_eq!(key.kind_name(), "legacy_client_key");
    assert_eq!(key.key_id().to_string(), key_id);
    assert!(matches!(key.key_id(), ClientId::Legacy(_)));
    assert!(key.scopes().is_empty() && key.name().is_none());
    assert!(!key.has_scope("read"), "a scoped route refuses it (403)");

    // Without the opt-in it is just not a token of this tool.
    assert_eq!(
        verifier(&keys, None).verify(&token),
        Err(VerifyError::Malformed(Malformed::UnknownPrefix))
    );
    // Under another secret, it is forged.
    assert_eq!(
        verifier(&keys, Some("another secret")).verify(&token),
        Err(VerifyError::Forged)
    );
}

#[test]
fn the_key_id_must_be_listed_as_trivial_compared_it() {
    let (key_id, token) = trivial_key(TRIVIAL_SECRET);
    let refused = verifier("xxx, another-key", Some(TRIVIAL_SECRET)).verify(&token);
    assert!(
        matches!(
            refused,
            Err(VerifyError::LegacyRefused {
                why: LegacyRefusal::NotAllowed,
                ..
            })
        ),
        "{refused:?}"
    );
    let message = refused.expect_err("refused").to_string();
    assert!(message.contains(&key_id), "{message}");
    assert!(!message.contains(&token), "{message}");
    // Whitespace around entries is stripped, as Trivial's `split(',').map(&:strip)` did.
    assert!(
        verifier(&format!("  {key_id}  ,x"), Some(TRIVIAL_SECRET))
            .verify(&token)
            .is_ok()
    );
    // Exactly, not in another case.
    assert!(
        verifier(&key_id.to_uppercase(), Some(TRIVIAL_SECRET))
            .verify(&token)
            .is_err()
    );
}

#[test]
fn an_expiry_is_honoured() {
    let lines = common::ruby(
        "puts JWT.encode({key_id: 'k1', exp: ARGV[1].to_i}, ARGV[0], 'HS256')\n\
         puts JWT.encode({key_id: 'k1', exp: ARGV[2].to_i}, ARGV[0], 'HS256')",
        &[
            TRIVIAL_SECRET,
            &(now() - 10).to_string(),
            &(now() + 3600).to_string(),
        ],
    );
    let verifier = verifier("k1", Some(TRIVIAL_SECRET));
    assert!(matches!(
        verifier.verify(&lines[0]),
        Err(VerifyError::LegacyRefused {
            why: LegacyRefusal::Expired { .. },
            ..
        })
    ));
    let key = verifier.verify(&lines[1]).expect("not expired yet");
    assert!(key.expires_at().is_some());
}

#[test]
fn other_algorithms_crit_and_tampering_are_refused() {
    let tokens = common::ruby(
        "p = {key_id: 'k1'}\n\
         puts JWT.encode(p, nil, 'none')\n\
         puts JWT.encode(p, ARGV[0], 'HS384')\n\
         puts JWT.encode(p, ARGV[0], 'HS512')\n\
         puts JWT.encode(p, OpenSSL::PKey::RSA.new(2048), 'RS256')\n\
         puts JWT.encode(p, OpenSSL::PKey::EC.generate('prime256v1'), 'ES256')\n\
         puts JWT.encode(p, ARGV[0], 'HS256', {crit: ['exp']})\n\
         b = ->(t) { Base64.urlsafe_encode64(t, padding: false) }\n\
         m = b.('{\"alg\":\"hs256\"}') + '.' + b.('{\"key_id\":\"k1\"}')\n\
         puts m + '.' + b.(OpenSSL::HMAC.digest('SHA256', ARGV[0], m))\n\
         puts JWT.encode({key_id: 'k1', nbf: Time.now.to_i + 3600}, ARGV[0], 'HS256')\n\
         puts JWT.encode({key_id: 'a b'}, ARGV[0], 'HS256')\n\
         puts JWT.encode({sub: 'k1'}, ARGV[0], 'HS256')\n\
         puts JWT.encode({key_id: 'k1'}, ARGV[0], 'HS256')",
        &[TRIVIAL_SECRET],
    );
    let verifier = verifier("k1, a b", Some(TRIVIAL_SECRET));
    let (good, bad) = tokens.split_last().expect("tokens");
    assert!(verifier.verify(good).is_ok());
    for token in bad {
        let err = verifier.verify(token).expect_err("refused");
        assert_eq!(
            err,
            VerifyError::Malformed(Malformed::LegacyToken),
            "{token}"
        );
    }
    // One character of the payload changed: the signature no longer holds.
    let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
    let payload = parts[1].clone();
    let last = payload.chars().last().expect("payload");
    let swapped = if last == 'Q' { 'R' } else { 'Q' };
    parts[1] = format!("{}{swapped}", &payload[..payload.len() - 1]);
    let tampered = parts.join(".");
    assert!(verifier.verify(&tampered).is_err());
    // A signature for another key id, glued to this payload.
    let other = common::ruby(
        "puts JWT.encode({key_id: 'k2'}, ARGV[0], 'HS256')",
        &[TRIVIAL_SECRET],
    );
    let mut glued: Vec<&str> = good.split('.').collect();
    glued[2] = other[0].rsplit('.').next().expect("signature");
    assert_eq!(verifier.verify(&glued.join(".")), Err(VerifyError::Forged));
}

#[test]
fn the_configuration_reads_client_secret_legacy() {
    let (key_id, token) = trivial_key(TRIVIAL_SECRET);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(".env");
    let secret = ClientSecret::generate();
    std::fs::write(
        &path,
        format!(
            "CLIENT_SECRET={}\nCLIENT_SECRET_LEGACY={TRIVIAL_SECRET} # Trivial's\nCLIENT_KEYS={key_id},xxx\n",
            secret.to_hex().as_str()
        ),
    )
    .expect("write");
    let config = Config::from_env_file(&path).expect("config");
    assert!(config.accepts_legacy_tokens());
    let verifier = Verifier::try_from(config).expect("verifier");
    assert_eq!(
        verifier
            .verify(&token)
            .expect("accepted")
            .key_id()
            .to_string(),
        key_id
    );
    // An empty CLIENT_SECRET_LEGACY accepts none.
    std::fs::write(
        &path,
        format!(
            "CLIENT_SECRET={}\nCLIENT_SECRET_LEGACY=\nCLIENT_KEYS={key_id}\n",
            secret.to_hex().as_str()
        ),
    )
    .expect("write");
    let config = Config::from_env_file(&path).expect("config");
    assert!(!config.accepts_legacy_tokens());
    assert!(
        Verifier::try_from(config)
            .expect("verifier")
            .verify(&token)
            .is_err()
    );
}

#[test]
fn the_cli_verifies_a_trivial_token() {
    let (key_id, token) = trivial_key(TRIVIAL_SECRET);
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join(".env"),
        format!(
            "CLIENT_SECRET={}\nCLIENT_SECRET_LEGACY={TRIVIAL_SECRET}\nCLIENT_KEYS=xxx, {key_id}\n",
            ClientSecret::generate().to_hex().as_str()
        ),
    )
    .expect("write");
    let json = common::success_json(common::cli(dir.path()).args(["verify", &token]));
    assert_eq!(json["key_id"], key_id.as_str());
    assert_eq!(json["kind"], "legacy_client_key");
    assert!(!json.to_string().contains(TRIVIAL_SECRET));

    // `inspect` opens it too, and says what it is and whether its id is listed.
    let json = common::success_json(common::cli(dir.path()).args(["inspect", &token]));
    assert_eq!(json["key_id"], key_id.as_str());
    assert_eq!(json["kind"], "legacy_client_key");
    assert_eq!(json["in_client_keys"], true);
    assert_eq!(json["minted_under"], "CLIENT_SECRET_LEGACY");
}

#[test]
fn the_cli_revokes_by_a_trivial_token_and_check_counts_legacy_ids() {
    let (key_id, token) = trivial_key(TRIVIAL_SECRET);
    let dir = tempfile::tempdir().expect("tempdir");
    let env = dir.path().join(".env");
    std::fs::write(
        &env,
        format!(
            "CLIENT_SECRET={}\nCLIENT_SECRET_LEGACY={TRIVIAL_SECRET}\nCLIENT_KEYS=xxx,{key_id}\n",
            ClientSecret::generate().to_hex().as_str()
        ),
    )
    .expect("write");
    let check = common::cli(dir.path()).arg("check").output().expect("runs");
    let report = String::from_utf8_lossy(&check.stdout).into_owned()
        + &String::from_utf8_lossy(&check.stderr);
    assert_eq!(check.status.code(), Some(0), "{report}");
    assert!(report.contains("accepted for 2 legacy id(s)"), "{report}");
    assert!(!report.contains(TRIVIAL_SECRET), "{report}");

    let out = common::cli(dir.path())
        .args(["revoke", "-"])
        .write_stdin(format!("{token}\n"))
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&env).expect("read");
    assert!(text.contains("CLIENT_KEYS=xxx\n"), "{text}");
    let out = common::cli(dir.path())
        .args(["verify", &token])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is not in CLIENT_KEYS"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
