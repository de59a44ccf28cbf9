/**
 * The `--first-boot` flag's values (seed and write): its own small module so `write` reads the flag
 * without loading the seed verb.
 */
import type { FirstBootFormat } from '../../../provisioning/seed/seed-disk.js';
import { usageError } from '../io.js';

export function firstBootFormat(v: string | undefined): FirstBootFormat {
  if (v === undefined) return '3os-native';
  if (v === '3os-native' || v === 'cloud-init' || v === 'ignition') return v;
  throw usageError(`--first-boot takes 3os-native, cloud-init or ignition, not "${v}"`);
}
