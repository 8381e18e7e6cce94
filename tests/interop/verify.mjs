#!/usr/bin/env node
// Verifies credential JSON files with two independent JavaScript verifiers,
// offline: @digitalbazaar/vc with the eddsa-rdfc-2022 Data Integrity
// cryptosuite (our own documentLoader, lib/loader.mjs), and
// @digitalcredentials/verifier-core (its own built-in loader and suites, its
// network replaced by lib/network.mjs). Prints one JSON line per file per
// verifier; exits 1 when a verdict differs from the expectation.
//
//   node verify.mjs [options] FILE...
//     --expect verified|failed   every file must get this verdict from both
//     --manifest FILE            expected verdicts per file name (examples-verdicts.json)
//     --write-verdicts FILE      write the verdicts as a manifest (no comparison)
//     --tamper                   also verify each file with one character of its
//                                `name` changed; that copy must fail with both
//     --context URL=FILE         serve FILE as the JSON-LD context URL
//     --schema URL=FILE          serve FILE as a JSON Schema (verifier-core's schema check)
//     --did-doc FILE             a DID document (JSON with `id`) to resolve offline
//     --cairn http://127.0.0.1:PORT   the Cairn under test: its did:web DIDs and
//                                status lists are fetched from it (loopback only)
//     --verifier NAME            only `digitalbazaar` or `verifier-core`
//     --trace                    print every URL asked for (stderr)
//     --verbose                  include the raw result (stderr)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as network from './lib/network.mjs';

network.install(); // before any verifier library loads
// The libraries log to stdout (verifier-core's schema check does); stdout is
// for our JSON lines only.
console.log = (...args) => console.error(...args);

const VERIFIERS = ['digitalbazaar', 'verifier-core'];

function usage(message) {
  process.stderr.write(`verify.mjs: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const options = {files: [], contexts: [], schemas: [], didDocs: [], verifiers: VERIFIERS};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${arg} needs a value`);
      return argv[++i];
    };
    const pair = () => {
      const v = value();
      const at = v.lastIndexOf('=');
      if (at < 1) usage(`${arg} needs URL=FILE`);
      return [v.slice(0, at), v.slice(at + 1)];
    };
    switch (arg) {
      case '--expect': options.expect = value(); break;
      case '--manifest': options.manifest = value(); break;
      case '--write-verdicts': options.writeVerdicts = value(); break;
      case '--tamper': options.tamper = true; break;
      case '--context': options.contexts.push(pair()); break;
      case '--schema': options.schemas.push(pair()); break;
      case '--did-doc': options.didDocs.push(value()); break;
      case '--cairn': options.cairn = value(); break;
      case '--verifier': options.verifiers = [value()]; break;
      case '--trace': options.trace = true; break;
      case '--verbose': options.verbose = true; break;
      default:
        if (arg.startsWith('--')) usage(`unknown option ${arg}`);
        options.files.push(arg);
    }
  }
  if (options.files.length === 0) usage('no files');
  if (options.expect && !['verified', 'failed'].includes(options.expect)) usage('--expect verified|failed');
  if (options.verifiers.some(v => !VERIFIERS.includes(v))) usage(`--verifier ${VERIFIERS.join('|')}`);
  return options;
}

const options = parseArgs(process.argv.slice(2));

const loader = await import('./lib/loader.mjs');
for (const [url, file] of options.contexts) {
  loader.addContext(url, file); // for our loader
  network.serveFile(url, file, 'application/ld+json'); // for verifier-core's
}
for (const [url, file] of options.schemas) network.serveFile(url, file);
for (const file of options.didDocs) {
  const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (typeof doc.id !== 'string' || !doc.id.startsWith('did:web:')) usage(`${file}: a did:web DID document needs an "id"`);
  network.serveFile(didWebUrl(doc.id), file);
}
if (options.cairn) network.setCairn(options.cairn);

const documentLoader = loader.makeLoader({cairn: options.cairn});
const vc = await import('@digitalbazaar/vc');
const {DataIntegrityProof} = await import('@digitalbazaar/data-integrity');
const {cryptosuite} = await import('@digitalbazaar/eddsa-rdfc-2022-cryptosuite');
const {checkStatus} = await import('@digitalbazaar/vc-bitstring-status-list');
const verifierCore = await import('@digitalcredentials/verifier-core');

// did:web:HOST:a:b -> https://HOST/a/b/did.json (did:web method spec).
function didWebUrl(did) {
  const [host, ...segments] = did.slice('did:web:'.length).split(':');
  const tail = segments.length ? `${segments.map(decodeURIComponent).join('/')}/did.json` : '.well-known/did.json';
  return `https://${decodeURIComponent(host)}/${tail}`;
}

function describe(error) {
  if (!error) return [];
  const list = Array.isArray(error.errors) && error.errors.length ? error.errors : [error];
  return list.flatMap(e => {
    const own = `${e.name ?? 'Error'}: ${e.message ?? String(e)}`;
    return e.cause?.message ? [`${own} (cause: ${e.cause.message})`] : [own];
  });
}

async function withDigitalBazaar(credential) {
  const suite = new DataIntegrityProof({cryptosuite});
  const hasStatus = credential.credentialStatus !== undefined;
  const result = await vc.verifyCredential({
    credential,
    suite,
    documentLoader,
    ...(hasStatus ? {checkStatus} : {}),
  });
  const proof = result.results?.[0]?.verified === true;
  // `statusResult.verified` says the status lists were loaded and verified;
  // each entry's `status` is its bit: set means revoked or suspended.
  const entries = result.statusResult?.results ?? [];
  const set = entries.filter(entry => entry.status !== false);
  const status = hasStatus ? result.statusResult?.verified === true && entries.length > 0 && set.length === 0 : null;
  const errors = describe(result.error);
  if (hasStatus && result.statusResult?.error) errors.push(...describe(result.statusResult.error).map(e => `status: ${e}`));
  for (const entry of set) errors.push(`status: ${entry.credentialStatus?.statusPurpose} bit set (${entry.credentialStatus?.id})`);
  return {verified: result.verified === true && status !== false, proof, status, errors, raw: result};
}

async function withVerifierCore(credential) {
  // No registry: "proof valid, issuer in no registry" is a valid proof here.
  const result = await verifierCore.verifyCredential({credential, knownDIDRegistries: []});
  if (result.errors) {
    return {verified: false, proof: false, status: null, registry: null,
            errors: result.errors.map(e => `${e.name}: ${e.message}`), raw: result};
  }
  const log = result.log ?? [];
  const step = id => log.find(entry => entry.id === id);
  const proof = step('valid_signature')?.valid === true;
  const statusSteps = log.filter(entry => entry.id === 'revocation_status' || entry.id === 'suspension_status');
  const status = statusSteps.length ? statusSteps.every(entry => entry.valid === true) : null;
  const registry = step('registered_issuer')?.valid ?? null;
  // The JSON Schema check is information only: it does not enter `verified`.
  const schemaResults = result.additionalInformation?.find(entry => entry.id === 'schema_check')?.results;
  const schema = Array.isArray(schemaResults) ? schemaResults.every(r => r.result?.valid === true) : (schemaResults ?? null);
  const failing = log.filter(entry => entry.id !== 'registered_issuer' && entry.valid !== true);
  const errors = failing.map(entry => `${entry.id}: ${entry.error?.name ?? 'invalid'}${entry.error?.message ? ` (${entry.error.message})` : ''}`);
  return {verified: proof && failing.length === 0, proof, status, registry, schema, errors, raw: result};
}

const run = {digitalbazaar: withDigitalBazaar, 'verifier-core': withVerifierCore};

// One character of the credential's `name` changed (or, without one, of the
// first `name` found inside it): the proof covers it, so both must fail.
function tampered(credential) {
  const copy = structuredClone(credential);
  const holders = [copy, copy.credentialSubject?.achievement, copy.credentialSubject];
  let holder = holders.find(h => h && typeof h.name === 'string' && h.name.length > 0);
  if (!holder) {
    const stack = [copy];
    while (stack.length && !holder) {
      const node = stack.pop();
      if (node && typeof node === 'object') {
        if (typeof node.name === 'string' && node.name.length > 0 && node !== copy.proof) holder = node;
        else stack.push(...Object.values(node));
      }
    }
  }
  if (!holder) throw new Error('no `name` to tamper with');
  const first = holder.name[0];
  holder.name = (first === 'X' ? 'Y' : 'X') + holder.name.slice(1);
  return copy;
}

const cases = [];
for (const file of options.files) {
  const credential = JSON.parse(fs.readFileSync(file, 'utf8'));
  cases.push({file, credential, expect: options.expect});
  if (options.tamper) cases.push({file: `${file}#tampered`, credential: tampered(credential), expect: 'failed'});
}

let manifest = null;
if (options.manifest) manifest = JSON.parse(fs.readFileSync(options.manifest, 'utf8')).verdicts;

const verdicts = {};
let mismatches = 0;
for (const c of cases) {
  for (const verifier of options.verifiers) {
    let outcome;
    const asked = network.trace().length;
    try {
      outcome = await run[verifier](c.credential);
    } catch (error) {
      outcome = {verified: false, proof: false, status: null, errors: describe(error)};
    }
    const verdict = outcome.verified ? 'verified' : 'failed';
    const name = path.basename(c.file);
    const entry = (verdicts[name] ??= {});
    entry[verifier] = verdict;
    if (outcome.errors.length) (entry.reasons ??= {})[verifier] = outcome.errors[0];
    let expected = c.expect;
    if (!expected && manifest && !c.file.endsWith('#tampered')) expected = manifest[name]?.[verifier];
    if (manifest && !expected && !c.expect) expected = 'missing from manifest';
    const line = {file: c.file, verifier, verified: outcome.verified, proof: outcome.proof, status: outcome.status};
    if (verifier === 'verifier-core') Object.assign(line, {registry: outcome.registry, schema: outcome.schema});
    line.errors = outcome.errors;
    // What it asked for and was refused: verifier-core reports a refused
    // key fetch as "invalid_signature", so this says what really happened.
    const refused = [...new Set(network.trace().slice(asked).filter(r => r.from === 'REFUSED').map(r => r.url))];
    if (refused.length) line.refused = refused;
    if (expected) {
      line.expected = expected;
      if (expected !== verdict) {
        line.mismatch = true;
        mismatches++;
      }
    }
    process.stdout.write(`${JSON.stringify(line)}\n`);
    if (options.verbose) process.stderr.write(`${JSON.stringify(outcome.raw, (k, v) => (k === 'credential' ? undefined : v), 1)}\n`);
  }
}

if (options.trace) for (const r of network.trace()) process.stderr.write(`fetch ${r.url} <- ${r.from}\n`);

if (options.writeVerdicts) {
  const out = {
    about: 'Verdicts of tests/interop/verify.mjs on the shared example credentials (regenerate with --write-verdicts)',
    verifiers: {
      digitalbazaar: '@digitalbazaar/vc + @digitalbazaar/data-integrity + eddsa-rdfc-2022-cryptosuite, offline loader',
      'verifier-core': '@digitalcredentials/verifier-core, knownDIDRegistries [], registry result ignored',
    },
    note: '`reasons` (the first error per verifier) is information only; only the verdicts are compared',
    verdicts: Object.fromEntries(Object.entries(verdicts).filter(([k]) => !k.endsWith('#tampered')).sort()),
  };
  fs.writeFileSync(options.writeVerdicts, `${JSON.stringify(out, null, 2)}\n`);
  process.stderr.write(`wrote ${options.writeVerdicts}${os.EOL}`);
}

const total = cases.length * options.verifiers.length;
process.stderr.write(`verify.mjs: ${total - mismatches} as expected, ${mismatches} mismatched\n`);
process.exit(mismatches ? 1 : 0);
