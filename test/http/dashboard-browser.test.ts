// The dashboard end to end in a real headless Chromium (playwright-core): sign in, watch a client come and go,
// publish from the form to an MQTT.js subscriber, delete a retained message, disconnect a client, a wrong token
// refused, and the read-only token that can look but not change anything.
// Needs Debian's `chromium` (/usr/bin/chromium, or CHROMIUM_PATH); without it these tests fail, they do not skip.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { collect, connectClient, endClient, startBroker, waitFor } from '../helpers/broker.js';
import { HttpServer } from '../../src/http/http-server.js';
import { Webhook } from '../../src/index.js';
import { startHttp, TOKEN } from './support.js';
import { startRedisServer } from '../helpers/redis-server.js';
import type { HttpFixture } from './support.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const READ_ONLY = 'read-only-token-0123456789';
/** Longest wait for something to appear in the page. */
const UI_TIMEOUT = 8000;

let browser: Browser;
/** One page for every test: each test's server has its own port, so its own origin and sessionStorage. */
let page: Page;
let pageErrors: string[] = [];

before(async () => {
  assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  page.setDefaultTimeout(UI_TIMEOUT);
  page.on('pageerror', (err) => pageErrors.push(err.message));
  // Console errors include Content-Security-Policy violations; refused API calls (401, 403) are expected ones.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource: the server responded with a status of 40')) pageErrors.push(m.text());
  });
});

after(async () => {
  await browser?.close();
});

/** A broker with its HTTP server, and the browser page; errors thrown or logged in the page fail the test. */
async function withDashboard(fn: (f: HttpFixture, page: Page) => Promise<void>): Promise<void> {
  const f = await startHttp({ readOnlyToken: READ_ONLY });
  pageErrors = [];
  try {
    await fn(f, page);
    assert.deepEqual(pageErrors, []);
  } finally {
    await page.goto('about:blank');
    await f.stop();
  }
}

/** The token the page keeps in sessionStorage (the test's lib has no DOM types, hence the cast). */
function storedToken(p: Page): Promise<string | null> {
  return p.evaluate(() => (globalThis as unknown as { sessionStorage: { getItem(key: string): string | null } }).sessionStorage.getItem('swiftlet.token'));
}

/** Opens the dashboard signed in through the `#token=` fragment, on one section. */
async function openSignedIn(f: HttpFixture, page: Page, token: string, section: string): Promise<void> {
  await page.goto(`${f.base}/#token=${encodeURIComponent(token)}`);
  await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
  await page.getByRole('link', { name: section }).click();
}

test('a wrong token is refused at the sign-in form; the right one signs in, and the fragment token leaves the address bar', () =>
  withDashboard(async (f, page) => {
    await page.goto(`${f.base}/`);
    await page.getByLabel('API token').fill('not-the-token-0123456789');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'That token was refused.' }).waitFor();
    assert.equal(await storedToken(page), null);

    await page.getByLabel('API token').fill(TOKEN);
    await page.getByLabel('API token').press('Enter');
    await page.getByRole('heading', { name: 'Now' }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    assert.equal(await storedToken(page), TOKEN);

    // Signing in by fragment: the token is kept in the tab and removed from the URL.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API token').waitFor();
    assert.equal(await storedToken(page), null);
    await page.goto(`${f.base}/#token=${TOKEN}`);
    await page.getByRole('heading', { name: 'Now' }).waitFor();
    assert.ok(!page.url().includes(TOKEN), page.url());
    assert.equal(await storedToken(page), TOKEN);
  }));

test('a client appears when an MQTT.js client connects and goes when it leaves; its session can be inspected', () =>
  withDashboard(async (f, page) => {
    await openSignedIn(f, page, TOKEN, 'Clients');
    await page.getByText('No clients.').waitFor();
    const c = await connectClient(f.port, { clientId: 'browser-seen', protocolVersion: 5, keepalive: 30 });
    await c.subscribeAsync('seen/#', { qos: 1 });
    const row = page.getByRole('button', { name: 'browser-seen', exact: true });
    await row.waitFor();
    await page.getByLabel('Search').fill('nobody-matches');
    await page.getByText('No client matches.').waitFor();
    await page.getByLabel('Search').fill('browser');
    await row.click();
    const panel = page.getByRole('region', { name: 'Session browser-seen' });
    await panel.getByText('MQTT 5.0').waitFor();
    await panel.getByText('30 s').waitFor();
    // The limits in force (docs/capabilities.md, Per-client limits): the broker's, none set for this client.
    await panel.getByText('in flight 1,024 (receive maximum 1,024); queue 1,000 messages, any bytes; subscriptions unlimited; publish unlimited').waitFor();
    await endClient(c);
    await row.waitFor({ state: 'detached' });
  }));

test('publish from the form: an MQTT.js subscriber receives topic, payload, QoS, retain and 5.0 properties', () =>
  withDashboard(async (f, page) => {
    const sub = await connectClient(f.port, { clientId: 'form-sub', protocolVersion: 5 });
    await sub.subscribeAsync('form/#', { qos: 1 });
    const got = collect(sub);
    await openSignedIn(f, page, TOKEN, 'Publish');
    await page.getByLabel('Topic', { exact: true }).fill('form/hello');
    await page.getByLabel('Payload (UTF-8 text)').fill('{"from":"browser"}');
    await page.getByLabel('QoS').selectOption('1');
    // The properties are open beside the form on a wide screen, folded on a narrow one.
    if (!(await page.getByLabel('Content type').isVisible())) await page.getByText('MQTT 5.0 properties').click();
    await page.getByLabel('Content type').fill('application/json');
    await page.getByLabel('User properties, one name=value per line').fill('origin=dashboard');
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByRole('status').filter({ hasText: 'delivered to 1 session' }).waitFor();
    await waitFor(() => got.length === 1, 3000, 'the published message');
    const m = got[0]!;
    assert.equal(m.topic, 'form/hello');
    assert.equal(m.payload.toString(), '{"from":"browser"}');
    assert.equal(m.packet.qos, 1);
    assert.equal(m.packet.properties?.contentType, 'application/json');
    assert.deepEqual({ ...m.packet.properties?.userProperties }, { origin: 'dashboard' });
    await endClient(sub);
  }));

test('a retained message shows in the topic tree with a JSON preview and is deleted from the dashboard', () =>
  withDashboard(async (f, page) => {
    f.broker.publish('house/kitchen/temp', '{"c":21.5}', { retain: true });
    f.broker.publish('house/hall/raw', Buffer.from([0x00, 0xff]), { retain: true });
    await openSignedIn(f, page, TOKEN, 'Retained');
    await page.getByRole('button', { name: 'Show retained message on house/hall/raw' }).click();
    await page.getByLabel('Payload').getByText('00 ff').waitFor();
    await page.getByRole('button', { name: 'Show retained message on house/kitchen/temp' }).click();
    await page.getByLabel('Payload').getByText('"c": 21.5').waitFor();
    await page.getByRole('button', { name: 'Delete retained message' }).click();
    await page.getByRole('status').filter({ hasText: 'Deleted the retained message on house/kitchen/temp' }).waitFor();
    assert.equal(f.broker.retainedMessage('house/kitchen/temp'), undefined);
    assert.notEqual(f.broker.retainedMessage('house/hall/raw'), undefined);
    await page.getByRole('button', { name: 'Show retained message on house/kitchen/temp' }).waitFor({ state: 'detached' });
  }));

test('disconnect from the dashboard closes the MQTT.js client with 0x98', () =>
  withDashboard(async (f, page) => {
    const c = await connectClient(f.port, { clientId: 'to-kick', protocolVersion: 5 });
    const kicked = new Promise<number | undefined>((resolve) => c.once('disconnect', (p) => resolve(p.reasonCode)));
    await openSignedIn(f, page, TOKEN, 'Clients');
    await page.getByRole('button', { name: 'to-kick', exact: true }).click();
    await page.getByRole('button', { name: 'Disconnect to-kick' }).click();
    assert.equal(await kicked, 0x98);
    await page.getByRole('button', { name: 'to-kick', exact: true }).waitFor({ state: 'detached' });
    await endClient(c);
  }));

test('the read-only token sees clients and retained messages but has no disconnect, delete or publish, and the API refuses them', () =>
  withDashboard(async (f, page) => {
    const c = await connectClient(f.port, { clientId: 'protected' });
    f.broker.publish('keep/me', 'still here', { retain: true });
    await openSignedIn(f, page, READ_ONLY, 'Clients');
    await page.getByText('read-only', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'protected', exact: true }).click();
    await page.getByText('Signed in read-only: disconnecting needs the full token.').waitFor();
    assert.equal(await page.getByRole('button', { name: /^Disconnect/ }).count(), 0);

    await page.getByRole('link', { name: 'Retained' }).click();
    await page.getByRole('button', { name: 'Show retained message on keep/me' }).click();
    await page.getByText('Signed in read-only: deleting needs the full token.').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Delete retained message' }).count(), 0);

    await page.getByRole('link', { name: 'Publish' }).click();
    assert.equal(await page.getByRole('button', { name: 'Publish' }).isDisabled(), true);

    // The same token used from the page against the API directly: refused by the server, nothing changes.
    const statuses = await page.evaluate(async (token) => {
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const codes: number[] = [];
      codes.push((await fetch('/api/v1/clients/protected/disconnect', { method: 'POST', headers })).status);
      codes.push((await fetch('/api/v1/retained/keep%2Fme', { method: 'DELETE', headers })).status);
      codes.push((await fetch('/api/v1/publish', { method: 'POST', headers, body: JSON.stringify({ topic: 'x', payload: 'y' }) })).status);
      return codes;
    }, READ_ONLY);
    assert.deepEqual(statuses, [403, 403, 403]);
    assert.equal(f.broker.client('protected')?.connected, true);
    assert.equal(f.broker.retainedMessage('keep/me')?.payload.toString(), 'still here');
    await endClient(c);
  }));

test('lists follow the broker: a new subscription appears; the stream reconnects after the HTTP server restarts', () =>
  withDashboard(async (f, page) => {
    await openSignedIn(f, page, TOKEN, 'Subscriptions');
    await page.getByText('No subscriptions.').waitFor();
    const c = await connectClient(f.port, { clientId: 'sub-watch' });
    await c.subscribeAsync('watch/+/level', { qos: 1 });
    await page.getByRole('cell', { name: 'watch/+/level' }).waitFor();

    const port = f.http.address()!.port;
    await f.http.close();
    await page.getByRole('status').filter({ hasText: 'Reconnecting…' }).waitFor();
    const again = new HttpServer(f.broker, { port, token: TOKEN });
    await again.listen();
    try {
      await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
      await endClient(c);
      await page.getByRole('cell', { name: 'watch/+/level' }).waitFor({ state: 'detached' });
    } finally {
      await again.close();
    }
  }));

/**
 * Browser-side script listing visible text whose contrast with its background is under 4.5:1 (WCAG AA).
 * Kept as source text: the test runner's transform would add helpers that do not exist in the page.
 */
const LOW_CONTRAST_SCRIPT = `(() => {
  const rgb = (c) => {
    const m = /rgba?\\(([\\d.]+), ([\\d.]+), ([\\d.]+)(?:, ([\\d.]+))?\\)/.exec(c);
    return m === null ? [0, 0, 0, 0] : [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])];
  };
  const channel = (v) => { const s = v / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; };
  const lum = (c) => 0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2]);
  const background = (e) => {
    for (let n = e; n !== null; n = n.parentElement) {
      const c = rgb(getComputedStyle(n).backgroundColor);
      if (c[3] > 0.5) return c;
    }
    return [255, 255, 255, 1];
  };
  const bad = [];
  for (const e of document.querySelectorAll('body *')) {
    const ownText = [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim() !== '');
    if (!ownText || e.getClientRects().length === 0 || e.tagName === 'OPTION') continue;
    // Disabled controls are exempt from the contrast minimum.
    if (e.closest('fieldset:disabled, button:disabled') !== null) continue;
    const style = getComputedStyle(e);
    if (style.visibility === 'hidden') continue;
    const fg = lum(rgb(style.color));
    const bg = lum(background(e));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    if (ratio < 4.5) bad.push(e.tagName + ' "' + e.textContent.trim().slice(0, 30) + '" ' + ratio.toFixed(2) + ':1');
  }
  return bad;
})()`;

function lowContrastText(p: Page): Promise<string[]> {
  return p.evaluate<string[]>(LOW_CONTRAST_SCRIPT);
}

/** The text of the focused element. */
function focusedText(p: Page): Promise<string> {
  return p.evaluate<string>('document.activeElement.textContent.trim()');
}

test('keyboard only: sign in, reach a section and a client with Tab and Enter; every page keeps text contrast at 4.5:1 or more', () =>
  withDashboard(async (f, page) => {
    const c = await connectClient(f.port, { clientId: 'keyboard-seen' });
    f.broker.publish('kb/retained', '{"a":1}', { retain: true });
    await page.goto(`${f.base}/`);
    assert.deepEqual(await lowContrastText(page), [], 'sign-in page');
    await page.keyboard.press('Tab');
    await page.keyboard.type(TOKEN);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Now' }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    // Tab order: skip link, Sign out, then the sections.
    await page.keyboard.press('Tab');
    assert.equal(await focusedText(page), 'Skip to content');
    const focused = (): Promise<string> => focusedText(page);
    for (let i = 0; i < 10 && (await focused()) !== 'Clients'; i++) await page.keyboard.press('Tab');
    assert.equal(await focused(), 'Clients');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Clients', exact: true }).waitFor();
    for (let i = 0; i < 10 && (await focused()) !== 'keyboard-seen'; i++) await page.keyboard.press('Tab');
    assert.equal(await focused(), 'keyboard-seen');
    await page.keyboard.press('Enter');
    await page.getByRole('region', { name: 'Session keyboard-seen' }).waitFor();
    assert.deepEqual(await lowContrastText(page), [], 'clients page');
    for (const section of ['Overview', 'Subscriptions', 'Retained', 'Publish']) {
      await page.getByRole('link', { name: section }).click();
      await page.locator('main h2').first().waitFor();
      if (section === 'Retained') await page.getByRole('button', { name: 'Show retained message on kb/retained' }).click();
      assert.deepEqual(await lowContrastText(page), [], `${section} page`);
    }
    await endClient(c);
  }));

test('the overview shows each bridge with its state and counters, live', () =>
  withDashboard(async (f, page) => {
    const remote = await startBroker({ sysInterval: 0 });
    try {
      await f.broker.addBridge({ name: 'upstream', url: `mqtt://127.0.0.1:${remote.port}`, topics: [{ filter: 'up/#', direction: 'out', qos: 1 }], reconnectDelay: 0.05 });
      await openSignedIn(f, page, TOKEN, 'Overview');
      const bridges = page.getByRole('region', { name: 'Bridges' });
      const row = bridges.getByRole('row').filter({ hasText: 'upstream' });
      await row.filter({ hasText: 'connected' }).filter({ hasNotText: 'disconnected' }).waitFor();
      assert.match((await row.textContent()) ?? '', new RegExp(`mqtt://127\\.0\\.0\\.1:${remote.port}`));
      f.broker.publish('up/x', 'one', { qos: 1 });
      // The Out column counts it once the remote acknowledged it.
      await waitFor(() => f.broker.bridges()[0]?.forwardedOut === 1, UI_TIMEOUT, 'forwarded out');
      await row.getByRole('cell', { name: '1', exact: true }).first().waitFor();
      // A single node shows no cluster section.
      assert.equal(await page.getByRole('region', { name: 'Cluster' }).count(), 0);
    } finally {
      await remote.close();
    }
  }));

test('a node of a cluster shows its node id, the cluster state and the other nodes', async () => {
  const redis = await startRedisServer();
  const cluster = { redis: redis.url, prefix: 'dash:' };
  const other = await startBroker({ id: 'dash-b', sysInterval: 0, cluster });
  const tb = await startBroker({ id: 'dash-a', sysInterval: 0, cluster });
  const http = new HttpServer(tb.broker, { port: 0, token: TOKEN });
  await http.listen();
  pageErrors = [];
  try {
    // Node b has a subscriber, so node a knows it as a peer.
    other.broker.subscribe('dash/#', () => undefined);
    await waitFor(() => tb.broker.cluster?.peers.includes('dash-b') === true, UI_TIMEOUT, 'peer known');
    await page.goto(`http://127.0.0.1:${http.address()!.port}/#token=${TOKEN}`);
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    const region = page.getByRole('region', { name: 'Cluster' });
    await region.getByText('dash-a').waitFor();
    await region.getByText('connected').waitFor();
    await region.getByText('dash-b').waitFor();
    assert.deepEqual(pageErrors, []);
  } finally {
    await page.goto('about:blank');
    await http.close();
    await tb.close();
    await other.close();
    await redis.destroy();
  }
});

test('the overview shows each webhook with its endpoint (no credentials) and delivery counters, live', () =>
  withDashboard(async (f, page) => {
    let received = 0;
    const endpoint = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received++;
        res.end('{}');
      });
    });
    await new Promise<void>((r) => endpoint.listen(0, '127.0.0.1', r));
    const port = (endpoint.address() as AddressInfo).port;
    try {
      await f.broker.addHook(new Webhook({ id: 'ingest', url: `http://127.0.0.1:${port}/hook?key=secret-pass`, events: ['message.published'], batch: { maxMessages: 1, maxDelayMs: 10 } }));
      await openSignedIn(f, page, TOKEN, 'Overview');
      const row = page.getByRole('region', { name: 'Webhooks' }).getByRole('row').filter({ hasText: 'ingest' });
      await row.waitFor();
      assert.ok(!((await row.textContent()) ?? '').includes('secret-pass'), 'no credentials in the page');
      f.broker.publish('hooked/x', 'one');
      await waitFor(() => received >= 1, UI_TIMEOUT, 'the endpoint got the event');
      // Sent becomes 1 on the next stats event.
      await row.getByRole('cell', { name: '1', exact: true }).first().waitFor();
    } finally {
      await new Promise((r) => endpoint.close(r));
    }
  }));
