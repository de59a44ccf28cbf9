/**
 * How to start the helper with administrator rights on each OS (pure: builds the command line).
 *
 * - Linux: `pkexec` spawned directly (exit 126: the user dismissed the dialog, 127: not authorised
 *   or no polkit agent). pkexec execs the program, so the helper's stdin/stdout are the pipes we
 *   created and its exit code is the helper's. pkexec clears the environment, so variables the
 *   helper needs (ELECTRON_RUN_AS_NODE=1 when the app binary runs it) go through /usr/bin/env.
 * - macOS: `osascript -e 'do shell script "..." with administrator privileges'`. do shell script
 *   buffers output until exit, so it only launches the helper in the background; the helper then
 *   connects back to a unix socket in a 0700 directory owned by the user (transport "socket").
 * - Windows: PowerShell `Start-Process -Verb RunAs` (the UAC prompt). An elevated process cannot
 *   inherit our pipes, so the helper connects back to a named pipe \\.\pipe\3os-flash-<random>;
 *   the session token authenticates both ends (other local processes can open named pipes).
 * When we are root already (a factory machine running the CLI as root), no elevation is used.
 */

export type Transport = 'stdio' | 'socket';

export interface LaunchPlan {
  readonly command: string;
  readonly args: readonly string[];
  readonly transport: Transport;
}

export interface PlanInput {
  readonly platform: NodeJS.Platform;
  /** Elevate (false when already root, or in tests). */
  readonly elevate: boolean;
  /** argv that runs the helper entry: [node or app binary, /abs/path/dist/main/helper/entry.js]. */
  readonly helperCommand: readonly string[];
  readonly helperEnv?: Readonly<Record<string, string>> | undefined;
  readonly session: string;
  readonly parentPid: number;
  /** Socket / named pipe path when the transport is "socket". */
  readonly pipePath?: string | undefined;
}

/** POSIX shell single-quoting. */
export function shQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** AppleScript string literal. */
export function appleScriptString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Windows command-line quoting of one argument (CommandLineToArgvW rules). */
export function winQuote(s: string): string {
  if (s !== '' && !/[\s"]/.test(s)) return s;
  return `"${s.replace(/(\\*)"/g, '$1$1\\"').replace(/(\\+)$/, '$1$1')}"`;
}

/** PowerShell single-quoted string. */
export function psQuote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

export function planLaunch(p: PlanInput): LaunchPlan {
  const [program, ...rest] = p.helperCommand;
  if (program === undefined) throw new Error('helperCommand is empty');
  const transport: Transport = p.pipePath !== undefined ? 'socket' : 'stdio';
  const helperArgs = [...rest, '--session', p.session, '--parent-pid', String(p.parentPid), ...(p.pipePath === undefined ? [] : ['--pipe', p.pipePath])];
  const envPairs = Object.entries(p.helperEnv ?? {}).map(([k, v]) => `${k}=${v}`);
  if (!p.elevate) return { command: program, args: helperArgs, transport };
  switch (p.platform) {
    case 'darwin': {
      if (p.pipePath === undefined) throw new Error('macOS elevation needs the socket transport');
      const cmd = [...(envPairs.length > 0 ? ['/usr/bin/env', ...envPairs] : []), program, ...helperArgs].map(shQuote).join(' ');
      const script = `do shell script ${appleScriptString(`${cmd} </dev/null >/dev/null 2>&1 &`)} with administrator privileges`;
      return { command: '/usr/bin/osascript', args: ['-e', script], transport };
    }
    case 'win32': {
      if (p.pipePath === undefined) throw new Error('Windows elevation needs the named-pipe transport');
      // Environment for the elevated process is set by the helper command itself (Start-Process has no -Environment on PS 5).
      const argList = helperArgs.map(winQuote).join(' ');
      const ps = `Start-Process -FilePath ${psQuote(program)} -ArgumentList ${psQuote(argList)} -Verb RunAs -WindowStyle Hidden`;
      return { command: 'powershell.exe', args: ['-NoProfile', '-NonInteractive', '-Command', ps], transport };
    }
    default:
      return {
        command: 'pkexec',
        args: envPairs.length > 0 ? ['/usr/bin/env', ...envPairs, program, ...helperArgs] : [program, ...helperArgs],
        transport,
      };
  }
}
