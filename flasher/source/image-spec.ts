/**
 * How an image is named, the one rule for every reader: a local path, a `file://` URL (a local
 * path too), or another URL (http(s), read by the http source; any other scheme is not local).
 */
import { fileURLToPath } from 'node:url';

const URL_RE = /^[a-z][a-z0-9+.-]*:\/\//i;

/** Is this spec a URL other than file:// (so there is no local file to look at)? */
export function isRemoteImage(spec: string): boolean {
  return URL_RE.test(spec) && !/^file:\/\//i.test(spec);
}

/** The local file an image spec names (a path, or a file:// URL), or undefined for a remote one or a bad file URL. */
export function localImagePath(spec: string): string | undefined {
  if (/^file:\/\//i.test(spec)) {
    try {
      return fileURLToPath(spec);
    } catch {
      return undefined;
    }
  }
  return URL_RE.test(spec) ? undefined : spec;
}
