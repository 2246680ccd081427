//! Short-lived access tokens through the public API: exchange, use, expire, revoke.

mod common;

use std::time::Duration;

use client_keys::{
    AccessRequest, Claims, ClientSecret, ExchangeError, Issuer, TokenKind, Verifier, VerifyError,
};

struct Setup {
    secret: ClientSecret,
    key_id: String,
    client_key: String,
}

fn setup(claims: &Claims) -> (Setup, Verifier) {
    let secret = ClientSecret::generate();
    let issued = Issuer::new(&secret).issue(claims).expect("mints");
    let key_id = issued.key_id().to_string();
    let verifier = common::verifier(&secret.to_hex(), &key_id).expect("verifier");
    let setup = Setup {
        secret,
        key_id,
        client_key: issued.token().expose_secret().to_owned(),
    };
    (setup, verifier)
}

#[test]
fn exchange_then_use() {
    let (s, verifier) = setup(
        &Claims::new()
            .with_name("job")
            .with_scope("read")
            .with_scope("write"),
    );
    let access = client_keys::AccessIssuer::new(verifier.clone())
        .exchange(&s.client_key, &AccessRequest::new())
        .expect("exchange");
    let token = access.token().expose_secret();
    assert!(token.starts_with("ckat_"));
    assert_eq!(access.token_type(), "Bearer");
    assert!(
        (5400..=7200).contains(&access.expires_in()),
        "{}",
        access.expires_in()
    );
    assert_eq!(access.scopes(), ["read", "write"]);

    let key = verifier
        .verify_authorization(&format!("bearer {token}"))
        .expect("verifies");
    assert_eq!(key.kind(), TokenKind::AccessToken);
    assert_eq!(key.key_id().to_string(), s.key_id);
    assert_eq!(key.scopes(), ["read", "write"]);
    assert_eq!(key.expires_at(), Some(access.expires_at()));
    assert_eq!(
        key.name(),
        None,
        "access tokens carry only expiry, scopes, session"
    );
}

#[test]
fn an_access_token_expires() {
    let (s, verifier) = setup(&Claims::new());
    let request = AccessRequest::new().with_ttl(Duration::from_secs(1));
    let access = client_keys::AccessIssuer::new(verifier.clone())
        .exchange(&s.client_key, &request)
        .expect("exchange");
    assert!(access.expires_in() <= 1);
    std::thread::sleep(Duration::from_millis(2100));
    let err = verifier.verify(access.token().expose_secret()).unwrap_err();
    assert_eq!(
        err,
        VerifyError::Expired {
            key_id: s.key_id.parse().expect("key id"),
            expires_at: access.expires_at()
        }
    );
}

#[test]
fn revoking_the_parent_revokes_its_access_tokens_at_once() {
    let (s, verifier) = setup(&Claims::new());
    let access = client_keys::AccessIssuer::new(verifier.clone())
        .exchange(&s.client_key, &AccessRequest::new())
        .expect("exchange");
    assert!(verifier.verify(access.token().expose_secret()).is_ok());
    let revoked = common::verifier(&s.secret.to_hex(), "another-key").expect("verifier");
    assert!(matches!(
        revoked.verify(access.token().expose_secret()),
        Err(VerifyError::KeyNotAllowed { .. })
    ));
    assert!(matches!(
        client_keys::AccessIssuer::new(revoked.clone())
            .exchange(&s.client_key, &AccessRequest::new()),
        Err(ExchangeError::InvalidClient(
            VerifyError::KeyNotAllowed { .. }
        ))
    ));
}

#[test]
fn scopes_narrow_but_never_widen() {
    let (s, verifier) = setup(&Claims::new().with_scope("read").with_scope("write"));
    let narrow = client_keys::AccessIssuer::new(verifier.clone())
        .exchange(&s.client_key, &AccessRequest::new().with_scope("read"))
        .expect("narrows");
    assert_eq!(narrow.scopes(), ["read"]);
    let key = verifier
        .verify(narrow.token().expose_secret())
        .expect("verifies");
    assert!(key.has_scope("read") && !key.has_scope("write"));
    assert_eq!(
        client_keys::AccessIssuer::new(verifier.clone())
            .exchange(
                &s.client_key,
                &AccessRequest::new().with_scope("read").with_scope("admin")
            )
            .unwrap_err(),
        ExchangeError::ScopeNotGranted {
            scope: "admin".into()
        }
    );
    // A key with no scopes grants none.
    let (s, verifier) = setup(&Claims::new());
    assert!(matches!(
        client_keys::AccessIssuer::new(verifier.clone())
            .exchange(&s.client_key, &AccessRequest::new().with_scope("read")),
        Err(ExchangeError::ScopeNotGranted { .. })
    ));
}

#[test]
fn same_request_same_token_other_session_other_token() {
    let (s, verifier) = setup(&Claims::new());
    let request = AccessRequest::new().with_session_id("tab-1");
    // Two calls can straddle a 30-minute window boundary; then a third is in the same window.
    let mut pair = None;
    for _ in 0..3 {
        let a = client_keys::AccessIssuer::new(verifier.clone())
            .exchange(&s.client_key, &request)
            .expect("a");
        let b = client_keys::AccessIssuer::new(verifier.clone())
            .exchange(&s.client_key, &request)
            .expect("b");
        if a.expires_at() == b.expires_at() {
            pair = Some((a, b));
            break;
        }
    }
    let (a, b) = pair.expect("two calls in one window");
    assert_eq!(a.token().expose_secret(), b.token().expose_secret());
    let other = client_keys::AccessIssuer::new(verifier.clone())
        .exchange(
            &s.client_key,
            &AccessRequest::new().with_session_id("tab-2"),
        )
        .expect("other");
    assert_ne!(a.token().expose_secret(), other.token().expose_secret());
    assert_eq!(
        verifier
            .verify(other.token().expose_secret())
            .expect("verifies")
            .session_id(),
        Some("tab-2")
    );
}

#[test]
fn each_kind_can_be_turned_off() {
    let (s, verifier) = setup(&Claims::new());
    let access = client_keys::AccessIssuer::new(verifier.clone())
        .exchange(&s.client_key, &AccessRequest::new())
        .expect("exchange");
    let access = access.token().expose_secret();

    let access_only = verifier
        .clone()
        .accepting(client_keys::Accept::Only(TokenKind::AccessToken));
    assert_eq!(
        access_only.verify(&s.client_key),
        Err(VerifyError::WrongKind {
            key_id: s.key_id.parse().expect("key id"),
            found: TokenKind::ClientKey
        })
    );
    assert!(access_only.verify(access).is_ok());
    // Exchanging still takes a client key, whatever `verify` accepts.
    assert!(
        client_keys::AccessIssuer::new(access_only.clone())
            .exchange(&s.client_key, &AccessRequest::new())
            .is_ok()
    );

    let keys_only = verifier
        .clone()
        .accepting(client_keys::Accept::Only(TokenKind::ClientKey));
    assert_eq!(
        keys_only.verify(access),
        Err(VerifyError::WrongKind {
            key_id: s.key_id.parse().expect("key id"),
            found: TokenKind::AccessToken
        })
    );
    assert!(keys_only.verify(&s.client_key).is_ok());

    // An access token is not a client key: it cannot be exchanged for another.
    assert_eq!(
        client_keys::AccessIssuer::new(verifier.clone())
            .exchange(access, &AccessRequest::new())
            .unwrap_err(),
        ExchangeError::InvalidClient(VerifyError::WrongKind {
            key_id: s.key_id.parse().expect("key id"),
            found: TokenKind::AccessToken
        })
    );
}

#[test]
fn a_client_key_body_under_the_access_prefix_is_refused() {
    let (s, verifier) = setup(&Claims::new());
    let relabelled = format!("ckat_{}", &s.client_key[5..]);
    assert!(matches!(
        verifier.verify(&relabelled),
        Err(VerifyError::Malformed(_))
    ));
}

#[test]
fn bad_session_ids_are_invalid_requests() {
    let (s, verifier) = setup(&Claims::new());
    for bad in ["", "has space", &"x".repeat(65), "caf\u{e9}"] {
        assert!(
            matches!(
                client_keys::AccessIssuer::new(verifier.clone())
                    .exchange(&s.client_key, &AccessRequest::new().with_session_id(bad)),
                Err(ExchangeError::InvalidRequest(_))
            ),
            "{bad:?}"
        );
    }
}
