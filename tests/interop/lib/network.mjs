// The only "network" either verifier sees. Both libraries fetch through
// `globalThis.fetch` (ky in their http clients, ajv's schema loader in
// verifier-core), so it is replaced before they load: it answers from
// files given on the command line, forwards to the loopback Cairn under test,
// and refuses everything else with "not allowed: URL". Under it, every
// socket connect to a host other than loopback throws, so a library that
// bypasses fetch cannot reach the network either.
import fs from 'node:fs';
import net from 'node:net';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost', '::ffff:127.0.0.1']);

export class NotAllowed extends Error {
  constructor(url) {
    super(`not allowed: ${url}`);
    this.name = 'NotAllowedError';
  }
}

const served = new Map(); // exact URL -> {file, type}
let cairn = null; // URL of the Cairn under test (loopback only)
const requests = []; // every URL asked for, with the answer, for --trace

export function serveFile(url, file, type = 'application/json') {
  JSON.parse(fs.readFileSync(file, 'utf8')); // fail early on a bad file
  served.set(url, {file, type});
}

export function setCairn(base) {
  const url = new URL(base);
  if (url.protocol !== 'http:' || !LOOPBACK.has(url.hostname.replace(/^\[|\]$/g, ''))) {
    throw new Error(`--cairn must be an http loopback URL, got ${base}`);
  }
  cairn = url;
}

export function trace() {
  return requests;
}

// did:web maps `did:web:127.0.0.1%3A8080:v1:issuers:X` to
// `https://127.0.0.1:8080/v1/issuers/X/did.json`; the Cairn under test serves
// it over plain http on the same loopback port.
function toCairn(url) {
  if (!cairn) return null;
  const u = new URL(url);
  if (u.host !== cairn.host) return null;
  if (u.protocol === 'http:' || u.protocol === 'https:') {
    return new URL(u.pathname + u.search, cairn).toString();
  }
  return null;
}

const realFetch = globalThis.fetch;

async function guardedFetch(input, init = {}) {
  const request = input instanceof Request ? input : null;
  const url = request ? request.url : String(input);
  const bare = url.split('#')[0];
  const file = served.get(bare);
  if (file) {
    requests.push({url, from: file.file});
    return new Response(fs.readFileSync(file.file), {status: 200, headers: {'content-type': file.type}});
  }
  const forward = toCairn(bare);
  if (forward) {
    requests.push({url, from: forward});
    const headers = new Headers(request ? request.headers : undefined);
    for (const [k, v] of new Headers(init.headers || {})) headers.set(k, v);
    return realFetch(forward, {method: request?.method ?? init.method ?? 'GET', headers, redirect: 'manual', signal: AbortSignal.timeout(10000)});
  }
  requests.push({url, from: 'REFUSED'});
  throw new NotAllowed(url);
}

export function install() {
  globalThis.fetch = guardedFetch;
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function guardedConnect(...args) {
    const first = Array.isArray(args[0]) ? args[0][0] : args[0];
    const options = first && typeof first === 'object' ? first : {host: args[1], port: first};
    const host = options.path ? 'localhost' : (options.host ?? 'localhost');
    if (!LOOPBACK.has(String(host).replace(/^\[|\]$/g, ''))) {
      throw new NotAllowed(`socket to ${host}:${options.port}`);
    }
    return connect.apply(this, args);
  };
}
