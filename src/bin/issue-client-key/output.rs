//! What the commands print: JSON documents on stdout (one way, serde), and the operator's
//! next steps on stderr.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use client_keys::operator::{
    Initialized, Migrated, Revoked, Rotated, SessionRevoked, readable_warning,
};
use client_keys::{
    AccessToken, Claims, ClientSecret, Inspection, IssuedKey, KeyId, Variable, VerifiedKey,
};
use serde::Serialize;
use zeroize::Zeroizing;

use crate::failure::Failure;

/// `{"key_id": ..., "key_access_token": ...}`.
pub(crate) fn issued(issued: &IssuedKey) -> Result<(), Failure> {
    #[derive(Serialize)]
    struct Issued<'a> {
        key_id: String,
        key_access_token: &'a str,
    }
    print_json(&Issued {
        key_id: issued.key_id().to_string(),
        key_access_token: issued.token().expose_secret(),
    })
}

/// `{"access_token": ..., "expires_in": N, "token_type": "Bearer"}`, as RFC 6749 §5.1.
pub(crate) fn access(access: &AccessToken) -> Result<(), Failure> {
    #[derive(Serialize)]
    struct Access<'a> {
        access_token: &'a str,
        expires_in: u64,
        token_type: &'a str,
    }
    print_json(&Access {
        access_token: access.token().expose_secret(),
        expires_in: access.expires_in(),
        token_type: access.token_type(),
    })
}

/// A fresh `CLIENT_SECRET`, alone on its line.
pub(crate) fn secret(secret: &ClientSecret) -> Result<(), Failure> {
    let mut line = Zeroizing::new(String::with_capacity(65));
    line.push_str(&secret.to_hex());
    line.push('\n');
    write_stdout(&line)
}

/// The key's id and claims, as `verify` prints them.
#[derive(Serialize)]
struct KeyJson<'a> {
    expires_at: Option<String>,
    key_id: String,
    kind: &'static str,
    metadata: BTreeMap<&'a str, &'a str>,
    name: Option<&'a str>,
    scopes: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    session_id: Option<&'a str>,
}

impl<'a> KeyJson<'a> {
    fn new(key_id: impl ToString, kind: &'static str, claims: &'a Claims) -> KeyJson<'a> {
        KeyJson {
            expires_at: claims.expires_at_rfc3339(),
            key_id: key_id.to_string(),
            kind,
            metadata: claims
                .metadata()
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect(),
            name: claims.name(),
            scopes: claims.scopes(),
            session_id: claims.session_id(),
        }
    }
}

pub(crate) fn verified(key: &VerifiedKey) -> Result<(), Failure> {
    print_json(&KeyJson::new(key.key_id(), key.kind_name(), key.claims()))
}

pub(crate) fn inspected(found: &Inspection) -> Result<(), Failure> {
    #[derive(Serialize)]
    struct Inspected<'a> {
        #[serde(flatten)]
        key: KeyJson<'a>,
        in_client_keys: Option<bool>,
        expired: bool,
        minted_under: String,
    }
    print_json(&Inspected {
        key: KeyJson::new(found.key_id(), found.kind_name(), found.claims()),
        in_client_keys: found.in_allowlist(),
        expired: found.is_expired(),
        minted_under: match found.secret_index() {
            _ if found.is_legacy() => "CLIENT_SECRET_LEGACY".to_owned(),
            0 => "CLIENT_SECRET".to_owned(),
            n => format!("CLIENT_SECRET_PREVIOUS entry {n}"),
        },
    })
}

pub(crate) fn after_issue(key_id: KeyId, saved_to: Option<&Path>) {
    match saved_to {
        Some(path) => {
            eprintln!(
                "Saved key_id {key_id} to CLIENT_KEYS in {}.",
                path.display()
            );
            warn_if_overridden(Variable::ClientKeys, "add the key_id there too");
            eprintln!(
                "Next: reload or restart the servers that read it, then hand the \
                 key_access_token to the client over a secure channel."
            );
        }
        None => eprintln!(
            "Next: add the key_id to CLIENT_KEYS (e.g. `CLIENT_KEYS=...,{key_id}`) or mint with \
             --save, then hand the key_access_token to the client over a secure channel."
        ),
    }
    eprintln!(
        "The token cannot be shown again: if it is lost, issue a new key and revoke this one."
    );
}

pub(crate) fn after_init(done: &Initialized, path: &Path) {
    let path = path.display();
    if done.created {
        eprintln!(
            "Created {path} (mode 0600) with a fresh CLIENT_SECRET (secret id {}) and an empty \
             CLIENT_KEYS.",
            done.secret_id
        );
    } else {
        let keys = if done.added_client_keys {
            " and an empty CLIENT_KEYS"
        } else {
            ""
        };
        eprintln!(
            "Added a fresh CLIENT_SECRET (secret id {}){keys} to {path}; the rest of the file is \
             unchanged.",
            done.secret_id
        );
    }
    eprintln!(
        "Next: `issue-client-key --save --name CLIENT` mints a key and adds its id to \
         CLIENT_KEYS. Keep {path} out of version control."
    );
}

pub(crate) fn after_revoke(revoked: &Revoked, path: &Path) {
    let path = path.display();
    println!(
        "revoked {} (removed from CLIENT_KEYS in {path}; {} key(s) remain)",
        revoked.entry, revoked.remaining
    );
    eprintln!(
        "Reload or restart the servers that read {path} for the revocation to take effect (the \
         example server reloads on SIGHUP)."
    );
}

pub(crate) fn after_revoke_session(done: &SessionRevoked, path: &Path) {
    let path = path.display();
    let entry = &done.entry;
    let parent = entry.key_id();
    let session = match entry.session_id() {
        Some(id) => format!("session {id:?}"),
        None => "the default session (access tokens exchanged without a session id)".to_owned(),
    };
    println!(
        "revoked {session} of key_id {parent} (CLIENT_REVOKED_SESSIONS in {path}, listed until {})",
        entry.until_rfc3339()
    );
    if done.already_listed {
        eprintln!("It was already listed; its entry now lasts until the time above.");
    }
    if done.pruned > 0 {
        eprintln!(
            "Removed {} entr{} whose time had passed (every token of those sessions has expired).",
            done.pruned,
            if done.pruned == 1 { "y" } else { "ies" }
        );
    }
    eprintln!(
        "Its access tokens are refused once the servers reload; the key {parent} and its other \
         sessions keep working, and a new exchange for this session id is refused. To cut the \
         key off too: `issue-client-key revoke {parent}`.\n\
         Reload or restart the servers that read {path} for the revocation to take effect (the \
         example server and the gateway reload on SIGHUP)."
    );
}

pub(crate) fn after_rotate(done: &Rotated, path: &Path) {
    eprintln!(
        "Rotated CLIENT_SECRET in {path}: new keys are minted under secret id {new}.\n\
         The old secret (id {old}) is now first in CLIENT_SECRET_PREVIOUS ({n} secret(s) there): \
         keys minted under it keep verifying until you remove it from CLIENT_SECRET_PREVIOUS.\n\
         Next: reload or restart your servers, issue new keys to clients (`issue-client-key \
         --save`), revoke their old ones, then remove the old secret from \
         CLIENT_SECRET_PREVIOUS.",
        path = path.display(),
        new = done.new_secret_id,
        old = done.old_secret_id,
        n = done.previous_secrets,
    );
}

pub(crate) fn after_migrate(done: &Migrated, path: &Path) {
    let path = path.display();
    let keys = if done.added_client_keys {
        "CLIENT_KEYS was absent: it was added, empty (no token verifies until its id is listed)"
            .to_owned()
    } else {
        format!(
            "CLIENT_KEYS is unchanged: {} entr{}, {} of them Trivial id(s) (not key ids of this \
             tool)",
            done.client_keys,
            if done.client_keys == 1 { "y" } else { "ies" },
            done.legacy_ids,
        )
    };
    eprintln!(
        "Migrated {path} in one edit; every other line is unchanged.\n\
         CLIENT_SECRET_LEGACY now holds the old CLIENT_SECRET: servers that read it accept \
         Trivial's tokens (HS256 JWTs signed with it) whose key_id is in CLIENT_KEYS.\n\
         CLIENT_SECRET is fresh (secret id {new}): new keys are minted under it.\n\
         {keys}.",
        new = done.secret_id,
    );
    if let Some(old) = done.old_secret_id {
        eprintln!(
            "note: the old CLIENT_SECRET was also a valid secret of this tool (id {old}); it now \
             only verifies Trivial's JWTs. Keys of this tool (ckey_...) minted under it are \
             refused unless you also list that secret in CLIENT_SECRET_PREVIOUS."
        );
    }
    eprintln!(
        "Next:\n\
         1. Reload or restart the servers that read {path} (built with a client-keys that reads \
         CLIENT_SECRET_LEGACY): Trivial's tokens keep working, and so do new keys.\n\
         2. Issue each client a new key and hand it over: `issue-client-key --save --name \
         CLIENT`.\n\
         3. Watch the servers' `legacy token` log events (and the gateway's legacy token count) \
         to see which clients still use a Trivial token.\n\
         4. Once a client has switched, revoke its Trivial id: `issue-client-key revoke ID`.\n\
         5. When no Trivial id is left, delete the CLIENT_SECRET_LEGACY line and reload.\n\
         To roll back, Trivial's secret is still in CLIENT_SECRET_LEGACY (see docs/MIGRATING.md)."
    );
}

/// Warns when the environment sets `variable`, which then wins over the edited file.
pub(crate) fn warn_if_overridden(variable: Variable, what_to_do: &str) {
    if variable.is_set_in_environment() {
        eprintln!(
            "warning: {variable} is also set in the environment, which wins over the file: \
             {what_to_do}"
        );
    }
}

/// Warns when the `.env` file at `path` is readable by group or others (the library's
/// warning, which `check` reports too).
pub(crate) fn warn_if_readable(path: &Path) {
    if let Some(warning) = readable_warning(path) {
        eprintln!("warning: {warning}");
    }
}

/// Whether stdout is `/dev/null`, where a token would be lost (Rust's runtime reopens a
/// closed stdout there).
#[cfg(unix)]
pub(crate) fn stdout_is_null() -> bool {
    use std::os::fd::AsFd;
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let Ok(fd) = std::io::stdout().as_fd().try_clone_to_owned() else {
        return false;
    };
    let (Ok(out), Ok(null)) = (
        std::fs::File::from(fd).metadata(),
        std::fs::metadata("/dev/null"),
    ) else {
        return false;
    };
    out.file_type().is_char_device() && out.rdev() == null.rdev()
}

#[cfg(not(unix))]
pub(crate) fn stdout_is_null() -> bool {
    false
}

/// Writes one JSON document and a newline through a buffer that is wiped afterwards (it may
/// hold a token).
fn print_json(value: &impl Serialize) -> Result<(), Failure> {
    let mut buffer = Zeroizing::new(Vec::with_capacity(256));
    serde_json::to_writer(&mut *buffer, value)
        .map_err(|e| Failure::Io(format!("cannot write JSON: {e}")))?;
    buffer.push(b'\n');
    write_bytes(&buffer)
}

pub(crate) fn write_stdout(text: &str) -> Result<(), Failure> {
    write_bytes(text.as_bytes())
}

fn write_bytes(bytes: &[u8]) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| Failure::Io(format!("cannot write to stdout: {e}")))
}
