//! Crash safety of the `.env` edits: the real binary is killed (SIGKILL) at many points during
//! `--save`, `revoke` and `rotate`, and after each kill the file must parse, keep every other
//! variable, hold exactly the old or exactly the new set of `CLIENT_*` values, keep mode 0600,
//! and no token may have been printed whose key id was not saved.
//!
//! Where a kill lands is up to the scheduler, so the invariants are checked for whatever
//! happened, never for a particular interleaving; [`a_kill_at_every_commit_stage_leaves_the_old_or_the_new_file`]
//! then pins every stage of the commit deterministically, through the library's test hook.

#![cfg(all(unix, feature = "cli"))]

mod common;

use std::collections::{BTreeSet, HashMap};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use client_keys::KeyId;
use client_keys::operator::{ConfigFile, EnvFile};
use serde_json::Value;
use tempfile::TempDir;

const SECRET: &str = "4b1f0e6d2c8a9735e1f04d2b6a8c9e7f3a5d0c1b2e4f6a8d9c7b5e3f1a0d2c4e";
const PREVIOUS: &str = "d0c1b2e4f6a8d9c7b5e3f1a0d2c4e4b1f0e6d2c8a9735e1f04d2b6a8c9e7f3a5";
const IDS: [&str; 3] = [
    "3f2a9c1e5b7d4f6a8c0e2b4d6f8a1c3e",
    "00000000000000000000000000000001",
    "a1b2c3d4e5f60718293a4b5c6d7e8f90",
];

/// A realistic operator's file: comments, `export`, quoting, a multi-line value holding a
/// `CLIENT_KEYS=` line, an empty value, an inline comment, no final newline.
fn fixture() -> String {
    format!(
        "# Billing API, production\n\
         export DATABASE_URL=\"postgres://app:p%40ss@db:5432/app?sslmode=require\"\n\
         GREETING='hello # not a comment'\n\
         MULTI=\"first line\n\
         CLIENT_KEYS=not-a-definition\n\
         third line\"\n\
         \n\
         # Client keys, managed by issue-client-key\n\
         CLIENT_SECRET={SECRET}\n\
         CLIENT_SECRET_PREVIOUS=\"{PREVIOUS}\"\n\
         CLIENT_KEYS=\"{}, {}, {}\"\n\
         EMPTY=\n\
         TRAILING=last # inline comment",
        IDS[0], IDS[1], IDS[2]
    )
}

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("issue-client-key")
}

/// The binary in `dir`, with none of our variables inherited from the test's environment.
fn command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(bin());
    cmd.args(args)
        .current_dir(dir)
        .env_remove("CLIENT_SECRET")
        .env_remove("CLIENT_SECRET_PREVIOUS")
        .env_remove("CLIENT_KEYS")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn write_private(path: &Path, content: &str) {
    std::fs::write(path, content).expect("write .env");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
}

fn mode_of(path: &Path) -> u32 {
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o7777
}

/// Names of the temporary files an edit of `.env` uses (`.env.client-keys-tmp-<pid>-<random>`).
fn temp_files(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".env.client-keys-tmp-"))
        .collect()
}

// ---------------------------------------------------------------------------
// The file's state as dotenvy reads it
// ---------------------------------------------------------------------------

/// Every variable of the file as dotenvy reads it, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
struct State {
    vars: Vec<(String, String)>,
}

impl State {
    /// Reads and parses the file; panics (with `context`) if dotenvy refuses it.
    fn read(path: &Path, context: &str) -> State {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{context}: cannot read: {e}"));
        let vars = dotenvy::Iter::new(&bytes[..])
            .collect::<Result<Vec<_>, _>>()
            .unwrap_or_else(|e| {
                panic!(
                    "{context}: the file no longer parses ({e}):\n{}",
                    String::from_utf8_lossy(&bytes)
                )
            });
        State { vars }
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn names(&self) -> Vec<&str> {
        self.vars.iter().map(|(k, _)| k.as_str()).collect()
    }

    fn others(&self) -> Vec<(String, String)> {
        self.vars
            .iter()
            .filter(|(k, _)| !k.starts_with("CLIENT_"))
            .cloned()
            .collect()
    }

    fn list(&self, name: &str) -> Vec<String> {
        self.get(name)
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }

    fn keys(&self) -> Vec<String> {
        self.list("CLIENT_KEYS")
    }

    fn secret(&self) -> &str {
        self.get("CLIENT_SECRET").unwrap_or_default()
    }

    fn previous(&self) -> Vec<String> {
        self.list("CLIENT_SECRET_PREVIOUS")
    }
}

fn is_hex(text: &str, len: usize) -> bool {
    text.len() == len
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[derive(Debug, Clone)]
enum Op {
    Save,
    /// Revoke this key id, passing `arg` (the id or a token carrying it) to the binary.
    Revoke {
        id: String,
        arg: String,
    },
    Rotate,
}

impl Op {
    fn args(&self) -> Vec<&str> {
        match self {
            Op::Save => vec!["--save", "--name", "crash-test"],
            Op::Revoke { arg, .. } => vec!["revoke", arg.as_str()],
            Op::Rotate => vec!["rotate"],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Old,
    New,
}

/// Whether `new` is exactly `old` or exactly `old` with `op` applied; anything else is an error.
fn classify(op: &Op, old: &State, new: &State) -> Result<Outcome, String> {
    if new.names() != old.names() {
        return Err(format!(
            "the variables changed: {:?} -> {:?}",
            old.names(),
            new.names()
        ));
    }
    if new.others() != old.others() {
        return Err("a variable that is not CLIENT_* changed".to_owned());
    }
    if new == old {
        return Ok(Outcome::Old);
    }
    let same_secrets = new.secret() == old.secret() && new.previous() == old.previous();
    match op {
        Op::Save => {
            let (old_keys, new_keys) = (old.keys(), new.keys());
            let added = new_keys.len() == old_keys.len() + 1
                && new_keys[..old_keys.len()] == old_keys[..]
                && new_keys
                    .last()
                    .is_some_and(|id| is_hex(id, 32) && !old_keys.contains(id));
            if same_secrets && added {
                return Ok(Outcome::New);
            }
        }
        Op::Revoke { id, .. } => {
            let expected: Vec<String> = old
                .keys()
                .into_iter()
                .filter(|k| !k.eq_ignore_ascii_case(id))
                .collect();
            if same_secrets && new.keys() == expected {
                return Ok(Outcome::New);
            }
        }
        Op::Rotate => {
            let mut expected_previous = vec![old.secret().to_owned()];
            expected_previous.extend(old.previous().into_iter().filter(|p| p != old.secret()));
            if new.keys() == old.keys()
                && is_hex(new.secret(), 64)
                && new.secret() != old.secret()
                && !old.previous().iter().any(|p| p == new.secret())
                && new.previous() == expected_previous
            {
                return Ok(Outcome::New);
            }
        }
    }
    Err("neither the old nor the new set of CLIENT_* values".to_owned())
}

// ---------------------------------------------------------------------------
// Running and killing the binary
// ---------------------------------------------------------------------------

struct Run {
    pid: u32,
    output: Output,
    /// From spawn to exit, when the process was not killed.
    elapsed: Duration,
}

impl Run {
    fn completed(&self) -> bool {
        self.output.status.success()
    }

    fn killed(&self) -> bool {
        self.output.status.signal() == Some(9)
    }

    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }
}

/// Runs `op` and, when `kill_after` is given, sends SIGKILL that long after the spawn (the
/// process may have exited by then: a valid outcome too).
fn run(dir: &Path, op: &Op, kill_after: Option<Duration>) -> Run {
    let mut child = command(dir, &op.args()).spawn().expect("spawns");
    let pid = child.id();
    let start = Instant::now();
    if let Some(delay) = kill_after {
        if !delay.is_zero() {
            std::thread::sleep(delay);
        }
        // Fails harmlessly if the child already exited.
        let _ = child.kill();
    }
    let output = child.wait_with_output().expect("waits");
    Run {
        pid,
        output,
        elapsed: start.elapsed(),
    }
}

/// A deterministic pseudo-random sequence (xorshift64*), so that every run of the test
/// sweeps the same kill delays.
struct Sequence(u64);

impl Sequence {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `[0, 1)`.
    fn fraction(&mut self) -> f64 {
        // 53 random bits: exactly representable.
        #[allow(clippy::cast_precision_loss)]
        let bits = (self.next() >> 11) as f64;
        bits / (1u64 << 53) as f64
    }
}

#[derive(Debug, Default)]
struct Tally {
    killed_old: usize,
    killed_new: usize,
    completed: usize,
    stale_temps: usize,
}

/// What one run did, checked against every invariant; returns the outcome.
fn check_run(
    dir: &Path,
    env: &Path,
    op: &Op,
    old: &State,
    temps_before: &BTreeSet<String>,
    run: &Run,
    context: &str,
) -> Outcome {
    let (stdout, stderr) = (run.stdout(), run.stderr());
    assert!(
        run.completed() || run.killed(),
        "{context}: the run failed on its own ({:?}): {stderr}",
        run.output.status
    );

    // (a) the file parses, (b) other variables are unchanged, (c) old or new set.
    let new = State::read(env, context);
    let outcome = classify(op, old, &new)
        .unwrap_or_else(|e| panic!("{context}: {e}\nbefore: {old:#?}\nafter: {new:#?}"));
    assert_eq!(mode_of(env), 0o600, "{context}: the mode of .env changed");
    if run.completed() {
        assert_eq!(
            outcome,
            Outcome::New,
            "{context}: a completed run changed nothing: {stderr}"
        );
    }

    // (d) nothing announces a change that was not saved.
    match op {
        Op::Save => {
            if !stdout.is_empty() {
                let json: Value = serde_json::from_str(&stdout)
                    .unwrap_or_else(|e| panic!("{context}: partial output {stdout:?}: {e}"));
                let key_id = json["key_id"].as_str().expect("key_id");
                let token = json["key_access_token"].as_str().expect("token");
                assert_eq!(
                    outcome,
                    Outcome::New,
                    "{context}: token printed, id not saved"
                );
                assert_eq!(
                    new.keys().last().map(String::as_str),
                    Some(key_id),
                    "{context}"
                );
                // The printed token really is accepted by the file as it now is.
                let verifier =
                    common::verifier(new.secret(), &new.keys().join(",")).expect("verifier");
                let verified = verifier.verify(token).expect("the printed token verifies");
                assert_eq!(verified.key_id().to_string(), key_id, "{context}");
            } else {
                assert!(
                    !run.completed(),
                    "{context}: completed without printing a token"
                );
            }
        }
        Op::Revoke { id, .. } => {
            if stdout.contains("revoked") {
                assert_eq!(
                    outcome,
                    Outcome::New,
                    "{context}: announced, not saved: {stdout}"
                );
                assert!(stdout.contains(id.as_str()), "{context}: {stdout}");
            }
        }
        Op::Rotate => {
            if stderr.contains("Rotated CLIENT_SECRET") {
                assert_eq!(
                    outcome,
                    Outcome::New,
                    "{context}: announced, not saved: {stderr}"
                );
            }
        }
    }

    // (e) only the killed run may have left a temporary file: its own, private to the owner;
    // a run that got the lock removed those of earlier kills, and a completed run leaves none.
    let temps_after = temp_files(dir);
    let new_temps: Vec<&String> = temps_after.difference(temps_before).collect();
    if run.completed() {
        assert!(
            temps_after.is_empty(),
            "{context}: a completed run leaves no temporary file: {temps_after:?}"
        );
    }
    assert!(new_temps.len() <= 1, "{context}: {new_temps:?}");
    for name in new_temps {
        assert!(
            name.starts_with(&format!(".env.client-keys-tmp-{}-", run.pid)),
            "{context}: {name} is not the killed process's ({})",
            run.pid
        );
        // It may hold a full copy of the file, CLIENT_SECRET included.
        assert_eq!(
            mode_of(&dir.join(name)),
            0o600,
            "{context}: {name} is not private"
        );
    }
    outcome
}

/// Ids of the `Save` runs' printed tokens, to revoke some keys by token.
type Tokens = HashMap<String, String>;

fn remember_token(run: &Run, tokens: &mut Tokens) {
    let Ok(json) = serde_json::from_str::<Value>(&run.stdout()) else {
        return;
    };
    if let (Some(id), Some(token)) = (json["key_id"].as_str(), json["key_access_token"].as_str()) {
        tokens.insert(id.to_owned(), token.to_owned());
    }
}

/// The next operation of a phase; tops the file up outside any kill window when needed.
fn next_op(phase: &str, env: &Path, seq: &mut Sequence, tokens: &Tokens) -> Op {
    match phase {
        "save" => Op::Save,
        "revoke" => {
            let file = ConfigFile::new(env);
            while State::read(env, "top up").keys().len() < 2 {
                file.save_key_id(KeyId::generate())
                    .expect("top up CLIENT_KEYS");
            }
            let keys = State::read(env, "pick").keys();
            let pick = usize::try_from(seq.next() % keys.len() as u64).expect("fits");
            let id = keys[pick].clone();
            // Every other revoke by token, when the key came from a `--save` above.
            let arg = match tokens.get(&id) {
                Some(token) if seq.next().is_multiple_of(2) => token.clone(),
                _ => id.clone(),
            };
            Op::Revoke { id, arg }
        }
        _ => {
            // Keep CLIENT_SECRET_PREVIOUS short: back to the fixture's single entry.
            if State::read(env, "trim").previous().len() >= 6 {
                let mut file = EnvFile::open(env).expect("open");
                file.set("CLIENT_SECRET_PREVIOUS", PREVIOUS).expect("set");
                file.commit().expect("commit");
            }
            Op::Rotate
        }
    }
}

/// 200 kills in all, split over the three edits; each iteration's "old" state is the file as
/// it is just before the run.
#[test]
fn killing_save_revoke_and_rotate_anywhere_leaves_the_old_or_the_new_file() {
    const CALIBRATION_RUNS: usize = 3;
    let phases: [(&str, usize); 3] = [("save", 80), ("revoke", 60), ("rotate", 60)];

    let dir = TempDir::new().expect("tempdir");
    let env = dir.path().join(".env");
    write_private(&env, &fixture());
    let fixture_others = State::read(&env, "fixture").others();
    assert_eq!(fixture_others.len(), 5, "{fixture_others:?}");

    let mut seq = Sequence(0x9e37_79b9_7f4a_7c15);
    let mut tokens = Tokens::new();
    let mut tally = Tally::default();
    let mut kills = 0;
    for (phase, iterations) in phases {
        // Measure a normal run (these runs are checked like the others), then spread the
        // kills from 0 to 1.2 times that, with an immediate kill every eighth iteration.
        let mut durations = Vec::new();
        for i in 0..CALIBRATION_RUNS {
            let op = next_op(phase, &env, &mut seq, &tokens);
            let (old, temps) = (State::read(&env, "before"), temp_files(dir.path()));
            let done = run(dir.path(), &op, None);
            let context = format!("{phase} calibration {i} ({op:?})");
            check_run(dir.path(), &env, &op, &old, &temps, &done, &context);
            assert!(done.completed(), "{context}");
            remember_token(&done, &mut tokens);
            durations.push(done.elapsed);
        }
        durations.sort();
        let normal = durations[CALIBRATION_RUNS / 2];

        for i in 0..iterations {
            let op = next_op(phase, &env, &mut seq, &tokens);
            let delay = if i.is_multiple_of(8) {
                Duration::ZERO
            } else {
                normal.mul_f64(1.2 * seq.fraction())
            };
            let (old, temps) = (State::read(&env, "before"), temp_files(dir.path()));
            let done = run(dir.path(), &op, Some(delay));
            let context =
                format!("{phase} {i}, killed after {delay:?} (normal {normal:?}), {op:?}");
            let outcome = check_run(dir.path(), &env, &op, &old, &temps, &done, &context);
            remember_token(&done, &mut tokens);
            match (done.completed(), outcome) {
                (true, _) => tally.completed += 1,
                (false, Outcome::Old) => tally.killed_old += 1,
                (false, Outcome::New) => tally.killed_new += 1,
            }
            kills += 1;
        }
    }
    assert_eq!(kills, 200);

    // Stale temporary files left by kills between their creation and the rename do not stop
    // later edits, are never taken for the file, and the next edit removes them.
    let leftovers = temp_files(dir.path());
    tally.stale_temps = leftovers.len();
    eprintln!("crash sweep: {tally:?}");
    let old = State::read(&env, "final");
    let op = Op::Save;
    let done = run(dir.path(), &op, None);
    check_run(
        dir.path(),
        &env,
        &op,
        &old,
        &leftovers,
        &done,
        "final --save",
    );
    assert!(done.completed(), "final --save: {}", done.stderr());
    let check = command(dir.path(), &["check"]).output().expect("runs");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    assert_eq!(State::read(&env, "final").others(), fixture_others);
    assert_eq!(mode_of(&env), 0o600);
    assert!(
        temp_files(dir.path()).is_empty(),
        "the next edit removes stale temp files"
    );
}

// ---------------------------------------------------------------------------
// Every commit stage, deterministically
// ---------------------------------------------------------------------------

const CHILD_FILE: &str = "CLIENT_KEYS_TEST_CRASH_CHILD_FILE";
const CHILD_STAGE: &str = "CLIENT_KEYS_TEST_CRASH_CHILD_STAGE";
const CHILD_NEW_ID: &str = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a";

/// Not a test of its own: the child process that
/// `a_kill_at_every_commit_stage_leaves_the_old_or_the_new_file` starts (with `--ignored`). It
/// appends an id to `CLIENT_KEYS` and SIGKILLs its own process at the named commit stage.
#[test]
#[ignore = "child process of a_kill_at_every_commit_stage_leaves_the_old_or_the_new_file"]
fn child_process_killed_during_commit() {
    let file = std::env::var_os(CHILD_FILE).expect("started by the parent test");
    let stage = std::env::var(CHILD_STAGE).expect("started by the parent test");
    let mut env = EnvFile::open(Path::new(&file)).expect("opens");
    let keys = env.get("CLIENT_KEYS").unwrap_or_default().to_owned();
    env.set("CLIENT_KEYS", &format!("{keys}, {CHILD_NEW_ID}"))
        .expect("set");
    let result = env.commit_with(|at, _temp| {
        if format!("{at:?}") == stage {
            // The shell's own `kill`: SIGKILL, so that no destructor runs.
            let script = format!("kill -KILL {}", std::process::id());
            let _ = Command::new("sh").args(["-c", &script]).status();
            // Not reached once the signal lands; never hang if it cannot be sent.
            std::thread::sleep(Duration::from_secs(10));
            std::process::abort();
        }
        Ok(())
    });
    panic!("stage {stage} never came: {result:?}");
}

#[test]
fn a_kill_at_every_commit_stage_leaves_the_old_or_the_new_file() {
    let exe = std::env::current_exe().expect("test binary");
    for (stage, renamed) in [
        ("TempCreated", false),
        ("TempWritten", false),
        ("BeforeRename", false),
        ("Renamed", true),
    ] {
        let dir = TempDir::new().expect("tempdir");
        let env = dir.path().join(".env");
        write_private(&env, &fixture());
        let original = std::fs::read(&env).expect("read");
        let old = State::read(&env, stage);

        let status = Command::new(&exe)
            .args([
                "child_process_killed_during_commit",
                "--exact",
                "--ignored",
                "--quiet",
                "--test-threads=1",
            ])
            .env(CHILD_FILE, &env)
            .env(CHILD_STAGE, stage)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("runs the child");
        assert_eq!(
            status.signal(),
            Some(9),
            "{stage}: the child was not killed: {status:?}"
        );

        let new = State::read(&env, stage);
        assert_eq!(mode_of(&env), 0o600, "{stage}");
        let temps = temp_files(dir.path());
        if renamed {
            let mut keys = old.keys();
            keys.push(CHILD_NEW_ID.to_owned());
            assert_eq!(new.keys(), keys, "{stage}: the new file is in place");
            assert_eq!(new.others(), old.others(), "{stage}");
            assert!(temps.is_empty(), "{stage}: {temps:?}");
        } else {
            assert_eq!(
                std::fs::read(&env).expect("read"),
                original,
                "{stage}: byte for byte"
            );
            // SIGKILL runs no destructor: the temporary file stays, private to the owner.
            assert_eq!(temps.len(), 1, "{stage}: {temps:?}");
            let temp = dir.path().join(temps.iter().next().expect("one"));
            assert_eq!(
                mode_of(&temp),
                0o600,
                "{stage}: a stale temp file may hold the secret"
            );
            let content = std::fs::read(&temp).expect("read temp");
            if stage == "TempCreated" {
                assert!(content.is_empty(), "{stage}");
            } else {
                let in_temp = State::read(&temp, stage);
                assert!(in_temp.keys().contains(&CHILD_NEW_ID.to_owned()), "{stage}");
            }
        }

        // The real binary still edits the file, and removes the stale temp file.
        let mut tokens = Tokens::new();
        for op in [Op::Save, Op::Rotate] {
            let before = State::read(&env, stage);
            let done = run(dir.path(), &op, None);
            let context = format!("{stage}, then {op:?}");
            check_run(dir.path(), &env, &op, &before, &temps, &done, &context);
            assert!(done.completed(), "{context}: {}", done.stderr());
            remember_token(&done, &mut tokens);
        }
        let (id, token) = tokens.into_iter().next().expect("a saved key");
        let op = Op::Revoke { id, arg: token };
        let before = State::read(&env, stage);
        let done = run(dir.path(), &op, None);
        check_run(
            dir.path(),
            &env,
            &op,
            &before,
            &temps,
            &done,
            &format!("{stage}, then revoke"),
        );
        assert!(done.completed(), "{stage}: {}", done.stderr());
        assert!(
            temp_files(dir.path()).is_empty(),
            "{stage}: the next edit removes stale temp files"
        );
    }
}
