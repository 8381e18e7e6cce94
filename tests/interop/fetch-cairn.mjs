#!/usr/bin/env node
// Saves the documents Cairn's demo issues, for verify.mjs: a micro-credential
// and an award from a demo learner's wallet, that learner's CLR, and the two
// status list credentials (revocation, suspension) the micro-credential
// points to, as JSON.
//
//   node fetch-cairn.mjs http://127.0.0.1:PORT OUTDIR
// Prints the files written, one a line.
import fs from 'node:fs';
import path from 'node:path';

const [base, out] = process.argv.slice(2);
if (!base || !out) {
  process.stderr.write('usage: fetch-cairn.mjs BASE_URL OUTDIR\n');
  process.exit(2);
}
if (!/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(base)) {
  process.stderr.write(`fetch-cairn.mjs: ${base} is not a loopback URL\n`);
  process.exit(2);
}
// Demo learner who holds three micro-credentials and the award they stack into
// (api/src/demo.rs; every demo password is in the README).
const LEARNER = {email: 'ada@learners.example', password: 'cairn-demo-password'};

async function call(url, {token, accept = 'application/json', body} = {}) {
  const headers = {accept};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body) headers['content-type'] = 'application/json';
  const response = await fetch(url.startsWith('http') ? url : base + url, {
    method: body ? 'POST' : 'GET', headers, body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(15000),
  });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${await response.text()}`);
  return response.json();
}

function save(name, doc) {
  const file = path.join(out, name);
  fs.writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  process.stdout.write(`${file}\n`);
}

fs.mkdirSync(out, {recursive: true});
const {access_token: token} = await call('/v1/auth/token', {body: LEARNER});
const wallet = await call('/v1/me/wallet', {token});
const typeOf = c => c.ob3?.credentialSubject?.achievement?.achievementType;
const micro = wallet.credentials.find(c => typeOf(c) === 'MicroCredential' && c.status === 'active');
const award = wallet.credentials.find(c => typeOf(c) === 'Award' && c.status === 'active');
if (!micro || !award) throw new Error(`the demo wallet lacks an active micro-credential or award: ${wallet.credentials.map(typeOf)}`);
save('micro-credential.json', micro.ob3);
save('award.json', award.ob3);
save('clr.json', await call('/v1/me/clr', {token}));
const statuses = [].concat(micro.ob3.credentialStatus ?? []);
if (statuses.length === 0) throw new Error('the micro-credential has no credentialStatus');
for (const entry of statuses) {
  save(`status-list-${entry.statusPurpose}.json`, await call(entry.statusListCredential, {accept: 'application/json'}));
}
