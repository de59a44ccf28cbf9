/** Read a storage policy file (YAML or JSON): either `{volumes: [...]}` or a config with `storage:`. */
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { FlashError } from '../../flasher/errors.js';
import { parseStoragePolicy, type StoragePolicy } from '../../provisioning/lvm/index.js';

export async function readPolicyFile(path: string): Promise<StoragePolicy> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new FlashError('E_CONFIG_INVALID', `cannot read the policy file ${path}`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new FlashError('E_CONFIG_INVALID', `${path}: not valid YAML/JSON: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
  if (typeof doc === 'object' && doc !== null && 'storage' in doc) return parseStoragePolicy(doc.storage, 'storage');
  return parseStoragePolicy(doc, 'policy');
}
