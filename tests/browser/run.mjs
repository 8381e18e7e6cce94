// Cairn's web face in headless Chromium, against `cairn serve --demo`
// (.ci/browser.sh starts the server). Usage:
//   node tests/browser/run.mjs <base url> <screenshot dir>
// Each step prints "ok" or "FAIL"; the exit code is 1 when any failed. The
// demo data is described in docs/demo.md; the share pages' markup is the
// contract of issue 16 (share form on /shares, share page cards with
// data-state).

import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [base, shots] = process.argv.slice(2);
if (!base || !shots) {
  console.error('usage: node run.mjs <base url> <screenshot dir>');
  process.exit(2);
}
mkdirSync(shots, { recursive: true });

const PASSWORD = 'cairn-demo-password';
const LEARNER = 'ben@learners.example';
const LEARNER_NAME = 'Ben Lindqvist';
const EMPLOYER = 'recruiter@acme-analytics.example';
const ISSUER = 'issuer@lakeside-university.example';
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 375, height: 812 };
const VERIFIED_NOW = 'Verified now: signature, issuer, status, not expired';
const axeScript = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

const url = (path) => new URL(path, base).toString();

// ---- steps -------------------------------------------------------------

const results = [];

async function step(name, body) {
  const started = Date.now();
  try {
    await body();
    results.push({ name, ok: true });
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    results.push({ name, ok: false });
    console.log(`FAIL ${name}: ${String(error?.message ?? error).split('\n').slice(0, 12).join('\n     ')}`);
  }
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

function equal(actual, expected, what) {
  check(actual === expected, `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

/** A value an earlier step found; the step that needs it fails without it. */
function need(value, what) {
  check(value !== undefined && value !== null && value !== '', `needs ${what} from an earlier step`);
  return value;
}

// ---- helpers -----------------------------------------------------------

/** axe-core on the page as it is: fails on serious or critical violations. */
async function axe(page, what) {
  await page.addScriptTag({ path: axeScript });
  const found = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')}: ${n.failureSummary?.split('\n').join(' ')}`),
    }));
  });
  const bad = found.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  for (const v of found.filter((v) => !bad.includes(v))) {
    console.log(`     note (${what}, ${v.impact}): ${v.id}: ${v.help}`);
  }
  check(
    bad.length === 0,
    `${bad.length} serious or critical accessibility violation(s) on ${what}:\n` +
      bad.map((v) => `${v.impact} ${v.id}: ${v.help}\n  ${v.nodes.join('\n  ')}`).join('\n'),
  );
}

/** Full-page screenshots at desktop and phone width, back to desktop after. */
async function screenshots(page, name) {
  for (const [size, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    await page.setViewportSize(viewport);
    await page.screenshot({ path: join(shots, `${name}-${size}.png`), fullPage: true });
  }
  await page.setViewportSize(DESKTOP);
}

/** Opens `path` (or a full URL) and fails unless the server answered 200. */
async function open(page, path) {
  const response = await page.goto(path.startsWith('http') ? path : url(path));
  equal(response?.status(), 200, `GET ${path}`);
}

async function signIn(page, email) {
  await open(page, '/sign-in');
  await page.fill('#email', email);
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('form[action="/sign-in"] button[type="submit"]')]);
  check(!page.url().includes('/sign-in'), `still on ${page.url()} after signing in as ${email}`);
}

async function newContext(browser) {
  // bypassCSP: the pages send a strict CSP, which would refuse axe's injected script.
  const context = await browser.newContext({ viewport: DESKTOP, bypassCSP: true });
  context.setDefaultTimeout(10_000);
  return context;
}

/** The SVG map's achievement nodes: name (from the node's title) → data-state. */
async function mapStates(page) {
  return page.$$eval('svg g.node.achievement', (nodes) =>
    Object.fromEntries(
      nodes.map((g) => [g.querySelector('title')?.textContent.replace(/^\S+\s/, '').trim(), g.getAttribute('data-state')]),
    ),
  );
}

/** Flips one character in the middle of a VC-JWT's signature. */
function tamper(jwt) {
  const parts = jwt.trim().split('.');
  check(parts.length === 3, `not a compact JWS: ${parts.length} parts`);
  const sig = parts[2];
  const at = Math.floor(sig.length / 2);
  const flipped = sig[at] === 'A' ? 'B' : 'A';
  parts[2] = sig.slice(0, at) + flipped + sig.slice(at + 1);
  return parts.join('.');
}

// ---- the run -----------------------------------------------------------

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
const learnerContext = await newContext(browser);
const learner = await learnerContext.newPage();
const employerContext = await newContext(browser);
const employer = await employerContext.newPage();

const found = {}; // what steps find for later ones: credential ids, pathway ids, the share link

await step('keyboard: Tab reaches the sign-in fields and focus is visible', async () => {
  await open(learner, '/sign-in');
  let id = '';
  for (let i = 0; i < 40 && id !== 'email'; i += 1) {
    await learner.keyboard.press('Tab');
    id = await learner.evaluate(() => document.activeElement?.id ?? '');
  }
  equal(id, 'email', 'focused element after tabbing');
  const outline = await learner.evaluate(() => {
    const style = getComputedStyle(document.activeElement);
    return { style: style.outlineStyle, width: parseFloat(style.outlineWidth) };
  });
  check(outline.style !== 'none' && outline.width >= 2, `no visible focus outline on #email: ${JSON.stringify(outline)}`);
  await learner.keyboard.press('Tab');
  equal(await learner.evaluate(() => document.activeElement?.id), 'password', 'focused element after one more Tab');
});

await step('a learner signs in through the /sign-in form', async () => {
  await signIn(learner, LEARNER);
  equal(new URL(learner.url()).pathname, '/wallet', 'page after signing in');
  equal((await learner.textContent('h1'))?.trim(), 'Your wallet', 'heading');
  check((await learner.textContent('header.top .person'))?.includes(LEARNER_NAME), 'the header names the learner');
});

await step("the wallet shows Ben's four credentials as cards", async () => {
  await open(learner, '/wallet');
  const cards = await learner.$$eval('[data-testid="credential-card"]', (cards) =>
    cards.map((c) => ({ id: c.getAttribute('data-credential'), name: c.querySelector('h3')?.textContent.trim() })),
  );
  const names = cards.map((c) => c.name).sort();
  equal(JSON.stringify(names), JSON.stringify(['Digital Pedagogy', 'Formative Assessment', 'Research Ethics', 'Statistics for Research']), 'card names');
  found.credentials = Object.fromEntries(cards.map((c) => [c.name, c.id]));
});

await step('the wallet has no serious accessibility violations', async () => {
  await open(learner, '/wallet');
  await axe(learner, 'the wallet');
  await screenshots(learner, 'wallet');
});

await step('/progress shows each pathway at the right value', async () => {
  await open(learner, '/progress');
  const bars = await learner.$$eval('progress[data-pathway], [role="progressbar"][data-pathway]', (bars) =>
    bars.map((b) => ({
      pathway: b.getAttribute('data-pathway'),
      label: b.getAttribute('aria-label'),
      value: b.getAttribute('value') ?? b.getAttribute('aria-valuenow'),
      max: b.getAttribute('max') ?? b.getAttribute('aria-valuemax'),
    })),
  );
  const by = (name) => bars.find((b) => b.label === `Progress toward ${name}`);
  // docs/rule-language.md, worked examples: Ben has 1 of 3 micro-credentials in the best
  // three-year window, and Research Ethics plus 3 of 7 more ECTS (one of the two parts met).
  const award = by('Professional Learning Award');
  check(award, `no bar for the Professional Learning Award among ${JSON.stringify(bars)}`);
  equal(`${award.value} of ${award.max}`, '1 of 3', 'Professional Learning Award bar');
  const certificate = by('Certificate in Applied Data Analysis');
  check(certificate, `no bar for the Certificate in Applied Data Analysis among ${JSON.stringify(bars)}`);
  equal(`${certificate.value} of ${certificate.max}`, '1 of 2', 'Certificate in Applied Data Analysis bar');
  check((await learner.textContent('main')).includes('(71 %)'), 'the certificate shows 71 %');
  equal(bars.length, 2, 'bars (Ben has started two pathways)');
  found.award = award.pathway;
  found.certificate = certificate.pathway;
  await axe(learner, '/progress');
  await screenshots(learner, 'progress-list');
});

await step('/progress/{pathway}: the map colours the Professional Learning Award nodes', async () => {
  await open(learner, `/progress/${need(found.award, 'the award pathway id')}`);
  equal((await learner.textContent('h1'))?.trim(), 'Professional Learning Award', 'heading');
  equal(await learner.getAttribute('progress[data-pathway]', 'value'), '1', 'bar value');
  const states = await mapStates(learner);
  // The best window holds the 2025 Digital Pedagogy; the 2021 Formative Assessment is held, outside it.
  equal(
    JSON.stringify(states),
    JSON.stringify({ 'Formative Assessment': 'held', 'Inclusive Classrooms': 'missing', 'Digital Pedagogy': 'used', 'Restorative Practice': 'missing' }),
    'map node states',
  );
  equal(await learner.getAttribute('svg g.node.pathway', 'data-state'), 'missing', 'the pathway node (not complete)');
});

await step('/progress/{pathway}: the map colours the certificate nodes', async () => {
  await open(learner, `/progress/${need(found.certificate, 'the certificate pathway id')}`);
  equal((await learner.textContent('h1'))?.trim(), 'Certificate in Applied Data Analysis', 'heading');
  const states = await mapStates(learner);
  for (const [name, state] of Object.entries({
    'Research Ethics': 'used',
    'Statistics for Research': 'used',
    'Python for Analysts': 'missing',
    'Data Visualisation': 'missing',
  })) {
    equal(states[name], state, `map node ${name}`);
  }
  const met = await learner.$$eval('svg g.requirement', (gs) => gs.map((g) => g.getAttribute('data-met')));
  check(met.includes('true') && met.includes('false'), `one requirement met, one not: ${JSON.stringify(met)}`);
  await axe(learner, 'the pathway page with its map');
  await screenshots(learner, 'progress');
});

await step('the learner creates a share of two credentials', async () => {
  const ethics = need(found.credentials?.['Research Ethics'], 'the credential ids');
  const statistics = need(found.credentials?.['Statistics for Research'], 'the credential ids');
  await open(learner, '/shares');
  const form = learner.locator('form#share-form');
  await form.locator('input[name="scope"][value="credentials"]').check();
  await form.locator(`input[name="credential"][value="${ethics}"]`).check();
  await form.locator(`input[name="credential"][value="${statistics}"]`).check();
  await form.locator('select[name="days"]').selectOption('30');
  await form.locator('input[name="audience"]').fill('Acme Analytics');
  await Promise.all([learner.waitForNavigation(), form.getByRole('button', { name: 'Create link' }).click()]);
  check(new URL(learner.url()).searchParams.has('created'), `after creating: ${learner.url()}`);
  const link = await learner.inputValue('#share-link');
  check(/^https?:\/\//.test(link), `share link: ${link}`);
  // The link names the server's public base; the test server answers on `base`.
  const shared = new URL(link);
  found.share = url(shared.pathname + shared.search);
  await axe(learner, '/shares with the new link');
});

await step('a signed-out employer opens the share link and reads "Verified now"', async () => {
  await open(employer, need(found.share, 'the share link'));
  check((await employer.textContent('h1'))?.includes(LEARNER_NAME), 'the heading names the learner');
  for (const name of ['Research Ethics', 'Statistics for Research']) {
    const card = employer.locator(`article.card[data-credential="${found.credentials[name]}"]`);
    equal(await card.getAttribute('data-state'), 'verified', `${name} state`);
    check((await card.textContent()).includes(VERIFIED_NOW), `${name} says "${VERIFIED_NOW}"`);
  }
  equal(await employer.locator('article.card[data-credential]').count(), 2, 'cards on the share page');
  check((await employer.locator('a#presentation-download').count()) === 1, 'a presentation download link');
  await axe(employer, 'the share page');
  await screenshots(employer, 'share');
});

await step('the institution revokes a credential through the JSON API', async () => {
  const id = need(found.credentials?.['Research Ethics'], 'the credential ids');
  const api = learnerContext.request;
  const token = await api.post(url('/v1/auth/token'), { data: { email: ISSUER, password: PASSWORD } });
  equal(token.status(), 200, 'POST /v1/auth/token');
  const { access_token: bearer } = await token.json();
  const revoked = await api.post(url(`/v1/credentials/${id}/revoke`), {
    headers: { Authorization: `Bearer ${bearer}` },
    data: { reason: 'Browser test: awarded in error' },
  });
  equal(revoked.status(), 200, `POST /v1/credentials/${id}/revoke (${await revoked.text()})`);
  found.revoked = id;
});

await step('the share page then shows that credential revoked', async () => {
  await open(employer, need(found.share, 'the share link'));
  need(found.revoked, 'the revoked credential');
  const ethics = employer.locator(`article.card[data-credential="${found.revoked}"]`);
  equal(await ethics.getAttribute('data-state'), 'revoked', 'Research Ethics state');
  check(!(await ethics.textContent()).includes(VERIFIED_NOW), 'the revoked card does not say verified');
  check(/revoked/i.test(await ethics.textContent()), 'the revoked card says revoked');
  const statistics = employer.locator(`article.card[data-credential="${found.credentials['Statistics for Research']}"]`);
  equal(await statistics.getAttribute('data-state'), 'verified', 'Statistics for Research state');
  await axe(employer, 'the share page with a revoked credential');
  await screenshots(employer, 'share-revoked');
});

await step('the verifier page verifies the downloaded VC-JWT', async () => {
  const id = need(found.credentials?.['Statistics for Research'], 'the credential ids');
  const download = await learnerContext.request.get(url(`/wallet/credentials/${id}/jwt`));
  equal(download.status(), 200, 'VC-JWT download');
  found.jwt = (await download.text()).trim();
  await open(employer, '/verify');
  await axe(employer, 'the verifier');
  await employer.fill('#credential', found.jwt);
  await Promise.all([employer.waitForNavigation(), employer.click('#verify-form button[type="submit"]')]);
  equal((await employer.textContent('[data-testid="verdict"]'))?.trim(), 'Verified', 'verdict');
});

await step('the verifier page reports a tampered credential', async () => {
  const tampered = tamper(need(found.jwt, 'the VC-JWT'));
  await open(employer, '/verify');
  await employer.fill('#credential', tampered);
  await Promise.all([employer.waitForNavigation(), employer.click('#verify-form button[type="submit"]')]);
  equal((await employer.textContent('[data-testid="verdict"]'))?.trim(), 'Not verified', 'verdict');
  const signature = employer.locator('li[data-check="signature"]');
  check((await signature.getAttribute('class'))?.includes('failed'), 'the signature check is marked failed');
  check(/failed/i.test(await signature.textContent()), 'the signature check says failed');
  await axe(employer, 'the verifier with a failed result');
  await screenshots(employer, 'verifier');
});

await step('the employer signs in and finds talent by skill', async () => {
  await signIn(employer, EMPLOYER);
  await open(employer, '/talent');
  await axe(employer, '/talent');
  await employer.selectOption('#skill', 'https://skills.example/statistics');
  await Promise.all([employer.waitForNavigation(), employer.click('form[action="/talent"] button[type="submit"]')]);
  const names = await employer.$$eval('.talent-results > li h3', (hs) => hs.map((h) => h.textContent.trim()));
  equal(JSON.stringify(names), JSON.stringify(['Chen Wei']), 'learners found for statistics');
  await axe(employer, 'talent results');
});

// ---- the institution console (issue 17) ---------------------------------

const issuerContext = await newContext(browser);
const issuer = await issuerContext.newPage();

await step('the demo issuer signs in to the console overview', async () => {
  await signIn(issuer, ISSUER);
  equal(new URL(issuer.url()).pathname, '/institution', 'page after signing in');
  equal((await issuer.textContent('h1'))?.trim(), 'Lakeside University Lifelong Learning', 'heading');
  equal(await issuer.getAttribute('nav a[aria-current="page"]', 'href'), '/institution', 'the current entry of the navigation');
  const achievements = Number((await issuer.textContent('[data-count="achievements"]'))?.trim());
  check(achievements > 0, `the overview counts the catalog: ${achievements}`);
  const issued = Number((await issuer.textContent('[data-count="issued"]'))?.trim());
  check(issued > 0, `the overview counts issued credentials: ${issued}`);
  await axe(issuer, 'the console overview');
  await screenshots(issuer, 'console-overview');
});

await step('the console lists the pathways; a bad rule shows the engine message at its place', async () => {
  await open(issuer, '/institution/pathways');
  await axe(issuer, 'the console pathways');
  const row = issuer.locator('tr', { hasText: 'applied-data-analysis' });
  await Promise.all([issuer.waitForNavigation(), row.locator('td a').first().click()]);
  found.consolePathway = new URL(issuer.url()).pathname;
  check(/^\/institution\/pathways\/[0-9a-f-]+$/.test(found.consolePathway), `the edit page: ${found.consolePathway}`);
  check((await issuer.locator('.map svg').count()) === 1, 'the edit page shows the pathway map');
  const current = await issuer.$$eval('nav a[aria-current="page"]', (links) => links.map((a) => a.getAttribute('href')));
  equal(JSON.stringify(current), JSON.stringify(['/institution/pathways']), 'the one current entry of the navigation');
  await axe(issuer, 'the pathway editor');
  const rule = JSON.parse(await issuer.inputValue('#rule'));
  rule.requirement.of[0].min = 0;
  const typed = JSON.stringify(rule, null, 2);
  await issuer.fill('#rule', typed);
  await Promise.all([issuer.waitForNavigation(), issuer.click('form[data-testid="rule-form"] button[value="save"]')]);
  const message = issuer.locator('#rule-errors li[data-field="requirement.of[0].min"]');
  equal(await message.count(), 1, 'an error at requirement.of[0].min');
  check((await message.textContent()).includes('must be at least 1'), `the message: ${await message.textContent()}`);
  equal(await issuer.inputValue('#rule'), typed, 'the text as typed is kept');
  check((await issuer.getAttribute('#rule', 'aria-describedby'))?.startsWith('rule-errors'), 'the textarea points at its errors');
  await axe(issuer, 'the pathway editor with an error');
  await screenshots(issuer, 'console-rule-error');
});

await step('a dry run of the current rule shows its figures on the job page', async () => {
  await open(issuer, need(found.consolePathway, 'the pathway edit page'));
  await Promise.all([issuer.waitForNavigation(), issuer.click('form[data-testid="rule-form"] button[value="dry_run"]')]);
  check(new URL(issuer.url()).pathname.startsWith('/institution/jobs/'), `the job page: ${issuer.url()}`);
  // The page refreshes itself until the job is done.
  await issuer.waitForSelector('[data-testid="job-state"][data-state="Done"]', { timeout: 30_000 });
  const evaluated = Number((await issuer.textContent('[data-figure="learners_evaluated"]'))?.trim());
  check(evaluated > 0, `learners evaluated: ${evaluated}`);
  await axe(issuer, 'the dry run job page');
  await screenshots(issuer, 'console-dry-run');
});

await step('the console reviews, audit log and new pathway pages have no serious violations', async () => {
  for (const path of ['/institution/reviews', '/institution/audit', '/institution/pathways/new']) {
    await open(issuer, path);
    await axe(issuer, path);
  }
  await open(issuer, '/institution/audit');
  check((await issuer.locator('[data-testid="audit"]').count()) > 0, 'the audit log lists the demo issuing');
  await screenshots(issuer, 'console-audit');
});

// The console's own work (issue 17): an achievement made through the catalog
// form, its badge image, a CSV uploaded and issued, one of those revoked.
const NEW_ACHIEVEMENT = 'Browser Cartography';
const NEW_KEY = 'browser-cartography';
const CSV_ADA = 'browser-ada@example.org';
const CSV_BO = 'browser-bo@example.org';
const BADGE_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 10 10">' +
  '<circle cx="5" cy="5" r="4.5" fill="#1f6f78"/><path d="M2.5 6.5 5 2.5l2.5 4z" fill="#fff"/></svg>';

/** Submits the form `button` belongs to and waits for the page it answers. */
async function submit(page, button) {
  const [response] = await Promise.all([page.waitForNavigation(), page.click(button)]);
  return response;
}

/** The rows of the issued list: credential id → status in words. */
async function issuedStates(page) {
  return page.$$eval('tr[data-credential]', (rows) =>
    Object.fromEntries(rows.map((r) => [r.getAttribute('data-credential'), r.querySelector('.badge-status')?.textContent.trim()])),
  );
}

await step('the issuer publishes an achievement on /institution/catalog/new and finds it in the catalog', async () => {
  await open(issuer, '/institution/catalog/new');
  await axe(issuer, 'the new achievement form');
  await issuer.fill('#name', NEW_ACHIEVEMENT);
  await issuer.fill('#key', NEW_KEY);
  await issuer.fill('#description', 'Draws clear, honest maps of data.');
  await issuer.fill('#criteria', 'Three maps, reviewed by a tutor.');
  await issuer.selectOption('#level', 'beginner');
  await issuer.fill('#credits_amount', '1');
  await issuer.fill('#credits_unit', 'ECTS');
  await submit(issuer, '#achievement-form button[type="submit"]');
  const path = new URL(issuer.url()).pathname;
  check(/^\/institution\/catalog\/[0-9a-f-]+$/.test(path), `the achievement's page after publishing: ${issuer.url()}`);
  found.newAchievement = path.split('/').pop();
  equal((await issuer.textContent('h1'))?.trim(), NEW_ACHIEVEMENT, 'heading');
  check((await issuer.locator('p.notice[role="status"]', { hasText: 'Saved.' }).count()) === 1, 'the page says it was saved');
  await open(issuer, '/institution/catalog');
  const row = issuer.locator(`tr[data-achievement="${found.newAchievement}"]`);
  equal(await row.count(), 1, 'catalog rows for the new achievement');
  const cells = await row.locator('td').allTextContents();
  equal(cells[0]?.trim(), NEW_ACHIEVEMENT, 'its name in the catalog');
  equal(cells[1]?.trim(), NEW_KEY, 'its key in the catalog');
  equal(cells[3]?.trim(), '1', 'its version in the catalog');
  await axe(issuer, 'the catalog');
  await screenshots(issuer, 'console-catalog');
});

await step("a badge image uploaded on the achievement's page is shown there; a file that is no image is refused", async () => {
  const id = need(found.newAchievement, 'the new achievement');
  await open(issuer, `/institution/catalog/${id}`);
  equal(await issuer.locator('#badge-image').count(), 0, 'images before the upload');
  await axe(issuer, "the achievement's page");
  await issuer.setInputFiles('#image-file', { name: 'cartography.svg', mimeType: 'image/svg+xml', buffer: Buffer.from(BADGE_SVG) });
  await submit(issuer, '#image-form button[type="submit"]');
  check(new URL(issuer.url()).searchParams.has('image'), `after the upload: ${issuer.url()}`);
  check((await issuer.textContent('#image-h + p.notice'))?.includes('The image is uploaded.'), 'the page says the image is uploaded');
  const shown = await issuer.waitForFunction(() => {
    const img = document.querySelector('#badge-image');
    return img && img.complete && img.naturalWidth > 0 ? img.getAttribute('src') : null;
  });
  const src = await shown.jsonValue();
  check(src.startsWith(`/v1/achievements/${id}/image?v=`), `the image's src: ${src}`);
  const served = await issuerContext.request.get(url(`/v1/achievements/${id}/image`));
  equal(served.headers()['content-type'], 'image/svg+xml', 'the served type');
  equal(await served.text(), BADGE_SVG, 'the served image');
  await screenshots(issuer, 'console-achievement-image');

  // A text file named like an image: the page again, the reason at the file input, the image unchanged.
  await issuer.setInputFiles('#image-file', { name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('just some notes') });
  const refused = await submit(issuer, '#image-form button[type="submit"]');
  equal(refused?.status(), 422, 'the refused upload');
  check((await issuer.textContent('#image-error'))?.includes('notes.png is neither a PNG nor an SVG image'), 'the message names the file');
  equal(await issuer.getAttribute('#image-file', 'aria-describedby'), 'image-error', 'the file input points at the message');
  equal(await issuer.getAttribute('#badge-image', 'src'), src, 'the image shown is still the uploaded one');
  await axe(issuer, "the achievement's page with a refused image");
  await screenshots(issuer, 'console-achievement-image-refused');
});

await step('a CSV uploaded on /institution/issue is previewed row by row, naming the bad row, then issued', async () => {
  const id = need(found.newAchievement, 'the new achievement');
  const csv = [
    'email,name,achievement',
    `${CSV_ADA},Ada Browser,${id}`,
    `${CSV_BO},Bo Browser,${NEW_KEY}`,
    'not-an-address,Cy Browser,' + id,
  ].join('\n');
  await open(issuer, '/institution/issue');
  await axe(issuer, 'the issue page');
  await issuer.setInputFiles('#file', { name: 'cartography.csv', mimeType: 'text/csv', buffer: Buffer.from(`${csv}\n`) });
  await submit(issuer, 'form[action="/institution/issue/csv"] button[type="submit"]');
  equal((await issuer.textContent('#batch-heading'))?.trim(), 'Preview of the upload', 'heading of the preview');
  equal((await issuer.textContent('[data-summary]'))?.trim(), '2 rows ready to issue, 1 row with errors.', 'the preview summary');
  const rows = await issuer.$$eval('table.batch tbody tr', (trs) =>
    trs.map((tr) => ({
      row: tr.getAttribute('data-row'),
      failed: tr.classList.contains('failed'),
      outcome: tr.querySelector('[data-outcome]')?.textContent.trim(),
      column: tr.querySelector('[data-column]')?.textContent.trim(),
    })),
  );
  equal(
    JSON.stringify(rows),
    JSON.stringify([
      { row: '2', failed: false, outcome: 'Ready to issue', column: '' },
      { row: '3', failed: false, outcome: 'Ready to issue', column: '' },
      { row: '4', failed: true, outcome: 'Not issued', column: 'email' },
    ]),
    'the preview rows',
  );
  await axe(issuer, 'the upload preview');
  await screenshots(issuer, 'console-csv-preview');
  await submit(issuer, 'form[action="/institution/issue/csv/confirm"] button[type="submit"]');
  equal((await issuer.textContent('#batch-heading'))?.trim(), 'Result of the upload', 'heading of the result');
  equal((await issuer.textContent('[data-summary]'))?.trim(), '2 rows issued, 1 row not issued.', 'the result summary');
  const outcomes = await issuer.$$eval('table.batch tbody tr [data-outcome]', (tds) => tds.map((td) => td.textContent.trim()));
  equal(JSON.stringify(outcomes), JSON.stringify(['Issued', 'Issued', 'Not issued']), 'the result rows');
  await axe(issuer, 'the upload result');
  await screenshots(issuer, 'console-csv-result');
  found.csvIssued = true;
});

await step('the issued list finds a just-issued credential and revokes it through the selection', async () => {
  need(found.csvIssued, 'the issued CSV');
  await open(issuer, '/institution/credentials');
  await issuer.fill('#q', CSV_ADA);
  await submit(issuer, 'form[role="search"] button[type="submit"]');
  equal(new URL(issuer.url()).searchParams.get('q'), CSV_ADA, 'the search in the address');
  const before = await issuedStates(issuer);
  const ids = Object.keys(before);
  equal(ids.length, 1, `credentials found for ${CSV_ADA}`);
  const [id] = ids;
  equal(before[id], 'Active', 'its status before');
  check((await issuer.textContent(`tr[data-credential="${id}"]`))?.includes(NEW_ACHIEVEMENT), 'the row names the achievement');
  await axe(issuer, 'the issued list with a search');
  await issuer.check(`#pick-${id}`);
  await issuer.selectOption('#bulk-action', 'revoke');
  await issuer.fill('#reason', 'Browser test: issued in error');
  await submit(issuer, 'button[name="bulk"]');
  equal((await issuer.textContent('h1'))?.trim(), 'Status changes', 'the results page');
  check(/revoked/i.test(await issuer.textContent(`li[data-credential="${id}"]`)), 'the result says revoked');
  await axe(issuer, 'the status change results');
  await open(issuer, `/institution/credentials?q=${encodeURIComponent(CSV_ADA)}`);
  equal((await issuedStates(issuer))[id], 'Revoked', 'its status in the list after');
  equal(await issuer.locator(`tr[data-credential="${id}"] button[value^="revoke:"]`).count(), 0, 'no Revoke button on a revoked row');
  await axe(issuer, 'the issued list with a revoked credential');
  await screenshots(issuer, 'console-issued-revoked');
});

await step("a row's own Revoke button revokes that credential alone", async () => {
  need(found.csvIssued, 'the issued CSV');
  await open(issuer, `/institution/credentials?q=${encodeURIComponent('browser-')}`);
  const before = await issuedStates(issuer);
  equal(Object.keys(before).length, 2, 'credentials found for the uploaded addresses');
  const bo = issuer.locator('tr[data-credential]', { hasText: CSV_BO });
  const id = await bo.getAttribute('data-credential');
  equal(before[id], 'Active', `${CSV_BO} before`);
  await issuer.fill('#reason', 'Browser test: the row button');
  await submit(issuer, `tr[data-credential="${id}"] button[value="revoke:${id}"]`);
  check(/revoked/i.test(await issuer.textContent(`li[data-credential="${id}"]`)), 'the result says revoked');
  equal(await issuer.locator('li[data-credential]').count(), 1, 'one credential changed');
  await open(issuer, `/institution/credentials?q=${encodeURIComponent('browser-')}`);
  const after = await issuedStates(issuer);
  equal(after[id], 'Revoked', `${CSV_BO} after`);
  equal(Object.values(after).filter((s) => s === 'Revoked').length, 2, 'both uploaded credentials revoked, each by its own change');
});

await browser.close();

const failed = results.filter((r) => !r.ok);
console.log(`\n${results.length - failed.length} of ${results.length} steps passed; screenshots in ${shots}`);
process.exit(failed.length === 0 ? 0 : 1);
