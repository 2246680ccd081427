#!/usr/bin/env node
'use strict';

const USAGE = `Verify one token as a server would, with CLIENT_SECRET, CLIENT_SECRET_PREVIOUS, CLIENT_KEYS
and CLIENT_REVOKED_SESSIONS.

  client-keys-verify [TOKEN | -]   the token, or the first line of stdin when - or absent
  client-keys-verify --batch       JSON lines {"token": ..., "now": ..., "kinds": [...],
                                   "max_access_ttl": ...} in, one {"ok": ..., ...} line out
                                   for each

Prints the key as one line of JSON (as \`issue-client-key verify\` does) and exits 0; exits 1
with the reason on stderr for a refused token, 2 for a usage or configuration error.
`;

const fs = require('node:fs');
const readline = require('node:readline');
const { ConfigError, Verifier, VerifyError } = require('../lib');

const PROGRAM = 'client-keys-verify';
const ASCII_WHITESPACE = /^[ \t\n\f\r]+|[ \t\n\f\r]+$/g; // as Rust's trim_ascii: no vertical tab

/** The key as `issue-client-key verify` prints it: compact, keys sorted, UTF-8. */
function keyJson(key) {
  const metadata = [...key.metadata].map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',');
  const expiresAt = key.expiresAt === null ? null : new Date(key.expiresAt * 1000).toISOString().replace('.000Z', 'Z');
  const fields = [
    ['expires_at', JSON.stringify(expiresAt)], ['key_id', JSON.stringify(key.keyId)],
    ['kind', JSON.stringify(key.kind)], ['metadata', `{${metadata}}`], ['name', JSON.stringify(key.name)],
    ['scopes', JSON.stringify(key.scopes)],
  ];
  if (key.sessionId !== null) fields.push(['session_id', JSON.stringify(key.sessionId)]);
  return `{${fields.map(([name, value]) => `"${name}":${value}`).join(',')}}`;
}

/** The first line of stdin, at most 64 KiB, as bytes. */
function firstLineOfStdin() {
  const chunks = [];
  const buffer = Buffer.alloc(4096);
  for (let total = 0; total < 64 * 1024;) {
    let n;
    try {
      n = fs.readSync(0, buffer, 0, buffer.length, null);
    } catch (e) {
      if (e.code === 'EAGAIN') continue;
      if (e.code === 'EOF') break;
      throw e;
    }
    if (n === 0) break;
    const chunk = Buffer.from(buffer.subarray(0, n));
    const newline = chunk.indexOf(0x0a);
    chunks.push(newline < 0 ? chunk : chunk.subarray(0, newline + 1));
    total += n;
    if (newline >= 0) break;
  }
  return Buffer.concat(chunks);
}

function batch(verifier) {
  const verifiers = new Map([['|', verifier]]); // one per set of accepted kinds and longest lifetime
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  lines.on('line', (line) => {
    let out;
    try {
      const request = JSON.parse(line);
      const kinds = request.kinds ? [...request.kinds].sort() : null;
      const ttl = request.max_access_ttl ?? null;
      const id = `${kinds ? kinds.join(',') : ''}|${ttl ?? ''}`;
      if (!verifiers.has(id)) {
        const policy = { ...(kinds && { kinds }), ...(ttl !== null && { maxAccessTtl: ttl }) };
        verifiers.set(id, Verifier.fromEnv(process.env, policy));
      }
      if (typeof request.token !== 'string') throw new TypeError('no token');
      out = `{"ok":true,"key":${keyJson(verifiers.get(id).verify(request.token, { now: request.now }))}}`;
    } catch (e) {
      out = e instanceof VerifyError
        ? JSON.stringify({ ok: false, reason: e.reason, message: e.message })
        : JSON.stringify({ ok: false, reason: 'bad_input', message: e.name });
    }
    process.stdout.write(`${out}\n`);
  });
}

function main(args) {
  if (args.length > 1 || args[0] === '-h' || args[0] === '--help') {
    process.stderr.write(USAGE);
    return args.length > 1 ? 2 : 0;
  }
  let verifier;
  try {
    verifier = Verifier.fromEnv();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`${PROGRAM}: ${e.message}\n`);
    return 2;
  }
  if (args[0] === '--batch') {
    batch(verifier);
    return null;
  }
  const fromStdin = args.length === 0 || args[0] === '-';
  let token = args[0];
  if (fromStdin) {
    try {
      token = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(firstLineOfStdin());
    } catch {
      process.stderr.write(`${PROGRAM}: cannot read the token from stdin: it is not UTF-8\n`);
      return 2;
    }
  }
  token = token.replace(ASCII_WHITESPACE, '');
  if (token === '' && fromStdin) {
    process.stderr.write(`${PROGRAM}: no token: pass it as an argument or on stdin\n`);
    return 2;
  }
  try {
    process.stdout.write(`${keyJson(verifier.verify(token))}\n`);
    return 0;
  } catch (e) {
    if (!(e instanceof VerifyError)) throw e;
    process.stderr.write(`${PROGRAM}: token rejected: ${e.message}\n`);
    return 1;
  }
}

const code = main(process.argv.slice(2));
if (code !== null) process.exitCode = code;
