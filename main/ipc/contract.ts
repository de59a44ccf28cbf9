/**
 * The one typed contract between the UI and the main process: for every request name in
 * channels.ts, the zod schema its payload must pass (checked in the main process on every call,
 * because TypeScript types vanish at a process boundary) and, through contract-types.ts, what it
 * answers. Events flow the other way and are produced only by our own main-process code.
 *
 * The same contract serves Electron IPC (preload + ipcMain) and the dev bridge's WebSocket.
 * No Node or Electron import here: the renderer imports its types.
 */
import { z } from 'zod';
import type { EventName, RequestName } from './channels.js';
import type { Events, Responses } from './contract-types.js';

/** A path or URL: bounded, no NUL (a NUL truncates paths in system calls). */
const pathLike = z
  .string()
  .min(1, { error: 'is empty' })
  .max(4096)
  .refine((s) => !s.includes('\0'), { error: 'must not contain NUL' });

/** A JSON object as the config editor produces it (checked field by field by the config schema). */
const configObject = z.record(z.string(), z.unknown());

const session = z.string().regex(/^[0-9a-f]{32}$/, { error: 'is not a session id' });

const bus = z.enum(['usb', 'sd', 'emmc', 'nvme', 'sata', 'scsi', 'virtio', 'loop', 'nbd', 'file', 'unknown']);

const device = z.strictObject({
  index: z.number().int().min(0).max(1_000_000),
  serial: z.string().max(128).optional(),
});

/** A catalog board or image id (the catalog schema's id form). */
const catalogId = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,79}$/, { error: 'is not a catalog id' });

const arch = z.enum(['x86_64', 'aarch64', 'armv7']);

export const requestSchemas = {
  appInfo: z.strictObject({}),
  watchDrives: z.strictObject({ includeLoop: z.boolean() }),
  assessTargets: z.strictObject({
    image: pathLike.optional(),
    targets: z.array(pathLike).max(128),
    allowSystemDrive: z.boolean().optional(),
  }),
  describeImage: z.strictObject({ image: pathLike }),
  pickImageFile: z.strictObject({}),
  checkConfig: z.strictObject({ config: configObject, devices: z.array(device).min(1).max(256) }),
  listPresets: z.strictObject({}),
  loadPreset: z.strictObject({ name: z.string().min(1).max(64) }),
  savePreset: z.strictObject({ name: z.string().min(1).max(64), config: configObject }),
  startFlash: z.strictObject({
    image: pathLike,
    targets: z.array(pathLike).min(1).max(64),
    /** The config template; absent = write the image only. */
    config: configObject.optional(),
    /** {index} of the first target (default 1). */
    firstIndex: z.number().int().min(0).max(1_000_000).optional(),
    sha256: z.string().regex(/^[0-9a-fA-F]{64}$/).optional(),
    verify: z.boolean(),
    grow: z.boolean(),
    allowSystemDrive: z.boolean(),
  }),
  cancelFlash: z.strictObject({ jobId: z.string().regex(/^[0-9a-f]{16}$/) }),
  ejectDrive: z.strictObject({ target: pathLike }),
  saveReport: z.strictObject({
    fileName: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,100}\.(json|csv|jsonl)$/, { error: 'must be a plain file name ending in .json, .csv or .jsonl' }),
    content: z.string().max(16 * 1024 * 1024),
  }),
  inspectDisk: z.strictObject({ target: pathLike }),
  listSerialPorts: z.strictObject({}),
  serialOpen: z.strictObject({
    path: pathLike,
    baud: z.number().int().min(1200).max(4_000_000),
    key: z.string().max(512).optional(),
  }),
  serialCommand: z.strictObject({
    session,
    action: z.enum(['hello', 'status', 'logs', 'slotShow', 'slotSet', 'slotGood', 'reboot']),
    slot: z.enum(['a', 'b']).optional(),
    lines: z.number().int().min(1).max(10_000).optional(),
  }),
  /** The config may be a template: it is filled in for device `index` and the serial the device reports. */
  serialPush: z.strictObject({ session, config: configObject, index: z.number().int().min(0).max(1_000_000).optional() }),
  serialConsoleWrite: z.strictObject({ session, data: z.string().max(4096) }),
  serialClose: z.strictObject({ session }),
  factoryStart: z.strictObject({
    image: pathLike,
    config: configObject.optional(),
    rule: z.strictObject({
      minBytes: z.number().int().min(0),
      maxBytes: z.number().int().min(0),
      buses: z.array(bus).max(16),
    }),
    maxParallel: z.number().int().min(1).max(16),
    includeLoop: z.boolean(),
    firstIndex: z.number().int().min(0).max(1_000_000),
  }),
  factoryStop: z.strictObject({}),
  /** Boards of the catalogs, and the images that fit the chosen board and/or arch. */
  listCatalog: z.strictObject({ board: catalogId.optional(), arch: arch.optional() }),
  /** Download (into the cache) and check a catalog image; answers the verified local file. */
  fetchCatalogImage: z.strictObject({ id: catalogId, board: catalogId.optional() }),
  /** Rewrite the OS slots of a 3os disk from an image, keeping its data; `confirm` must repeat the target. */
  repairDisk: z
    .strictObject({ image: pathLike, target: pathLike, confirm: pathLike })
    .refine((r) => r.confirm === r.target, { error: 'confirm must repeat the target', path: ['confirm'] }),
} as const satisfies Record<RequestName, z.ZodType>;

export type RequestSchemas = typeof requestSchemas;
type DeepReadonly<T> = T extends readonly (infer U)[] ? readonly DeepReadonly<U>[] : T extends object ? { readonly [P in keyof T]: DeepReadonly<T[P]> } : T;

/** What the UI sends for each request (read-only: the UI never needs to mutate a request). */
export type Requests = { [K in RequestName]: DeepReadonly<z.input<RequestSchemas[K]>> };
/** What a handler receives after validation. */
export type ValidRequests = { [K in RequestName]: z.output<RequestSchemas[K]> };

/** Send an event to the UI that made the request (one window, one WebSocket). */
export type Emit = <E extends EventName>(name: E, payload: Events[E]) => void;

/** The UI connection a request came from: where its events go, and what to clean up with it. */
export interface ClientContext {
  readonly id: string;
  readonly emit: Emit;
  /** Run `fn` when the window or socket goes away. */
  onClose(fn: () => void | Promise<void>): void;
}

export type Handler<K extends RequestName> = (req: ValidRequests[K], client: ClientContext) => Promise<Responses[K]>;
export type Handlers = { [K in RequestName]: Handler<K> };

/** The API the renderer sees (window.threeos in Electron, the WebSocket client in a browser). */
export type ThreeOsApi = { [K in RequestName]: (req: Requests[K]) => Promise<Responses[K]> } & {
  /** Listen to an event; returns the function that stops listening. */
  on<E extends EventName>(name: E, listener: (payload: Events[E]) => void): () => void;
};

export type ParseResult<K extends RequestName> =
  | { readonly ok: true; readonly value: ValidRequests[K] }
  | { readonly ok: false; readonly message: string };

/** Validate one payload; the message names the first bad field. */
export function parseRequest<K extends RequestName>(name: K, payload: unknown): ParseResult<K> {
  const schema: z.ZodType = requestSchemas[name];
  const r = schema.safeParse(payload);
  if (r.success) return { ok: true, value: r.data as ValidRequests[K] };
  const issue = r.error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? '' : ` at ${issue.path.map(String).join('.')}`;
  return { ok: false, message: `invalid ${name} request${where}: ${issue?.message ?? 'invalid'}` };
}
