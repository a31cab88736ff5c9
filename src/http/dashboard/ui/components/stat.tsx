// One figure of the overview: a label and its value.
import type { ComponentChildren } from 'preact';

export function Stat({ label, value, hint }: { label: string; value: ComponentChildren; hint?: string }) {
  return (
    <div class="stat">
      <dt>{label}</dt>
      <dd>
        {value}
        {hint !== undefined && <span class="stat-hint">{hint}</span>}
      </dd>
    </div>
  );
}
