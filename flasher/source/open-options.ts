/** How to open an image source (openImage's options; the per-format builders take them too). */
import type { DecoderPreferences } from './decoders.js';

export interface OpenImageOptions {
  readonly signal?: AbortSignal;
  readonly onInfo?: (msg: string) => void;
  /** Force decoder implementations (default: the measured fastest available). */
  readonly decoders?: DecoderPreferences;
  /** Keep a SHA-256 of the raw source bytes for rawSha256() (default true). */
  readonly hashRaw?: boolean;
  /** http(s): consecutive failed attempts allowed when resuming (default 5). */
  readonly maxRetries?: number;
  /** http(s): first retry delay in ms, doubling per failure (default 500). */
  readonly retryDelayMs?: number;
}
