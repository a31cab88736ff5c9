// Publish a message from the browser: topic, payload, QoS, retain and MQTT 5.0 properties.
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { Notice } from '../components/notice.js';
import type { Scope } from '../types.js';

interface Form {
  topic: string;
  payload: string;
  qos: string;
  retain: boolean;
  contentType: string;
  responseTopic: string;
  correlationData: string;
  messageExpiryInterval: string;
  payloadFormatIndicator: boolean;
  userProperties: string;
}

const EMPTY: Form = {
  topic: '',
  payload: '',
  qos: '0',
  retain: false,
  contentType: '',
  responseTopic: '',
  correlationData: '',
  messageExpiryInterval: '',
  payloadFormatIndicator: false,
  userProperties: '',
};

/** The request body of POST /api/v1/publish, or an error message for the form. */
export function publishBody(f: Form): { body: Record<string, unknown> } | { error: string } {
  if (f.topic === '') return { error: 'Enter a topic.' };
  const properties: Record<string, unknown> = {};
  if (f.contentType !== '') properties.contentType = f.contentType;
  if (f.responseTopic !== '') properties.responseTopic = f.responseTopic;
  if (f.correlationData !== '') properties.correlationData = toBase64(f.correlationData);
  if (f.payloadFormatIndicator) properties.payloadFormatIndicator = 1;
  if (f.messageExpiryInterval !== '') {
    const n = Number(f.messageExpiryInterval);
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) return { error: 'Message expiry must be a whole number of seconds.' };
    properties.messageExpiryInterval = n;
  }
  const pairs: [string, string][] = [];
  for (const line of f.userProperties.split('\n')) {
    if (line.trim() === '') continue;
    const eq = line.indexOf('=');
    if (eq <= 0) return { error: `User property "${line}" is not name=value.` };
    pairs.push([line.slice(0, eq).trim(), line.slice(eq + 1).trim()]);
  }
  if (pairs.length > 0) properties.userProperties = pairs;
  return { body: { topic: f.topic, payload: f.payload, qos: Number(f.qos), retain: f.retain, properties } };
}

export function Publish({ token, scope }: { token: string; scope: Scope }) {
  const [form, setForm] = useState<Form>(EMPTY);
  const [result, setResult] = useState<{ kind: 'error' | 'success'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const readOnly = scope !== 'full';
  const set = <K extends keyof Form>(key: K, value: Form[K]): void => setForm((f) => ({ ...f, [key]: value }));

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    const req = publishBody(form);
    if ('error' in req) {
      setResult({ kind: 'error', text: req.error });
      return;
    }
    setBusy(true);
    try {
      const answer = await api<{ delivered: number }>(token, 'publish', { method: 'POST', body: req.body });
      setResult({ kind: 'success', text: `Published to ${form.topic}: delivered to ${answer.delivered} session${answer.delivered === 1 ? '' : 's'}.` });
    } catch (err) {
      setResult({ kind: 'error', text: `Not published: ${(err as Error).message}` });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="publish-heading">
      <h2 id="publish-heading">Publish a message</h2>
      {readOnly && <Notice kind="info">Signed in read-only: publishing needs the full token.</Notice>}
      <form class="form" onSubmit={(e) => void submit(e)}>
        <fieldset disabled={readOnly || busy} class="publish-grid">
          <div>
            <div class="field">
              <label for="pub-topic">Topic</label>
              <input id="pub-topic" required value={form.topic} onInput={(e) => set('topic', e.currentTarget.value)} placeholder="sensors/room1/temperature" />
            </div>
            <div class="field">
              <label for="pub-payload">Payload (UTF-8 text)</label>
              <textarea id="pub-payload" rows={5} value={form.payload} onInput={(e) => set('payload', e.currentTarget.value)} />
            </div>
            <div class="row">
              <div class="field">
                <label for="pub-qos">QoS</label>
                <select id="pub-qos" value={form.qos} onChange={(e) => set('qos', e.currentTarget.value)}>
                  <option value="0">0 — at most once</option>
                  <option value="1">1 — at least once</option>
                  <option value="2">2 — exactly once</option>
                </select>
              </div>
              <div class="field check">
                <input id="pub-retain" type="checkbox" checked={form.retain} onChange={(e) => set('retain', e.currentTarget.checked)} />
                <label for="pub-retain">Retain</label>
              </div>
            </div>
            <button type="submit" class="primary">
              Publish
            </button>
            {result !== null && <Notice kind={result.kind}>{result.text}</Notice>}
          </div>
          <details class="props" open={wide()}>
            <summary>MQTT 5.0 properties</summary>
            <div class="field">
              <label for="pub-content-type">Content type</label>
              <input id="pub-content-type" value={form.contentType} onInput={(e) => set('contentType', e.currentTarget.value)} placeholder="application/json" />
            </div>
            <div class="field">
              <label for="pub-response-topic">Response topic</label>
              <input id="pub-response-topic" value={form.responseTopic} onInput={(e) => set('responseTopic', e.currentTarget.value)} />
            </div>
            <div class="field">
              <label for="pub-correlation">Correlation data (text)</label>
              <input id="pub-correlation" value={form.correlationData} onInput={(e) => set('correlationData', e.currentTarget.value)} />
            </div>
            <div class="field">
              <label for="pub-expiry">Message expiry (seconds)</label>
              <input id="pub-expiry" inputMode="numeric" value={form.messageExpiryInterval} onInput={(e) => set('messageExpiryInterval', e.currentTarget.value)} />
            </div>
            <div class="field check">
              <input id="pub-utf8" type="checkbox" checked={form.payloadFormatIndicator} onChange={(e) => set('payloadFormatIndicator', e.currentTarget.checked)} />
              <label for="pub-utf8">Payload is UTF-8 (format indicator 1)</label>
            </div>
            <div class="field">
              <label for="pub-user-props">User properties, one name=value per line</label>
              <textarea id="pub-user-props" rows={3} value={form.userProperties} onInput={(e) => set('userProperties', e.currentTarget.value)} />
            </div>
          </details>
        </fieldset>
      </form>
    </section>
  );
}

/** True on a screen wide enough to show the properties beside the message. */
function wide(): boolean {
  return window.matchMedia('(min-width: 1000px)').matches;
}

function toBase64(text: string): string {
  let bin = '';
  for (const b of new TextEncoder().encode(text)) bin += String.fromCharCode(b);
  return btoa(bin);
}
