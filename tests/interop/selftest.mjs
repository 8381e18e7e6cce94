#!/usr/bin/env node
// Checks the harness itself, independently of Cairn's signing code: takes
// Cairn's documents (as fetch-cairn.mjs saved them), re-signs them with
// @digitalbazaar/vc as a did:web issuer of its own (eddsa-rdfc-2022, a fresh
// Ed25519 Multikey), serves that issuer's DID documents and the re-signed
// status lists on a loopback port the way Cairn would, and runs verify.mjs
// on them: every document must verify with both verifiers, every tampered
// copy and a copy whose revocation bit is set must fail. So a failure in
// Cairn's own run that this passes lies in Cairn's proofs, DID documents or
// URLs, not in the harness or the documents' JSON-LD.
//
//   node selftest.mjs --from http://127.0.0.1:CAIRN_PORT --out DIR [verify.mjs options] FILE...
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import * as network from './lib/network.mjs';

network.install();

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const take = flag => {
  const at = args.indexOf(flag);
  if (at < 0 || at + 1 >= args.length) {
    process.stderr.write(`selftest.mjs: ${flag} is required\n`);
    process.exit(2);
  }
  return args.splice(at, 2)[1];
};
const from = take('--from');
const out = take('--out');
// The rest: verify.mjs options to pass on (--context/--schema), then files.
const passOn = [];
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i].startsWith('--')) passOn.push(args[i], args[++i]);
  else files.push(args[i]);
}

const loader = await import('./lib/loader.mjs');
for (let i = 0; i < passOn.length; i += 2) {
  if (passOn[i] === '--context') {
    const [url, file] = [passOn[i + 1].slice(0, passOn[i + 1].lastIndexOf('=')), passOn[i + 1].slice(passOn[i + 1].lastIndexOf('=') + 1)];
    loader.addContext(url, file);
  }
}
const vc = await import('@digitalbazaar/vc');
const {DataIntegrityProof} = await import('@digitalbazaar/data-integrity');
const {cryptosuite} = await import('@digitalbazaar/eddsa-rdfc-2022-cryptosuite');
const {decodeList} = await import('@digitalbazaar/vc-bitstring-status-list');
const Ed25519Multikey = await import('@digitalbazaar/ed25519-multikey');

// Routes of the simulated issuer: path -> JSON document.
const routes = new Map();
const server = http.createServer((req, res) => {
  const doc = routes.get(req.url);
  res.writeHead(doc ? 200 : 404, {'content-type': 'application/json'});
  res.end(doc ? JSON.stringify(doc) : '{}');
});
await new Promise(resolve => server.listen(0, '127.0.0.1', resolve));
const port = server.address().port;
const base = `http://127.0.0.1:${port}`;
const host = encodeURIComponent(`127.0.0.1:${port}`);
const documentLoader = loader.makeLoader({cairn: base});

// A DID document as did:web resolvers expect it: the DID context first (so
// the proof purpose check reads it without JSON-LD framing), a Multikey
// whose id is the full DID URL, listed under assertionMethod.
async function issuer(did, didPath) {
  const key = await Ed25519Multikey.generate({controller: did});
  const method = {id: key.id, type: 'Multikey', controller: did, publicKeyMultibase: key.publicKeyMultibase};
  routes.set(didPath, {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: did,
    verificationMethod: [method],
    assertionMethod: [key.id],
  });
  return key;
}

const EXTENSIONS = 'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json';
const jsonLdProblems = [];

// eddsa-rdfc-2022 canonicalizes in JSON-LD safe mode: a term or type that no
// context defines is an error, not silently dropped. A document of Cairn's
// that fails so is reported (Cairn must fix its @context), then signed with
// the OB extensions context added so the rest of the harness is still tested.
async function sign(doc, key, label = doc.id) {
  const credential = structuredClone(doc);
  delete credential.proof;
  const suite = () => new DataIntegrityProof({signer: key.signer(), cryptosuite});
  try {
    return await vc.issue({credential: structuredClone(credential), suite: suite(), documentLoader});
  } catch (error) {
    const event = error.details?.event;
    if (!event || credential['@context'].includes(EXTENSIONS)) throw error;
    jsonLdProblems.push(`${label}: ${error.message} ${event.code} ${JSON.stringify(event.details)}`);
    credential['@context'] = [...credential['@context'], EXTENSIONS];
    return vc.issue({credential, suite: suite(), documentLoader});
  }
}

const keys = new Map(); // issuer (URL or did:web) in the document -> {did, key}
async function issuerFor(url) {
  if (!keys.has(url)) {
    const segments = url.startsWith('did:web:')
      ? url.split(':').slice(3).map(decodeURIComponent)
      : new URL(url).pathname.split('/').filter(Boolean);
    const did = segments.length ? `did:web:${host}:${segments.map(encodeURIComponent).join(':')}` : `did:web:${host}`;
    const didPath = segments.length ? `/${segments.join('/')}/did.json` : '/.well-known/did.json';
    keys.set(url, {did, key: await issuer(did, didPath)});
  }
  return keys.get(url);
}

// Cairn's URLs and did:web DIDs move to the simulated issuer's port;
// issuers become its DIDs.
const fromDid = `did:web:${encodeURIComponent(new URL(from).host)}`;
async function rehost(doc) {
  const moved = JSON.parse(JSON.stringify(doc).split(from).join(base).split(fromDid).join(`did:web:${host}`));
  const issuerUrl = typeof moved.issuer === 'string' ? moved.issuer : moved.issuer?.id;
  if (!issuerUrl) throw new Error('a document without an issuer');
  const {did, key} = await issuerFor(issuerUrl);
  if (typeof moved.issuer === 'string') moved.issuer = did;
  else moved.issuer.id = did;
  return {doc: moved, key};
}

fs.mkdirSync(out, {recursive: true});
const signed = [];
const lists = [];
for (const file of files) {
  const {doc, key} = await rehost(JSON.parse(fs.readFileSync(file, 'utf8')));
  const isList = [].concat(doc.type).includes('BitstringStatusListCredential');
  const result = await sign(doc, key, path.basename(file));
  const target = path.join(out, path.basename(file));
  fs.writeFileSync(target, `${JSON.stringify(result, null, 2)}\n`);
  signed.push(target);
  if (isList) {
    routes.set(new URL(result.id).pathname, result);
    lists.push({doc, key, result});
  }
}

// A credential whose revocation bit is set: its status check must fail.
const revocable = signed.map(f => JSON.parse(fs.readFileSync(f, 'utf8')))
  .find(d => [].concat(d.credentialStatus ?? []).some(s => s.statusPurpose === 'revocation'));
let revokedFile = null;
if (revocable) {
  const entry = [].concat(revocable.credentialStatus).find(s => s.statusPurpose === 'revocation');
  const list = lists.find(l => l.result.id === entry.statusListCredential);
  if (!list) throw new Error(`no status list ${entry.statusListCredential} among the files`);
  const bits = await decodeList({encodedList: list.doc.credentialSubject.encodedList});
  bits.setStatus(Number.parseInt(entry.statusListIndex, 10), true);
  const revokedList = structuredClone(list.doc);
  revokedList.id = `${list.doc.id}-revoked`;
  revokedList.credentialSubject.id = `${revokedList.id}#list`;
  revokedList.credentialSubject.encodedList = await bits.encode();
  const revokedListSigned = await sign(revokedList, list.key);
  routes.set(new URL(revokedListSigned.id).pathname, revokedListSigned);
  const revoked = structuredClone(revocable);
  for (const s of [].concat(revoked.credentialStatus)) {
    if (s.statusPurpose === 'revocation') {
      s.statusListCredential = revokedListSigned.id;
      s.id = `${revokedListSigned.id}#${s.statusListIndex}`;
    }
  }
  const did = typeof revoked.issuer === 'string' ? revoked.issuer : revoked.issuer.id;
  const {key} = [...keys.values()].find(k => k.did === did);
  revokedFile = path.join(out, 'revoked.json');
  fs.writeFileSync(revokedFile, `${JSON.stringify(await sign(revoked, key), null, 2)}\n`);
}

function verify(extra) {
  return new Promise(resolve => {
    const child = spawn(process.execPath, [path.join(here, 'verify.mjs'), '--cairn', base, ...passOn, ...extra], {stdio: 'inherit'});
    child.on('exit', code => resolve(code ?? 1));
  });
}

for (const problem of jsonLdProblems) {
  process.stdout.write(`CAIRN JSON-LD: ${problem}; signed here with ${EXTENSIONS} added to @context\n`);
}
let status = await verify(['--expect', 'verified', '--tamper', ...signed]);
if (revokedFile) status = (await verify(['--expect', 'failed', revokedFile])) || status;
server.close();
process.exit(status);
