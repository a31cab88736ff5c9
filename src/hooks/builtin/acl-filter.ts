// MQTT wildcard semantics for ACL rules: does a filter match a topic, does it cover another filter.

/** True when the topic name matches the filter (`+` one level, `#` the rest); wildcards never match a leading `$` level [MQTT-4.7.2-1]. */
export function matchesFilter(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false; // [MQTT-4.7.2-1]
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === '#') return true; // `a/#` also matches `a` [MQTT-4.7.1-2]
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}

/** True when every topic the requested filter can match is also matched by the ACL filter. */
export function coversFilter(aclFilter: string, requested: string): boolean {
  const a = aclFilter.split('/');
  const r = requested.split('/');
  if (requested.startsWith('$') && (a[0] === '+' || a[0] === '#')) return false; // [MQTT-4.7.2-1]
  for (let i = 0; i < a.length; i++) {
    const level = a[i];
    if (level === '#') return true;
    if (i >= r.length) return false;
    const want = r[i];
    if (want === '#') return false; // only `#` covers `#`
    if (level === '+') continue; // `+` covers a literal or a `+`
    if (want === '+' || level !== want) return false;
  }
  if (r.length === a.length) return true;
  // `x/#` asked, ACL ends at `x`: `x/#` also matches `x/y`, which `x` does not allow.
  return false;
}

/** Removes the `$share/<group>/` prefix of a shared subscription so ACLs apply to the real filter. */
export function stripSharePrefix(filter: string): string {
  if (!filter.startsWith('$share/')) return filter;
  const slash = filter.indexOf('/', 7);
  return slash === -1 ? filter : filter.slice(slash + 1);
}
