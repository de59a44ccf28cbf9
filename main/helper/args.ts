/** The helper's command line (kept apart from entry.ts, which starts the helper when imported). */

export interface HelperArgs {
  readonly session: string;
  readonly parentPid: number | undefined;
  readonly pipe: string | undefined;
}

/** Parse the helper's argv; undefined when it is not usable. */
export function parseHelperArgs(argv: readonly string[]): HelperArgs | undefined {
  let session: string | undefined;
  let parentPid: number | undefined;
  let pipe: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--session' && v !== undefined) session = v;
    else if (a === '--parent-pid' && v !== undefined) parentPid = Number(v);
    else if (a === '--pipe' && v !== undefined) pipe = v;
    else return undefined;
    i++;
  }
  if (session === undefined || !/^[0-9a-f]{64}$/.test(session)) return undefined;
  if (parentPid !== undefined && !(Number.isInteger(parentPid) && parentPid > 0)) return undefined;
  return { session, parentPid, pipe };
}
