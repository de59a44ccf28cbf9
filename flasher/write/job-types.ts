/**
 * The description of one write job and its summary: shared by the CLI, the privileged helper
 * and the app, so the same validated shape crosses every process boundary.
 */
import type { WireError } from '../errors.js';

export interface WriteJobSpec {
  /** Image path or http(s) URL. */
  readonly image: string;
  /** Block devices, loop devices or image files. */
  readonly targets: readonly string[];
  /** bmap file; when absent, IMAGE.bmap beside a local image is used if present. */
  readonly bmap?: string | undefined;
  /** Expected SHA-256 (hex) of the decoded image or of the downloaded file. */
  readonly sha256?: string | undefined;
  /** Read back and compare after writing (default true). */
  readonly verify?: boolean | undefined;
  /** Allow writing to a drive flagged as a system drive. */
  readonly allowSystemDrive?: boolean | undefined;
}

export interface TargetResult {
  readonly target: string;
  readonly ok: boolean;
  readonly bytesWritten: number;
  readonly verified: boolean;
  readonly seconds: number;
  readonly error?: WireError | undefined;
  /** After the grow step: the disk size and the data partition's size, in bytes. */
  readonly grown?: { readonly diskSize: number; readonly dataBytes: number; readonly changed: boolean } | undefined;
  /** After the seed step: the config files written to the config partition. */
  readonly seeded?: { readonly files: readonly string[]; readonly hostname?: string | undefined } | undefined;
}

export interface JobSummary {
  readonly image: string;
  readonly format: string;
  readonly imageSize: number;
  /** SHA-256 of the decoded image, when the whole image was read. */
  readonly sha256: string | undefined;
  readonly results: readonly TargetResult[];
}

/* Pure types (no Node imports): the renderer type-checks this file through the IPC contract. */

/** The file operations a target needs: a FileHandle has them; tests wrap them to inject faults. */
export interface TargetIO {
  write(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesWritten: number }>;
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  sync(): Promise<void>;
}

/** Wraps a target's I/O (RunOptions.wrapIO): `which` tells the buffered handle from the direct one. */
export type WrapIO = (target: string, io: TargetIO, which: 'buffered' | 'direct') => TargetIO;

/** How a job runs: cancellation and the test hooks. */
export interface RunOptions {
  readonly signal?: AbortSignal | undefined;
  /** Test hook: called per target after the flush and before verification. */
  readonly beforeVerify?: ((target: string) => Promise<void>) | undefined;
  /** Test hook: wrap each target's file I/O (fault injection). */
  readonly wrapIO?: WrapIO | undefined;
}
