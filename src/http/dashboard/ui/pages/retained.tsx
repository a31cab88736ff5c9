// Retained messages as a topic tree, with a payload preview (text, JSON, hex) and delete.
import { useEffect, useState } from 'preact/hooks';
import { api, segment } from '../api.js';
import { Notice } from '../components/notice.js';
import { formatBytes, fromBase64, hexDump, prettyJson } from '../format.js';
import { buildTopicTree } from '../topic-tree.js';
import type { TopicNode } from '../topic-tree.js';
import type { Page, Retained as RetainedMessage, Scope } from '../types.js';

interface Props {
  token: string;
  scope: Scope;
  /** The broker's retained count: the list reloads when it changes. */
  count: number | undefined;
}

export function Retained({ token, scope, count }: Props) {
  const [page, setPage] = useState<Page<RetainedMessage> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [message, setMessage] = useState<{ kind: 'error' | 'success'; text: string } | null>(null);
  const [reload, setReload] = useState(0);
  useEffect(() => {
    api<Page<RetainedMessage>>(token, 'retained?limit=1000').then(
      (p) => {
        setPage(p);
        setError(null);
      },
      (err: Error) => setError(err.message),
    );
  }, [token, count, reload]);
  if (error !== null) return <Notice kind="error">Could not load the retained messages: {error}</Notice>;
  if (page === null) return <p class="muted">Loading retained messages…</p>;

  const tree = buildTopicTree(page.items);
  const current = page.items.find((m) => m.topic === selected);

  const remove = async (topic: string): Promise<void> => {
    try {
      await api(token, `retained/${segment(topic)}`, { method: 'DELETE' });
      setMessage({ kind: 'success', text: `Deleted the retained message on ${topic}.` });
      setSelected(null);
      setReload((n) => n + 1);
    } catch (err) {
      setMessage({ kind: 'error', text: `Could not delete ${topic}: ${(err as Error).message}` });
    }
  };

  return (
    <div class="split">
      <section aria-labelledby="retained-heading" class="split-main">
        <h2 id="retained-heading">Retained messages</h2>
        <p class="muted">
          {page.total} retained message{page.total === 1 ? '' : 's'}
          {page.total > page.items.length ? `, the first ${page.items.length} shown` : ''}.
        </p>
        {message !== null && <Notice kind={message.kind}>{message.text}</Notice>}
        {page.items.length === 0 ? <p class="muted">No retained messages.</p> : <TopicList node={tree} selected={selected} onSelect={setSelected} depth={0} />}
      </section>
      {current !== undefined && <Preview key={current.topic} message={current} scope={scope} onDelete={() => void remove(current.topic)} />}
    </div>
  );
}

function TopicList({ node, selected, onSelect, depth }: { node: TopicNode; selected: string | null; onSelect: (t: string) => void; depth: number }) {
  const children = [...node.children.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return (
    <ul class={depth === 0 ? 'tree' : 'tree-level'}>
      {children.map((child) => {
        const label = child.message !== undefined && (
          <button type="button" class="link" aria-pressed={child.path === selected} onClick={() => onSelect(child.path)} aria-label={`Show retained message on ${child.path}`}>
            {child.name === '' ? '(empty)' : child.name}
          </button>
        );
        if (child.children.size === 0) return <li key={child.name}>{label}</li>;
        return (
          <li key={child.name}>
            <details open={depth < 2}>
              <summary>
                {child.message === undefined ? child.name || '(empty)' : label} <span class="muted">({child.count})</span>
              </summary>
              <TopicList node={child} selected={selected} onSelect={onSelect} depth={depth + 1} />
            </details>
          </li>
        );
      })}
    </ul>
  );
}

type View = 'text' | 'json' | 'hex';

function Preview({ message, scope, onDelete }: { message: RetainedMessage; scope: Scope; onDelete: () => void }) {
  const bytes = fromBase64(message.payloadBase64);
  const json = prettyJson(message.payload);
  const [view, setView] = useState<View>(json !== null ? 'json' : message.payload !== null ? 'text' : 'hex');
  const views: { id: View; label: string; enabled: boolean }[] = [
    { id: 'text', label: 'Text', enabled: message.payload !== null },
    { id: 'json', label: 'JSON', enabled: json !== null },
    { id: 'hex', label: 'Hex', enabled: true },
  ];
  const shown = view === 'json' && json !== null ? json : view === 'text' && message.payload !== null ? message.payload : hexDump(bytes);
  return (
    <section aria-labelledby="preview-heading" class="panel">
      <h2 id="preview-heading">
        <code>{message.topic}</code>
      </h2>
      <p class="muted">
        QoS {message.qos}, {formatBytes(bytes.length)}
        {Object.keys(message.properties).length > 0 && `, properties: ${JSON.stringify(message.properties)}`}
      </p>
      <div class="segmented" role="group" aria-label="Payload view">
        {views.map((v) => (
          <button key={v.id} type="button" aria-pressed={view === v.id} disabled={!v.enabled} onClick={() => setView(v.id)}>
            {v.label}
          </button>
        ))}
      </div>
      <pre class="payload" tabIndex={0} aria-label="Payload">
        {shown}
      </pre>
      {scope === 'full' ? (
        <button type="button" class="danger" onClick={onDelete}>
          Delete retained message
        </button>
      ) : (
        <p class="muted">Signed in read-only: deleting needs the full token.</p>
      )}
    </section>
  );
}
