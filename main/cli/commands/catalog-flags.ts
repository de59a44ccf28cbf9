/**
 * The catalog/cache/trust flags' definitions and help, and whether a `write` needs the catalog at
 * all: kept apart from catalog-options.ts (which loads the catalog code) so `write` starts fast.
 */
import { catalogIdOf } from '../../../flasher/catalog/catalog-id.js';

export const catalogFlags = {
  board: { type: 'string' },
  catalog: { type: 'string', multiple: true },
  offline: { type: 'boolean' },
  'trust-unsigned': { type: 'boolean' },
  'trusted-key': { type: 'string', multiple: true },
  'cache-dir': { type: 'string' },
  'cache-limit': { type: 'string' },
  'no-default-catalog': { type: 'boolean' },
} as const;

export const catalogFlagsHelp = `  --board ID         the board the image is for; an image that does not fit it (arch, board list,
                     a partition table its firmware cannot boot) is refused before any write
  --catalog URL|FILE an extra image catalog (repeat; the first given wins on equal ids, the
                     bundled catalog comes last)
  --no-default-catalog  do not use the bundled catalog
  --offline          use only cached catalogs and images; never touch the network
  --trust-unsigned   I trust this file: accept an unsigned image or catalog (never a bad signature)
  --trusted-key KEY  also trust this minisign public key (a .pub file or its base64; repeat)
  --cache-dir DIR    download cache (default $THREEOS_CACHE_DIR, $XDG_CACHE_HOME/3os-flasher
                     or ~/.cache/3os-flasher)
  --cache-limit SIZE cache size limit, e.g. 20G (default $THREEOS_CACHE_LIMIT or 16G); least
                     recently used images are evicted`;

export interface CatalogFlagValues {
  readonly board?: string | undefined;
  readonly catalog?: string[] | undefined;
  readonly offline?: boolean | undefined;
  readonly 'trust-unsigned'?: boolean | undefined;
  readonly 'trusted-key'?: string[] | undefined;
  readonly 'cache-dir'?: string | undefined;
  readonly 'cache-limit'?: string | undefined;
  readonly 'no-default-catalog'?: boolean | undefined;
}

/** True when the user asked for any catalog/trust behaviour. */
export function usesCatalogFlags(v: CatalogFlagValues): boolean {
  return v.board !== undefined || (v.catalog?.length ?? 0) > 0 || v.offline === true || v['trust-unsigned'] === true || (v['trusted-key']?.length ?? 0) > 0 || v['no-default-catalog'] === true;
}

/** True when `write` takes IMAGE as given (no catalog id, no catalog/trust option): the catalog is not needed. */
export function isPlainWriteSource(given: string, values: CatalogFlagValues): boolean {
  return catalogIdOf(given) === undefined && !usesCatalogFlags(values);
}
