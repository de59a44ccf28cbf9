/**
 * How an image argument names a catalog entry (`catalog:ID`, or a bare ID that is no path), kept
 * apart from the catalog's loading and download code so the `write` verb can ask it at start-up
 * without loading the catalog.
 */
import { existsSync } from 'node:fs';
import { isHttpUrl } from '../source/http-source.js';

export const CATALOG_PREFIX = 'catalog:';
const ID_RE = /^[a-z0-9][a-z0-9._-]{0,79}$/;

/** The catalog id in `spec`, when it names one: `catalog:ID`, or a bare ID that is not an existing path. */
export function catalogIdOf(spec: string): { id: string; explicit: boolean } | undefined {
  if (spec.startsWith(CATALOG_PREFIX)) return { id: spec.slice(CATALOG_PREFIX.length), explicit: true };
  if (isHttpUrl(spec) || /^file:\/\//i.test(spec) || existsSync(spec)) return undefined;
  return ID_RE.test(spec) ? { id: spec, explicit: false } : undefined;
}
