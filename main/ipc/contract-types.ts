/**
 * The result and event types of the UI <-> main contract: what each request answers and what
 * each event carries. Types only, built from the engine's pure type files, so the renderer can
 * import them without pulling Node code into the page. The request schemas (zod) are in
 * contract.ts, which ties both halves to the names in channels.ts.
 */
import type { Drive, DriveBus, DriveEntry, ThreeOsInfo } from '../../flasher/drives/types.js';
import type { JobEvent } from '../../flasher/progress.js';
import type { JobSummary } from '../../flasher/write/job-types.js';

export type { Drive, DriveBus, DriveEntry, JobEvent, JobSummary, ThreeOsInfo };

/**
 * A safety rule's refusal or warning (the shapes of flasher/drives/safety.ts, restated here
 * because that file is code the renderer must not load; the backend's assignment checks they agree).
 */
export interface Refusal {
  readonly code: string;
  readonly message: string;
  readonly shortfall?: number | undefined;
}

export interface Warning {
  readonly code: string;
  readonly message: string;
}

/** The answer to every request: the value, or the error in a technician's words. */
export type Reply<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: UserError };

/** An error as a technician reads it: plain words first, the engine's detail one click away. */
export interface UserError {
  readonly code: string;
  /** One sentence in plain words. */
  readonly title: string;
  /** What to try next, when there is advice. */
  readonly hint?: string | undefined;
  /** The engine's exact message (device, offset, tool output). */
  readonly detail: string;
}

export interface AppFeatures {
  /** An image catalog is wired (flasher/catalog). */
  readonly catalog: boolean;
  /** Rewrite the OS slots and keep the data volume. */
  readonly repair: boolean;
  /** The first-boot config is seeded into the config partition after writing. */
  readonly seed: boolean;
  /** The data volume is grown to fill each disk after writing. */
  readonly grow: boolean;
  /** A native "open file" dialog exists (Electron); otherwise the path is typed. */
  readonly filePicker: boolean;
}

export interface AppInfo {
  readonly name: string;
  readonly version: string;
  readonly mode: 'electron' | 'web';
  readonly platform: string;
  readonly features: AppFeatures;
}

export interface TargetView {
  readonly target: string;
  readonly drive: Drive | undefined;
  readonly refusals: readonly Refusal[];
  readonly warnings: readonly Warning[];
}

export interface ImageInfo {
  readonly image: string;
  readonly kind: 'file' | 'url';
  /** The file's name (or the URL's last segment). */
  readonly name: string;
  readonly exists: boolean;
  readonly fileSize: number | undefined;
  /** raw, gzip, xz, zstd, bzip2, zip; undefined for URLs. */
  readonly format: string | undefined;
  /** Decoded size when it is known without decoding. */
  readonly decodedSize: number | undefined;
  /** Set when the image carries a 3os layout (read from the file itself). */
  readonly threeOs: ThreeOsInfo | undefined;
  readonly problem?: UserError | undefined;
}

export interface UiIssue {
  /** Field path as the config schema names it, e.g. ["users", 0, "name"]. */
  readonly path: readonly (string | number)[];
  /** The same path, printed ("users[0].name"). */
  readonly field: string;
  readonly message: string;
  /** Which device or CSV row, for batch problems. */
  readonly scope?: string | undefined;
}

export interface DevicePreview {
  readonly index: number;
  readonly serial?: string | undefined;
  readonly hostname: string | undefined;
}

export interface ConfigCheck {
  readonly ok: boolean;
  readonly issues: readonly UiIssue[];
  readonly devices: readonly DevicePreview[];
}

export interface PresetView {
  readonly name: string;
  readonly modified: string;
}

export type FlashUpdate =
  | { readonly type: 'event'; readonly jobId: string; readonly event: JobEvent }
  | { readonly type: 'end'; readonly jobId: string; readonly summary: JobSummary; readonly errors: Readonly<Record<string, UserError>> }
  | { readonly type: 'failed'; readonly jobId: string; readonly error: UserError };

export interface EjectView {
  readonly ejected: boolean;
  readonly method: string;
}

export interface PartitionView {
  readonly role: string;
  readonly label: string;
  readonly start: number;
  readonly size: number;
}

export interface DiskInspection {
  readonly target: string;
  readonly size: number;
  readonly table: 'gpt' | 'mbr' | undefined;
  readonly partitions: readonly PartitionView[];
  readonly is3os: boolean;
  /** 3os/image.json, parsed. */
  readonly image: Readonly<Record<string, unknown>> | undefined;
  /** 3os/config.yaml with every secret masked. */
  readonly configYaml: string | undefined;
  /** 3os/result.json (what the first boot applied), parsed. */
  readonly result: unknown;
  /** What the grow step recorded on the disk. */
  readonly grow: unknown;
  readonly notes: readonly string[];
}

export interface SerialPortView {
  readonly path: string;
  readonly description: string;
}

export type SerialAction = 'hello' | 'status' | 'logs' | 'slotShow' | 'slotSet' | 'slotGood' | 'reboot';

export interface SerialAnswer {
  readonly action: SerialAction;
  /** Human text of the answer. */
  readonly text: string;
  /** The structured answer (device info, result.json, slot info). */
  readonly data?: unknown;
}

export interface SerialPushView {
  readonly bytes: number;
  readonly seconds: number;
  readonly result: Readonly<Record<string, unknown>>;
}

export type SerialUpdate =
  | { readonly kind: 'console'; readonly session: string; readonly text: string }
  | { readonly kind: 'closed'; readonly session: string; readonly reason: string };

export interface FactoryRule {
  readonly minBytes: number;
  readonly maxBytes: number;
  /** Accepted buses; empty means any removable bus (usb, sd, emmc). */
  readonly buses: readonly DriveBus[];
}

export interface FactoryLine {
  readonly time: string;
  readonly device: string;
  readonly serial: string;
  readonly hostname: string;
  readonly imageDigest: string;
  readonly verified: boolean;
  readonly ok: boolean;
  readonly seconds: number;
  readonly error?: string | undefined;
}

export interface FactoryActive {
  readonly device: string;
  readonly hostname: string;
  readonly phase: string;
  readonly fraction: number | undefined;
}

export interface FactoryState {
  readonly running: boolean;
  readonly flashed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly active: readonly FactoryActive[];
  /** Most recent lines first (the report file has them all). */
  readonly lines: readonly FactoryLine[];
  readonly reportPath: string | undefined;
  readonly message?: string | undefined;
}

/** A board of the catalogs, as the image step offers it. */
export interface CatalogBoardView {
  readonly id: string;
  readonly name: string;
  readonly arch: string;
  readonly firmware: string;
  readonly description: string | undefined;
  readonly soc: string | undefined;
  /** The partition tables its firmware boots (the catalog's `partitionTable` as a list). */
  readonly partitionTables: readonly ('gpt' | 'mbr')[];
  readonly serialConsole: string | undefined;
  /** Wi-Fi on every unit, none, or only some variants (Compute Modules). */
  readonly wifi: boolean | 'model-dependent' | undefined;
  /** Boots from a USB drive. */
  readonly usbBoot: boolean | undefined;
  /** Its eMMC is flashed over USB with rpiboot. */
  readonly rpiboot: boolean | undefined;
  /** A USB OTG port the agent serves its console on (one cable). */
  readonly usbGadget: boolean | 'model-dependent' | undefined;
}

/** A catalog image as listed: what the technician compares before choosing. */
export interface CatalogImageView {
  readonly id: string;
  readonly name: string;
  readonly flavor: string;
  readonly version: string;
  readonly arch: string;
  readonly boards: readonly string[];
  readonly released: string;
  readonly description: string;
  /** Bytes to download (compressed); undefined until the image is published. */
  readonly downloadSize: number | undefined;
  /** Bytes the raw disk image needs; undefined until published. */
  readonly decodedSize: number | undefined;
  /** The entry has its download size and sha256: it can be fetched. */
  readonly published: boolean;
  readonly signed: boolean;
}

export interface CatalogListing {
  readonly boards: readonly CatalogBoardView[];
  /** The images fitting the request's board/arch (all when neither is given). */
  readonly images: readonly CatalogImageView[];
  /** Shadowed ids, dangling board references, cached-copy notices. */
  readonly notes: readonly string[];
}

export interface FetchedImage {
  readonly id: string;
  /** The verified local file to flash. */
  readonly image: string;
  readonly sha256: string | undefined;
  readonly downloaded: boolean;
  /** "signed by key …" or "unsigned". */
  readonly trust: string;
}

export interface RepairView {
  readonly target: string;
  readonly partitions: readonly { readonly name: string; readonly bytes: number; readonly sha256: string }[];
  readonly imageJsonUpdated: boolean;
  readonly kept: readonly string[];
  readonly seconds: number;
}

/** What each request answers. */
export interface Responses {
  appInfo: AppInfo;
  watchDrives: readonly DriveEntry[];
  assessTargets: readonly TargetView[];
  describeImage: ImageInfo;
  pickImageFile: { readonly path: string | undefined };
  checkConfig: ConfigCheck;
  listPresets: readonly PresetView[];
  loadPreset: { readonly name: string; readonly config: Readonly<Record<string, unknown>> };
  savePreset: { readonly name: string };
  startFlash: { readonly jobId: string };
  cancelFlash: { readonly cancelled: boolean };
  ejectDrive: EjectView;
  saveReport: { readonly path: string | undefined };
  inspectDisk: DiskInspection;
  listSerialPorts: readonly SerialPortView[];
  serialOpen: { readonly session: string };
  serialCommand: SerialAnswer;
  serialPush: SerialPushView;
  serialConsoleWrite: Readonly<Record<string, never>>;
  serialClose: Readonly<Record<string, never>>;
  factoryStart: FactoryState;
  factoryStop: FactoryState;
  listCatalog: CatalogListing;
  fetchCatalogImage: FetchedImage;
  repairDisk: RepairView;
}

/** What each event carries. */
export interface Events {
  drives: { readonly entries: readonly DriveEntry[]; readonly error?: string | undefined };
  flash: FlashUpdate;
  serial: SerialUpdate;
  factory: FactoryState;
}
