/**
 * Public API of the first-boot configuration (schema v1): validation, rendering for one device
 * or a batch, presets, masking, and the secret derivations other parts reuse (the serial host
 * derives the serial key; the agent form parser double-checks what was seeded).
 */
export { CONFIG_VERSION, configSchema } from './schema.js';
export type { Config, ConfigInput, ConfigUser, ConfigNetwork, ConfigContainer, ConfigFile, StoragePolicy, StorageVolume, VolumeFilesystem } from './schema.js';
export { parseConfigText, validateConfig, assertValidConfig, type ValidationResult } from './validate.js';
export { formatIssue, formatPath, configIssuesOf, type ConfigIssue, type PathSegment } from './issues.js';
export {
  renderConfig, renderStored, renderConfigYaml, prepareConfig, CONFIG_YAML_PATH, CONFIG_AGENT_PATH,
  type RenderedConfig, type RenderOptions, type SeedFile,
} from './render.js';
export { renderBatch, type BatchItem, type BatchOptions } from './batch.js';
export { parseCsv } from './csv.js';
export { expandTemplates, templateIssues, hasTemplates, hostnameSafeSerial, type TemplateDevice, type TemplateContext } from './templates.js';
export { parseAgentForm, agentDigestMatches, AGENT_HEADER, type AgentForm } from './agent-form.js';
export type { CloudInitSeed } from './render-cloud-init.js';
export { IGNITION_VERSION } from './render-ignition.js';
export { savePreset, loadPreset, listPresets, presetNameProblem, type PresetInfo } from './presets.js';
export { maskSecrets, MASK } from './mask.js';
export { hashSecrets } from './hash-secrets.js';
export { sha512Crypt, verifySha512Crypt, randomCryptSalt } from './sha512-crypt.js';
export { wifiPsk, deriveSerialKey, SERIAL_KDF_ITERATIONS, type DerivedSerialKey } from './secrets.js';
export { parseSshPublicKey, type SshPublicKey } from './ssh-key.js';
export { lvNameProblem, lvSizeProblem, parseSize, SIZE_GRAMMAR, type ParsedSize } from './storage-rules.js';
export { parseStoragePolicy, storageIssues } from './storage.js';
