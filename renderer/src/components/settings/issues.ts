/** The backend's config problems grouped by the form field that shows them. */
import type { UiIssue } from '../../../../main/ipc/contract-types.js';
import { fieldOf } from '../../state/draft.js';

export type FieldIssues = ReadonlyMap<string, string>;

export function groupIssues(issues: readonly UiIssue[]): FieldIssues {
  const m = new Map<string, string>();
  for (const i of issues) {
    const f = fieldOf(i.path);
    const text = `${f === 'general' && i.field !== '' ? `${i.field}: ` : ''}${i.message}${i.scope === undefined ? '' : ` (${i.scope})`}`;
    m.set(f, m.has(f) ? `${m.get(f) ?? ''}; ${text}` : text);
  }
  return m;
}
