'use strict';

// client-keys verification of a plain key vs jsonwebtoken HS256 verify (+ allowlist lookup),
// in interleaved rounds; prints the median time of each and the median per-round ratio.
const crypto = require('node:crypto');
const path = require('node:path');
const { Verifier } = require('../node/lib');
const jwtLib = require(require.resolve('jsonwebtoken', { paths: [path.join(__dirname, 'node_modules')] }));
const jwtVersion = require(require.resolve('jsonwebtoken/package.json', { paths: [path.join(__dirname, 'node_modules')] })).version;

const ROUNDS = Number(process.env.ROUNDS ?? 200);
const vector = require('../../tests/vectors/client_key_v1.json').valid[0];
const keyId = vector.key_id;
const ids = [keyId, '3f2a9c1e5b7d4f6a8c0e2b4d6f8a1c3e', '0'.repeat(32)];
const verifier = new Verifier({ secret: vector.secret, clientKeys: ids.join(',') });
const hmacKey = Buffer.from(vector.secret, 'hex');
const jwt = jwtLib.sign({ key_id: keyId }, hmacKey, { algorithm: 'HS256', noTimestamp: true });
const allowlist = new Set(ids);

// jsonwebtoken makes a KeyObject of a Buffer or string secret on every call, which costs most of
// its time: measured both ways, as it is usually called and with the KeyObject made once.
const keyObject = crypto.createSecretKey(hmacKey);
const jwtCase = (secret) => () => {
  if (!allowlist.has(jwtLib.verify(jwt, secret, { algorithms: ['HS256'] }).key_id)) throw new Error('refused');
};
const cases = {
  'client-keys verify (plain key)': () => { if (verifier.verify(vector.token).keyId !== keyId) throw new Error('refused'); },
  [`jsonwebtoken ${jwtVersion} HS256 verify + lookup`]: jwtCase(hmacKey),
  [`jsonwebtoken ${jwtVersion} same, KeyObject made once`]: jwtCase(keyObject),
};
const clock = () => Number(process.hrtime.bigint());
const perOp = (f, n) => { const t = clock(); for (let i = 0; i < n; i += 1) f(); return (clock() - t) / n; };
for (const f of Object.values(cases)) perOp(f, 2000); // warm up the JIT
// Iterations per batch: about 2 ms of each function.
const n = Object.fromEntries(Object.entries(cases).map(([name, f]) => [name, Math.max(1, Math.ceil(2e6 / perOp(f, 500)))]));
const times = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
for (let r = 0; r < ROUNDS; r += 1) {
  for (const [name, f] of Object.entries(cases)) times[name].push(perOp(f, n[name]));
}
const sorted = (xs) => [...xs].sort((a, b) => a - b);
const median = (xs) => sorted(xs)[Math.floor(xs.length / 2)];
const [ck, ...others] = Object.values(times);
for (const [name, xs] of Object.entries(times)) console.log(`node    ${name.padEnd(48)} ${(median(xs) / 1000).toFixed(2).padStart(9)} us/op`);
others.forEach((jw, k) => {
  const ratios = sorted(jw.map((j, i) => j / ck[i]));
  console.log(`node    JWT / client-keys = ${median(ratios).toFixed(2)}x${k ? ' (KeyObject made once)' : ''} (interquartile range ` +
    `${ratios[Math.floor(ROUNDS / 4)].toFixed(2)}-${ratios[Math.floor(ROUNDS * 3 / 4)].toFixed(2)}, ${ROUNDS} rounds)`);
});
