//! The secret-scanner patterns published in `contrib/scanners/gitleaks.toml` (and, the same
//! expressions, as GitHub custom patterns) find every token this library mints, of every size
//! and both kinds, and nothing that is not one.

use std::time::Duration;

use client_keys::limits::{MAX_METADATA, MAX_METADATA_VALUE_LEN, MAX_TOKEN_LEN};
use client_keys::{AccessIssuer, AccessRequest, Allowlist, Claims, ClientSecret, Issuer, Verifier};
use regex::Regex;

/// The `regex = '''…'''` of the rule `id` in the published gitleaks file.
fn rule(id: &str) -> Regex {
    let file = include_str!("../contrib/scanners/gitleaks.toml");
    let rule = file
        .split("[[rules]]")
        .find(|r| r.contains(&format!("id = \"{id}\"")))
        .unwrap_or_else(|| panic!("no rule {id}"));
    let pattern = rule
        .split("'''")
        .nth(1)
        .unwrap_or_else(|| panic!("rule {id} has no regex"));
    Regex::new(pattern).expect("the pattern compiles as RE2 syntax")
}

/// The secret each pattern reports in `text` (its group 1).
fn found(pattern: &Regex, text: &str) -> Vec<String> {
    pattern
        .captures_iter(text)
        .map(|c| c[1].to_owned())
        .collect()
}

/// Client keys of every size the format allows, from a plain key to one of 512 characters.
fn client_keys(issuer: &Issuer) -> Vec<String> {
    let mut tokens = Vec::new();
    for pairs in 0..=MAX_METADATA {
        for len in (0..=MAX_METADATA_VALUE_LEN).step_by(7) {
            let claims = (0..pairs).fold(Claims::new(), |c, i| {
                c.with_metadata(format!("k{i}"), "v".repeat(len))
            });
            if claims.validate().is_ok() {
                let token = issuer.issue(&claims).expect("mints");
                tokens.push(token.token().expose_secret().to_owned());
            }
        }
    }
    tokens
}

#[test]
fn the_patterns_find_every_minted_token_of_every_size() {
    let (ckey, ckat) = (
        rule("client-keys-client-key"),
        rule("client-keys-access-token"),
    );
    let secret = ClientSecret::generate();
    let issuer = Issuer::new(&secret);
    let mut tokens = client_keys(&issuer);
    let lengths: Vec<usize> = tokens.iter().map(String::len).collect();
    assert_eq!(lengths.iter().min(), Some(&72), "a plain key");
    assert!(
        lengths.iter().any(|&l| l > MAX_TOKEN_LEN - 4),
        "a key at the size limit: {:?}",
        lengths.iter().max()
    );

    // Access tokens: every number of scopes up to 16 (17 bytes each: the largest that fit with
    // an expiry and a session id), and one with a single short scope.
    let scopes: Vec<String> = (0..16)
        .map(|i| format!("scope-{i:02}-{}", "s".repeat(8)))
        .collect();
    let parent = issuer
        .issue(
            &scopes
                .iter()
                .fold(Claims::new(), |c, s| c.with_scope(s.as_str())),
        )
        .expect("mints");
    let verifier = Verifier::new(&secret, Allowlist::parse(&parent.key_id().to_string()));
    let access = AccessIssuer::new(verifier);
    let mut access_tokens = Vec::new();
    for n in 0..=scopes.len() {
        let request = scopes[..n]
            .iter()
            .fold(AccessRequest::new(), |r, s| r.with_scope(s.as_str()))
            .with_session_id(format!("session-{n}"))
            .with_ttl(Duration::from_secs(60));
        let token = access
            .exchange(parent.token().expose_secret(), &request)
            .expect("exchanges");
        access_tokens.push(token.token().expose_secret().to_owned());
    }
    let plain = access
        .exchange(
            parent.token().expose_secret(),
            &AccessRequest::new().with_scope(scopes[0].as_str()),
        )
        .expect("exchanges");
    access_tokens.push(plain.token().expose_secret().to_owned());

    for token in &tokens {
        for text in [
            token.clone(),
            format!("Authorization: Bearer {token}\r\n"),
            format!("{{\"key_access_token\": \"{token}\"}}"),
            format!("CLIENT_TOKEN={token}\n"),
        ] {
            assert_eq!(found(&ckey, &text), [token.as_str()], "{text}");
            assert!(found(&ckat, &text).is_empty(), "{text}");
        }
    }
    for token in &access_tokens {
        let text = format!("curl -H 'Authorization: Bearer {token}' …");
        assert_eq!(found(&ckat, &text), [token.as_str()], "{text}");
        assert!(found(&ckey, &text).is_empty(), "{text}");
    }
    tokens.append(&mut access_tokens);
    assert!(tokens.len() > 100, "{} tokens checked", tokens.len());
}

#[test]
fn the_patterns_report_no_near_miss() {
    let (ckey, ckat) = (
        rule("client-keys-client-key"),
        rule("client-keys-access-token"),
    );
    let token = Issuer::new(&ClientSecret::generate())
        .issue(&Claims::new())
        .expect("mints")
        .token()
        .expose_secret()
        .to_owned();
    let body = &token[5..];
    let mut outside = body.to_owned();
    outside.replace_range(30..31, "+");
    let longest = format!("ckey_{}", "A".repeat(MAX_TOKEN_LEN - 5));
    for near in [
        format!("ckez_{body}"),
        format!("CKEY_{body}"),
        format!("ckey{body}"),
        format!("ckey_{}", &body[..66]),
        format!("ckey_{outside}"),
        format!("x{token}"),
        format!("_{token}"),
        format!("-{token}"),
        format!("{longest}A"),
        format!("ckat_{}", "A".repeat(79)),
    ] {
        assert!(found(&ckey, &near).is_empty(), "{near}");
        assert!(found(&ckat, &near).is_empty(), "{near}");
    }
    assert_eq!(found(&ckey, &longest), [longest.as_str()]);
}
