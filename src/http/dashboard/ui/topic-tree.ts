// Retained messages arranged by topic level: `a/b/c` sits under `a` then `a/b`.
import type { Retained } from './types.js';

export interface TopicNode {
  /** This level's name (may be empty: `a//b`). */
  name: string;
  /** The full topic down to this level. */
  path: string;
  children: Map<string, TopicNode>;
  message: Retained | undefined;
  /** Retained messages at or below this level. */
  count: number;
}

export function buildTopicTree(messages: readonly Retained[]): TopicNode {
  const root: TopicNode = { name: '', path: '', children: new Map(), message: undefined, count: 0 };
  for (const m of messages) {
    let node = root;
    node.count++;
    const levels = m.topic.split('/');
    levels.forEach((level, i) => {
      let child = node.children.get(level);
      if (child === undefined) {
        child = { name: level, path: levels.slice(0, i + 1).join('/'), children: new Map(), message: undefined, count: 0 };
        node.children.set(level, child);
      }
      child.count++;
      node = child;
    });
    node.message = m;
  }
  return root;
}
