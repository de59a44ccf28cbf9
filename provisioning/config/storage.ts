/**
 * The one parser of a storage policy: the `storage:` section of a config, a `--policy` file and
 * the helper's grow job all go through the config schema's storage part and its cross-field rules
 * (storage-rules.ts holds the name and size grammar), so they accept and refuse the same things.
 */
import { z } from 'zod';
import { crossCheckStorage } from './cross-checks.js';
import { configInvalid, fromZodIssue, uniqueIssues, type ConfigIssue } from './issues.js';
import { storageSchema, type StoragePolicy } from './schema.js';

// Wrapped under `storage` so paths (and the unknown-key suggestions) read as in a config.
const wrapped = z.strictObject({ storage: storageSchema });

function check(input: unknown): { readonly policy: StoragePolicy | undefined; readonly issues: ConfigIssue[] } {
  const parsed = wrapped.safeParse({ storage: input }, { reportInput: true });
  const issues: ConfigIssue[] = [];
  if (!parsed.success) for (const i of parsed.error.issues) issues.push(...fromZodIssue(i));
  issues.push(...crossCheckStorage(input));
  return { policy: parsed.success ? parsed.data.storage : undefined, issues: uniqueIssues(issues) };
}

/** Every problem of a storage section, paths starting at `storage`. */
export function storageIssues(input: unknown): ConfigIssue[] {
  return check(input).issues;
}

/**
 * Validate an untrusted storage policy (`{ volumes: [...] }`); throws E_CONFIG_INVALID listing
 * every problem, `what` naming the input ("storage", "policy file grow.yaml").
 */
export function parseStoragePolicy(input: unknown, what = 'storage policy'): StoragePolicy {
  const { policy, issues } = check(input);
  if (policy === undefined || issues.length > 0) throw configInvalid(issues, what, 'grow');
  return policy;
}
