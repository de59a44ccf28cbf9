/** Read a storage policy file (YAML or JSON): either `{volumes: [...]}` or a config with `storage:`. */
import { readFile } from 'node:fs/promises';
import { FlashError } from '../../flasher/errors.js';
import { parseConfigText, parseStoragePolicy, type StoragePolicy } from '../../provisioning/config/index.js';

export async function readPolicyFile(path: string): Promise<StoragePolicy> {
  return parseStoragePolicy(await readPolicyInput(path), `policy file ${path}`);
}

/**
 * The policy section of a file as written (a plan carries it so; the runner parses it again),
 * checked now so a bad file is a usage problem before anything is opened.
 */
export async function readPolicyInput(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new FlashError('E_CONFIG_INVALID', `cannot read the policy file ${path}`);
  }
  // The same YAML reading and the same storage parser as a config's `storage:` section.
  const doc = parseConfigText(text, `policy file ${path}`);
  const section: unknown = typeof doc === 'object' && doc !== null && 'storage' in doc ? doc.storage : doc;
  parseStoragePolicy(section, `policy file ${path}`);
  return section;
}
