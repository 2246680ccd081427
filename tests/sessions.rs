//! Revoking one session (`CLIENT_REVOKED_SESSIONS`): its access tokens die alone, while the
//! parent key and its other sessions keep working.

mod common;

use std::io::Write;

use client_keys::{
    AccessIssuer, AccessRequest, Claims, ClientSecret, Config, ConfigError, ExchangeError,
    IssuedKey, Issuer, RevokedSession, RevokedSessions, SharedVerifier, Verifier, VerifyError,
};

const NOW: u64 = 1_800_000_000;

struct Parent {
    secret: ClientSecret,
    key: IssuedKey,
}

impl Parent {
    fn new() -> Parent {
        let secret = ClientSecret::generate();
        let key = Issuer::new(&secret)
            .issue(&Claims::new().with_scope("read"))
            .expect("mints");
        Parent { secret, key }
    }

    fn verifier(&self) -> Verifier {
        Verifier::new(
            &self.secret,
            self.key.key_id().to_string().parse().expect("list"),
        )
    }

    fn access(&self, verifier: &Verifier, session: Option<&str>) -> String {
        let request = session.map_or_else(AccessRequest::new, |s| {
            AccessRequest::new().with_session_id(s)
        });
        AccessIssuer::new(verifier.clone())
            .exchange_at(self.key.token().expose_secret(), &request, NOW)
            .expect("exchange")
            .token()
            .expose_secret()
            .to_owned()
    }

    fn revoked(&self, session: Option<&str>) -> RevokedSessions {
        [RevokedSession::revoked_at(self.key.key_id(), session, NOW).expect("entry")]
            .into_iter()
            .collect()
    }
}

#[test]
fn revoking_one_session_refuses_only_its_tokens() {
    let parent = Parent::new();
    let open = parent.verifier();
    let tab_a = parent.access(&open, Some("tab-a"));
    let tab_b = parent.access(&open, Some("tab-b"));
    let default = parent.access(&open, None);
    let client_key = parent.key.token().expose_secret();

    let verifier = open.with_revoked_sessions(parent.revoked(Some("tab-a")));
    assert_eq!(
        verifier.verify_at(&tab_a, NOW + 1),
        Err(VerifyError::SessionRevoked {
            key_id: parent.key.key_id(),
            session_id: Some("tab-a".into()),
        })
    );
    assert!(verifier.verify_at(&tab_b, NOW + 1).is_ok());
    assert!(verifier.verify_at(&default, NOW + 1).is_ok());
    assert!(verifier.verify_at(client_key, NOW + 1).is_ok());
    // The log line names the session and the parent, never the token.
    let message = verifier
        .verify_at(&tab_a, NOW + 1)
        .expect_err("revoked")
        .to_string();
    assert!(message.contains("\"tab-a\""), "{message}");
    assert!(
        message.contains(&parent.key.key_id().to_string()),
        "{message}"
    );
    assert!(!message.contains(&tab_a[5..]), "{message}");
}

#[test]
fn tokens_minted_without_a_session_form_one_revocable_session() {
    let parent = Parent::new();
    let open = parent.verifier();
    let first = parent.access(&open, None);
    let named = parent.access(&open, Some("tab-a"));
    let verifier = open.with_revoked_sessions(parent.revoked(None));
    assert!(matches!(
        verifier.verify_at(&first, NOW + 1),
        Err(VerifyError::SessionRevoked {
            session_id: None,
            ..
        })
    ));
    assert!(verifier.verify_at(&named, NOW + 1).is_ok());
    assert!(
        verifier
            .verify_at(parent.key.token().expose_secret(), NOW + 1)
            .is_ok()
    );
}

#[test]
fn a_revoked_session_cannot_be_exchanged_again() {
    let parent = Parent::new();
    let verifier = parent
        .verifier()
        .with_revoked_sessions(parent.revoked(Some("tab-a")));
    let issuer = AccessIssuer::new(verifier.clone());
    let again = issuer.exchange_at(
        parent.key.token().expose_secret(),
        &AccessRequest::new().with_session_id("tab-a"),
        NOW + 10,
    );
    assert!(
        matches!(
            again,
            Err(ExchangeError::SessionRevoked(
                VerifyError::SessionRevoked { .. }
            ))
        ),
        "{again:?}"
    );
    // A new session id works, and its token verifies.
    let fresh = issuer
        .exchange_at(
            parent.key.token().expose_secret(),
            &AccessRequest::new().with_session_id("tab-c"),
            NOW + 10,
        )
        .expect("a new session");
    assert!(
        verifier
            .verify_at(fresh.token().expose_secret(), NOW + 11)
            .is_ok()
    );
}

#[test]
fn a_session_of_another_parent_with_the_same_id_is_not_revoked() {
    let first = Parent::new();
    let second = Issuer::new(&first.secret)
        .issue(&Claims::new())
        .expect("mints");
    let list = format!("{},{}", first.key.key_id(), second.key_id());
    let open = Verifier::new(&first.secret, list.parse().expect("list"));
    let theirs = AccessIssuer::new(open.clone())
        .exchange_at(
            second.token().expose_secret(),
            &AccessRequest::new().with_session_id("tab-a"),
            NOW,
        )
        .expect("exchange");
    let verifier = open.with_revoked_sessions(first.revoked(Some("tab-a")));
    assert!(
        verifier
            .verify_at(theirs.token().expose_secret(), NOW + 1)
            .is_ok()
    );
}

#[test]
fn the_configuration_reads_the_deny_list_and_refuses_a_bad_one() {
    let parent = Parent::new();
    let open = parent.verifier();
    let tab_a = parent.access(&open, Some("tab#a,1"));
    let entry = RevokedSession::revoked_at(parent.key.key_id(), Some("tab#a,1"), NOW)
        .expect("entry")
        .to_string();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(".env");
    let mut file = std::fs::File::create(&path).expect("create");
    writeln!(
        file,
        "CLIENT_SECRET={}\nCLIENT_KEYS={}\nCLIENT_REVOKED_SESSIONS={entry} # revoked by ops",
        parent.secret.to_hex().as_str(),
        parent.key.key_id()
    )
    .expect("write");
    drop(file);
    let config = Config::from_env_file(&path).expect("config");
    assert_eq!(config.revoked_sessions().len(), 1);
    let verifier = Verifier::from_config(&config).expect("verifier");
    assert!(matches!(
        verifier.verify_at(&tab_a, NOW + 1),
        Err(VerifyError::SessionRevoked { .. })
    ));

    // One bad entry refuses the whole configuration, naming its position and never its text.
    std::fs::write(
        &path,
        format!(
            "CLIENT_SECRET={}\nCLIENT_KEYS={}\nCLIENT_REVOKED_SESSIONS={entry},oops-not-an-entry\n",
            parent.secret.to_hex().as_str(),
            parent.key.key_id()
        ),
    )
    .expect("write");
    let err = Config::from_env_file(&path).expect_err("refused");
    assert!(
        matches!(err, ConfigError::InvalidRevokedSession(_)),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("CLIENT_REVOKED_SESSIONS entry 2"),
        "{message}"
    );
    assert!(!message.contains("oops"), "{message}");
}

#[test]
fn a_running_server_refuses_the_session_after_reload() {
    let parent = Parent::new();
    let shared = SharedVerifier::new(parent.verifier());
    let tab_a = parent.access(&shared.load(), Some("tab-a"));
    let tab_b = parent.access(&shared.load(), Some("tab-b"));
    assert!(shared.load().verify_at(&tab_a, NOW + 1).is_ok());
    shared.store(
        parent
            .verifier()
            .with_revoked_sessions(parent.revoked(Some("tab-a"))),
    );
    assert!(matches!(
        shared.load().verify_at(&tab_a, NOW + 1),
        Err(VerifyError::SessionRevoked { .. })
    ));
    assert!(shared.load().verify_at(&tab_b, NOW + 1).is_ok());
}
