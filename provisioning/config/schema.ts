/**
 * The first-boot configuration schema v1 (docs/3os-image-standard.md §4), in zod.
 *
 * Field names follow netplan (network), cloud-init (users, ssh_authorized_keys, timezone,
 * locale, keyboard) and Ignition where those name the thing. Objects are strict: an unknown key
 * is an error. The same schema accepts the input form (clear `password`, Wi-Fi `password`,
 * serial `key`) and the stored form (`password_hash`, `psk`, `key_salt` + `key_derived`);
 * rules that tie fields together live in cross-checks.ts, so every problem is reported at once.
 */
import { z } from 'zod';
import { raspberryPiSchema } from './pi-hardware.js';
import { checked, networkSchema } from './schema-parts.js';
import { parseSshPublicKey } from './ssh-key.js';
import { passwordHashProblem, SERIAL_KEY_MIN_LENGTH } from './secrets.js';
import {
  absolutePathProblem, base64Problem, canonicalTimezone, channelProblem, containerNameProblem, containerVolumeProblem,
  fileModeProblem, groupNameProblem, hostnameProblem, httpsUrlProblem, imageReferenceProblem, keyboardLayoutProblem,
  keyboardVariantProblem, localeProblem, ownerProblem, portMappingProblem,
  seedFilePathProblem, shellProblem, timezoneProblem, usernameProblem,
} from './validators.js';
import { lvNameProblem, lvSizeProblem } from './storage-rules.js';

export const CONFIG_VERSION = 1;

const sshKey = z
  .string()
  .trim()
  .superRefine((s, ctx) => {
    const r = parseSshPublicKey(s);
    if (!r.ok) ctx.addIssue({ code: 'custom', message: r.reason });
  });

export const userSchema = z.strictObject({
  name: checked(usernameProblem),
  password: z.string().min(1).optional(),
  password_hash: checked(passwordHashProblem).optional(),
  ssh_authorized_keys: z.array(sshKey).optional(),
  groups: z.array(checked(groupNameProblem)).optional(),
  sudo: z.boolean().optional(),
  shell: checked(shellProblem).optional(),
});

export const sshSchema = z.strictObject({
  enabled: z.boolean().optional(),
  password_authentication: z.boolean().optional(),
});

export const keyboardSchema = z.strictObject({
  layout: checked(keyboardLayoutProblem),
  variant: checked(keyboardVariantProblem).optional(),
});

export const volumeSchema = z.strictObject({
  name: checked(lvNameProblem),
  size: checked(lvSizeProblem),
  create: z.boolean().optional(),
  filesystem: z.enum(['ext4', 'xfs']).optional(),
  mountpoint: checked(absolutePathProblem).optional(),
});

export const storageSchema = z.strictObject({
  volumes: z.array(volumeSchema),
});

const envValue = z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v));

export const containerSchema = z.strictObject({
  name: checked(containerNameProblem),
  image: checked(imageReferenceProblem),
  ports: z.array(checked(portMappingProblem)).optional(),
  volumes: z.array(checked(containerVolumeProblem)).optional(),
  env: z.record(z.string(), envValue).optional(),
  restart: z.enum(['no', 'always', 'on-failure', 'unless-stopped']).optional(),
});

export const fileSchema = z.strictObject({
  path: checked(seedFilePathProblem),
  mode: checked(fileModeProblem),
  contents: z.string().optional(),
  contents_base64: checked(base64Problem).optional(),
  owner: checked(ownerProblem).optional(),
});

export const updateSchema = z.strictObject({
  channel: checked(channelProblem).optional(),
  server: checked(httpsUrlProblem).optional(),
  auto_rollback: z.boolean().optional(),
});

export const serialSchema = z.strictObject({
  lock: z.boolean().optional(),
  /** Clear passphrase (input only; turned into key_salt + key_derived). */
  key: z.string().min(SERIAL_KEY_MIN_LENGTH, { error: `must be at least ${SERIAL_KEY_MIN_LENGTH} characters` }).optional(),
  key_salt: checked((s) => (/^[0-9a-f]{32}$/.test(s) ? undefined : 'must be 32 lowercase hex digits')).optional(),
  key_derived: checked((s) => (/^[0-9a-f]{64}$/.test(s) ? undefined : 'must be 64 lowercase hex digits')).optional(),
});

export const configSchema = z.strictObject({
  version: z.literal(CONFIG_VERSION),
  hostname: checked(hostnameProblem).optional(),
  users: z.array(userSchema).optional(),
  ssh: sshSchema.optional(),
  network: networkSchema.optional(),
  /** An old tzdb alias (Europe/Kiev) is accepted and stored as the zone it names (Europe/Kyiv). */
  timezone: checked(timezoneProblem).transform(canonicalTimezone).optional(),
  locale: checked(localeProblem).optional(),
  keyboard: keyboardSchema.optional(),
  storage: storageSchema.optional(),
  containers: z.array(containerSchema).optional(),
  files: z.array(fileSchema).optional(),
  update: updateSchema.optional(),
  serial_provisioning: serialSchema.optional(),
  /** The Raspberry Pi's hardware interfaces, rendered into the committed slot's config.txt (pi-hardware.ts). */
  raspberry_pi: raspberryPiSchema.optional(),
});

/** A validated config (input or stored form). */
export type Config = z.infer<typeof configSchema>;
export type ConfigUser = z.infer<typeof userSchema>;
export type ConfigNetwork = z.infer<typeof networkSchema>;
export type ConfigContainer = z.infer<typeof containerSchema>;
export type ConfigFile = z.infer<typeof fileSchema>;
export type StoragePolicy = z.infer<typeof storageSchema>;
export type StorageVolume = z.infer<typeof volumeSchema>;
export type VolumeFilesystem = NonNullable<StorageVolume['filesystem']>;
/** What a config looks like before validation (YAML/JSON parsed, env values not yet strings). */
export type ConfigInput = z.input<typeof configSchema>;
