//! `issue-client-key check`: a health report on the configuration that never shows a secret.

use std::fmt;
use std::path::Path;

use crate::config::allowlist::{Allowlist, entries};
use crate::config::revoked::RevokedSessions;
use crate::config::source::{EnvSource, Missing, Origin};
use crate::config::{ConfigError, Variable, parse_secret, previous_secrets};
use crate::operator::env_file::{leftover_temp_files, readable_warning};
use crate::token::claims::now_unix;
use crate::token::key_id::KeyId;
use crate::token::scan::looks_like_a_credential;
use crate::token::secret::ClientSecret;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// All is well.
    Ok,
    /// Works, but probably not as intended.
    Warning,
    /// Servers would refuse to start or would refuse every key.
    Error,
}

/// One line of a [`CheckReport`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// How serious it is.
    pub severity: Severity,
    /// What was found, and the fix when there is one. Never a secret.
    pub message: String,
}

/// The findings of [`CheckReport::run`], in the order they were made.
///
/// ```
/// use client_keys::operator::{CheckReport, Severity};
///
/// # let dir = tempfile::tempdir()?;
/// let path = dir.path().join(".env");
/// std::fs::write(&path, "CLIENT_SECRET=not-hex\n")?;
/// let report = CheckReport::run(Some(&path));
/// assert!(!report.is_healthy());
/// assert!(report.findings().iter().any(|f| f.severity == Severity::Error
///     && f.message.contains("CLIENT_SECRET")));
/// assert!(!report.to_string().contains("not-hex"));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct CheckReport {
    findings: Vec<Finding>,
}

impl CheckReport {
    /// Checks the configuration as a server would read it: the environment, over `env_file`
    /// (or `.env` in the current directory when `None`, which may be absent).
    #[must_use]
    pub fn run(env_file: Option<&Path>) -> CheckReport {
        let mut report = CheckReport::default();
        let source = report.check_file(env_file);
        let secret = report.check_secret(&source);
        report.check_previous(&source, secret.as_ref());
        report.check_keys(&source);
        report.check_revoked_sessions(&source, now_unix());
        report
    }

    /// The findings.
    #[must_use]
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// Whether nothing is an error (warnings allowed).
    #[must_use]
    pub fn is_healthy(&self) -> bool {
        self.findings.iter().all(|f| f.severity != Severity::Error)
    }

    fn push(&mut self, severity: Severity, message: impl Into<String>) {
        self.findings.push(Finding {
            severity,
            message: message.into(),
        });
    }

    fn check_file(&mut self, env_file: Option<&Path>) -> EnvSource {
        let (path, missing) = match env_file {
            Some(path) => (path, Missing::Refused),
            None => (Path::new(".env"), Missing::Allowed),
        };
        let source = match EnvSource::read(path, missing) {
            Ok(source) => source,
            Err(e) => {
                self.push(Severity::Error, e.to_string());
                return EnvSource::empty();
            }
        };
        let Some(path) = source.path() else {
            self.push(
                Severity::Ok,
                "no .env file here: reading the environment only",
            );
            return source;
        };
        if source.skipped().is_empty() && source.refusals().is_empty() {
            self.push(Severity::Ok, format!("{} parses", path.display()));
        }
        match readable_warning(path) {
            Some(warning) => self.push(Severity::Warning, warning),
            None => self.push(
                Severity::Ok,
                format!("{} is private to its owner", path.display()),
            ),
        }
        // Copies of the file an interrupted edit left behind (secrets included): the next edit
        // removes them.
        for temp in leftover_temp_files(path) {
            self.push(
                Severity::Warning,
                format!(
                    "{} is a copy of {} left by an interrupted edit, and may hold CLIENT_SECRET: \
                     the next edit (init, --save, revoke, rotate) removes it, or delete it \
                     (`rm {}`)",
                    temp.display(),
                    path.display(),
                    temp.display()
                ),
            );
        }
        // Lines defining no CLIENT_* variable that Ruby's dotenv and python-dotenv do not read
        // alike: skipped, as servers skip them. Their content is not shown (it may be secret).
        for skipped in source.skipped() {
            self.push(
                Severity::Warning,
                format!(
                    "{} {skipped} {} skipped: {}",
                    path.display(),
                    if skipped.last_line > skipped.line {
                        "are"
                    } else {
                        "is"
                    },
                    skipped.reason
                ),
            );
        }
        // CLIENT_* lines that cannot be read, and CLIENT_* variables defined more than once:
        // every server and command refuses the file.
        for refusal in source.refusals() {
            self.push(Severity::Error, refusal.to_string());
        }
        for name in Variable::ALL {
            if source.origin(name) == Origin::Environment
                && source.file_value(name).is_some()
                && std::env::var(name.name()).ok().as_deref() != source.file_value(name)
            {
                self.push(
                    Severity::Warning,
                    format!(
                        "{name} is set both in the environment and in {}, with different \
                         values: the environment wins",
                        path.display()
                    ),
                );
            }
        }
        source
    }

    fn check_secret(&mut self, source: &EnvSource) -> Option<ClientSecret> {
        if refused_in_file(source, Variable::ClientSecret) {
            return None;
        }
        let text = match source.get(Variable::ClientSecret) {
            Ok(Some(text)) => text,
            Ok(None) => {
                self.push(Severity::Error, ConfigError::MissingSecret.to_string());
                return None;
            }
            Err(e) => {
                self.push(Severity::Error, e.to_string());
                return None;
            }
        };
        match parse_secret(&text) {
            Ok(secret) => {
                self.push(
                    Severity::Ok,
                    format!(
                        "CLIENT_SECRET is valid (secret id {}, from {})",
                        secret.id(),
                        origin_name(source, Variable::ClientSecret)
                    ),
                );
                Some(secret)
            }
            Err(e) => {
                self.push(Severity::Error, e.to_string());
                None
            }
        }
    }

    fn check_previous(&mut self, source: &EnvSource, current: Option<&ClientSecret>) {
        if refused_in_file(source, Variable::ClientSecretPrevious) {
            return;
        }
        let text = match source.get(Variable::ClientSecretPrevious) {
            Ok(Some(text)) => text,
            Ok(None) => return,
            Err(e) => return self.push(Severity::Error, e.to_string()),
        };
        let mut ids = Vec::new();
        for (i, entry) in previous_secrets(&text).enumerate() {
            let secret = match entry {
                Ok(secret) => secret,
                Err(e) => {
                    self.push(Severity::Error, e.to_string());
                    continue;
                }
            };
            let (id, label) = (
                secret.id(),
                format!("CLIENT_SECRET_PREVIOUS entry {}", i + 1),
            );
            // Equal ids mean equal secrets but for a 2^-32 chance; both readings say "remove it".
            if ids.contains(&id) {
                self.push(
                    Severity::Warning,
                    format!("{label} repeats an earlier entry: remove it"),
                );
            } else if current.is_some_and(|c| c.id() == id) {
                self.push(
                    Severity::Warning,
                    format!("{label} is the current CLIENT_SECRET: remove it"),
                );
            }
            ids.push(id);
        }
        if !ids.is_empty() {
            let shown: Vec<String> = ids.iter().map(ToString::to_string).collect();
            self.push(
                Severity::Ok,
                format!(
                    "CLIENT_SECRET_PREVIOUS holds {} secret(s) whose keys still verify (ids {})",
                    ids.len(),
                    shown.join(", ")
                ),
            );
        }
    }

    fn check_keys(&mut self, source: &EnvSource) {
        if refused_in_file(source, Variable::ClientKeys) {
            return;
        }
        let text = match source.get(Variable::ClientKeys) {
            Ok(Some(text)) => text,
            Ok(None) => return self.push(Severity::Error, ConfigError::MissingKeys.to_string()),
            Err(e) => return self.push(Severity::Error, e.to_string()),
        };
        let list = Allowlist::parse(&text);
        if list.is_empty() {
            self.push(
                Severity::Warning,
                "CLIENT_KEYS is empty: every key is refused (add ids with `issue-client-key --save`)",
            );
        } else {
            self.push(
                Severity::Ok,
                format!(
                    "CLIENT_KEYS allows {} key(s) (from {})",
                    list.len(),
                    origin_name(source, Variable::ClientKeys)
                ),
            );
        }
        if list.duplicates() > 0 {
            self.push(
                Severity::Warning,
                format!(
                    "CLIENT_KEYS lists {} id(s) more than once: remove the repeats",
                    list.duplicates()
                ),
            );
        }
        let legacy = list.legacy_entries();
        let pasted: Vec<&str> = legacy
            .into_iter()
            .filter(|e| looks_like_a_credential(e))
            .collect();
        if !pasted.is_empty() {
            self.push(
                Severity::Error,
                format!(
                    "CLIENT_KEYS has {} entr(ies) that look like a token or a secret (not shown): \
                     CLIENT_KEYS takes key ids; replace each with its key id (`issue-client-key \
                     inspect` shows a token's) and treat what was pasted as leaked",
                    pasted.len()
                ),
            );
        }
        // During a migration, Trivial's ids match Trivial's tokens: count them instead.
        let migrating = source
            .get(Variable::ClientSecretLegacy)
            .ok()
            .flatten()
            .is_some_and(|secret| !secret.is_empty());
        if migrating {
            let legacy = list
                .legacy_entries()
                .into_iter()
                .filter(|e| !looks_like_a_credential(e))
                .count();
            self.push(
                Severity::Ok,
                format!(
                    "CLIENT_SECRET_LEGACY is set: Trivial's tokens are accepted for {legacy} \
                     legacy id(s) in CLIENT_KEYS; issue each of those clients a new key, revoke \
                     its legacy id, then remove CLIENT_SECRET_LEGACY (docs/MIGRATING.md)"
                ),
            );
            return;
        }
        // Every entry that no token can match, each with its problem (credentials were
        // reported above, without being shown).
        for (i, entry) in entries(&text).enumerate() {
            if entry.parse::<KeyId>().is_ok() || looks_like_a_credential(entry) {
                continue;
            }
            self.push(
                Severity::Warning,
                format!(
                    "CLIENT_KEYS entry {} ({entry}) {}: no token minted by this tool can match \
                     it",
                    i + 1,
                    never_matches(entry)
                ),
            );
        }
    }
}

impl CheckReport {
    fn check_revoked_sessions(&mut self, source: &EnvSource, now: u64) {
        let variable = Variable::ClientRevokedSessions;
        if refused_in_file(source, variable) {
            return;
        }
        let text = match source.get(variable) {
            Ok(Some(text)) => text,
            Ok(None) => return,
            Err(e) => return self.push(Severity::Error, e.to_string()),
        };
        let list = match RevokedSessions::parse(&text) {
            Ok(list) => list,
            Err(e) => {
                return self.push(
                    Severity::Error,
                    format!("{e} (every server refuses this configuration)"),
                );
            }
        };
        if list.is_empty() {
            return;
        }
        self.push(
            Severity::Ok,
            format!(
                "CLIENT_REVOKED_SESSIONS revokes {} session(s) (from {})",
                list.len(),
                origin_name(source, variable)
            ),
        );
        let prunable = list.iter().filter(|e| e.is_prunable_at(now)).count();
        if prunable > 0 {
            self.push(
                Severity::Warning,
                format!(
                    "CLIENT_REVOKED_SESSIONS has {prunable} entr(ies) whose time has passed: every \
                     token of those sessions has expired, so they can be removed (the next \
                     `issue-client-key revoke` of a session removes them)"
                ),
            );
        }
    }
}

/// Why a `CLIENT_KEYS` entry that is not a key id can never match one.
fn never_matches(entry: &str) -> String {
    if entry.contains(['"', '\'']) {
        "has a quote, which is never part of a key id (a reader that keeps quotes, such as \
         `docker --env-file`, read `CLIENT_KEYS=\"a, b\"`): write the list unquoted, \
         `CLIENT_KEYS=a,b`"
            .to_owned()
    } else if !entry.bytes().all(|b| b.is_ascii_hexdigit()) {
        "is not hexadecimal, and a key id is 32 hexadecimal characters".to_owned()
    } else {
        format!(
            "is {} characters long, and a key id is 32 hexadecimal characters",
            entry.chars().count()
        )
    }
}

/// Whether `name`'s value would come from the file, where it is refused (already reported
/// by `check_file`).
fn refused_in_file(source: &EnvSource, name: Variable) -> bool {
    source.refuses(name) && !name.is_set_in_environment()
}

fn origin_name(source: &EnvSource, name: Variable) -> String {
    match (source.origin(name), source.path()) {
        (Origin::File, Some(path)) => path.display().to_string(),
        _ => "the environment".to_owned(),
    }
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for finding in &self.findings {
            let label = match finding.severity {
                Severity::Ok => "ok",
                Severity::Warning => "warning",
                Severity::Error => "error",
            };
            writeln!(f, "{label:>7}: {}", finding.message)?;
        }
        let errors = self
            .findings
            .iter()
            .filter(|x| x.severity == Severity::Error)
            .count();
        let warnings = self
            .findings
            .iter()
            .filter(|x| x.severity == Severity::Warning)
            .count();
        if errors == 0 {
            write!(f, "healthy ({warnings} warning(s))")
        } else {
            write!(f, "not healthy: {errors} error(s), {warnings} warning(s)")
        }
    }
}
