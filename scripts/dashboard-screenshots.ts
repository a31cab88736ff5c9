// Takes the dashboard screenshots in docs/img/ with a real broker, a few MQTT.js clients and some traffic.
// Run: npx tsx scripts/dashboard-screenshots.ts   (needs Chromium: /usr/bin/chromium or CHROMIUM_PATH)
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import type { IClientOptions, MqttClient } from 'mqtt';
import { chromium } from 'playwright-core';
import { Broker } from '../src/index.js';
import { HttpServer } from '../src/http/http-server.js';
import { TcpListener } from '../src/listeners/tcp-listener.js';

const OUT = fileURLToPath(new URL('../docs/img/', import.meta.url));
const TOKEN = 'screenshot-token-0123456789';
/** Seconds of traffic before the first picture, so the charts have a history. */
const WARM_UP_SECONDS = Number(process.env.WARM_UP_SECONDS ?? 45);

const broker = new Broker({ id: 'swiftlet-a1', sysInterval: 0 });
const tcp = new TcpListener({ id: 'tcp', host: '127.0.0.1', port: 0 });
await broker.addListener(tcp);
await broker.serve();
const http = new HttpServer(broker, { port: 0, token: TOKEN });
await http.listen();
const port = (tcp.address() as { port: number }).port;
const base = `http://127.0.0.1:${http.address()!.port}`;

async function connect(options: IClientOptions): Promise<MqttClient> {
  const c = mqtt.connect({ host: '127.0.0.1', port, reconnectPeriod: 0, ...options });
  await new Promise<void>((resolve, reject) => {
    c.once('connect', () => resolve());
    c.once('error', reject);
  });
  return c;
}

const kitchen = await connect({ clientId: 'thermostat-kitchen', protocolVersion: 5, username: 'device', keepalive: 30 });
const hall = await connect({ clientId: 'thermostat-hall', protocolVersion: 4, username: 'device', keepalive: 60 });
const app = await connect({ clientId: 'home-app', protocolVersion: 5, username: 'alice' });
await app.subscribeAsync('home/#', { qos: 1 });
await app.subscribeAsync('status/+', { qos: 0 });
const loggers = [await connect({ clientId: 'logger-1', protocolVersion: 5 }), await connect({ clientId: 'logger-2', protocolVersion: 5 })];
for (const l of loggers) await l.subscribeAsync('$share/loggers/home/+/temperature', { qos: 1 });
const batch = await connect({ clientId: 'night-batch', protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 3600 } });
await batch.subscribeAsync('reports/#', { qos: 1 });
await new Promise<void>((resolve) => batch.end(false, {}, () => resolve()));

broker.publish('home/kitchen/temperature', JSON.stringify({ celsius: 21.4, humidity: 48, at: '2026-12-07T18:00:00Z' }), { retain: true, qos: 1 });
broker.publish('home/hall/temperature', JSON.stringify({ celsius: 19.8, humidity: 52 }), { retain: true, qos: 1 });
broker.publish('home/hall/light', 'on', { retain: true });
broker.publish('status/gateway', 'online', { retain: true });
broker.publish('config/firmware/sha256', Buffer.from('9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', 'hex'), { retain: true });

// Traffic with a slow swell, so the rate chart has a shape.
let tick = 0;
const traffic = setInterval(() => {
  tick++;
  const burst = 2 + Math.round(3 * (1 + Math.sin(tick / 40)));
  for (let i = 0; i < burst; i++) {
    kitchen.publish('home/kitchen/temperature', JSON.stringify({ celsius: 21 + Math.sin(tick / 20) }), { qos: 1 });
    hall.publish('home/hall/temperature', JSON.stringify({ celsius: 19.5 + Math.cos(tick / 25) }), { qos: 0 });
  }
}, 100);
const churn = setInterval(() => {
  void connect({ clientId: `probe-${tick}`, protocolVersion: 4 }).then((c) => setTimeout(() => c.end(true), 4000));
}, 3000);

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${base}/`);
  await page.getByLabel('API token').fill(TOKEN);
  await page.screenshot({ path: `${OUT}dashboard-sign-in.png` });
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Now' }).waitFor();
  await new Promise((r) => setTimeout(r, WARM_UP_SECONDS * 1000));
  await page.screenshot({ path: `${OUT}dashboard-overview.png` });

  await page.getByRole('link', { name: 'Clients' }).click();
  await page.getByRole('button', { name: 'home-app', exact: true }).click();
  await page.screenshot({ path: `${OUT}dashboard-clients.png` });

  await page.getByRole('link', { name: 'Subscriptions' }).click();
  await page.getByRole('heading', { name: 'Shared groups' }).waitFor();
  await page.screenshot({ path: `${OUT}dashboard-subscriptions.png` });

  await page.getByRole('link', { name: 'Retained' }).click();
  await page.getByRole('button', { name: 'Show retained message on home/kitchen/temperature' }).click();
  await page.screenshot({ path: `${OUT}dashboard-retained.png` });

  await page.getByRole('link', { name: 'Publish' }).click();
  await page.getByLabel('Topic', { exact: true }).fill('home/hall/light');
  await page.getByLabel('Payload (UTF-8 text)').fill('off');
  await page.getByLabel('QoS').selectOption('1');
  await page.getByLabel('Retain').check();
  if (!(await page.getByLabel('Content type').isVisible())) await page.getByText('MQTT 5.0 properties').click();
  await page.getByLabel('Content type').fill('text/plain');
  await page.getByLabel('User properties, one name=value per line').fill('source=dashboard');
  await page.getByRole('button', { name: 'Publish' }).click();
  await page.getByRole('status').filter({ hasText: 'Published' }).waitFor();
  await page.mouse.wheel(0, -5000);
  await page.screenshot({ path: `${OUT}dashboard-publish.png` });

  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole('link', { name: 'Overview' }).click();
  await page.getByRole('heading', { name: 'Now' }).waitFor();
  await new Promise((r) => setTimeout(r, 500));
  await page.screenshot({ path: `${OUT}dashboard-phone.png`, fullPage: true });
} finally {
  clearInterval(traffic);
  clearInterval(churn);
  await browser.close();
  for (const c of [kitchen, hall, app, ...loggers]) c.end(true);
  await http.close();
  await broker.close(200);
}
console.log(`screenshots written to ${OUT}`);
