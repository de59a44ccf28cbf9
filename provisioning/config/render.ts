/**
 * One config in, everything the device needs out: the canonical `3os/config.yaml` (secrets
 * hashed or derived, `version: 1`, schema key order, a comment header), the agent form
 * `3os/config.agent`, cloud-init NoCloud seed files and an Ignition config (render-ignition.ts).
 * Validation happens first and completely: bad input throws E_CONFIG_INVALID before any
 * output exists.
 */
import { stringify } from 'yaml';
import { renderAgentForm, sha256Hex } from './agent-form.js';
import { hashSecrets } from './hash-secrets.js';
import { configInvalid, formatPath, type ConfigIssue } from './issues.js';
import { renderCloudInit, type CloudInitSeed } from './render-cloud-init.js';
import { renderIgnition } from './render-ignition.js';
import type { Config } from './schema.js';
import { expandTemplates, templateIssues, type TemplateDevice } from './templates.js';
import { assertValidConfig, parseConfigText, validateConfig } from './validate.js';

export const CONFIG_YAML_PATH = '3os/config.yaml';
export const CONFIG_AGENT_PATH = '3os/config.agent';

export const CONFIG_YAML_HEADER = [
  '# 3os first-boot configuration, schema v1 (3os image standard, section 4).',
  '# Written by 3os Flasher. Passwords, Wi-Fi keys and the serial key are stored hashed or',
  '# derived, never in clear. 3os/config.agent is made from this exact file (its digest line):',
  '# after editing by hand, seed it again (3os-flash seed) so both agree.',
  '',
].join('\n');

export interface RenderOptions {
  /** Fill in template variables for this device; without it a templated config is refused. */
  readonly device?: TemplateDevice | undefined;
  /** The date for {date} (default: now). */
  readonly date?: Date | undefined;
  /** cloud-init instance-id (default: a fresh `3os-<uuid>`). */
  readonly instanceId?: string | undefined;
  /** Name used in error messages ("config", "device 3", a file name). */
  readonly what?: string | undefined;
}

export interface SeedFile {
  /** Path inside the config partition. */
  readonly path: string;
  readonly data: Buffer;
}

export interface RenderedConfig {
  /** The stored form (secrets hashed/derived, templates filled in). */
  readonly config: Config;
  /** Text of 3os/config.yaml. */
  readonly configYaml: string;
  /** Text of 3os/config.agent. */
  readonly agentForm: string;
  /** sha256 hex of configYaml's bytes (also the agent form's digest line). */
  readonly digest: string;
  /** The two files to put in the config partition, in write order. */
  readonly seedFiles: readonly SeedFile[];
  readonly cloudInit: CloudInitSeed;
  /** Ignition config (spec IGNITION_VERSION) as JSON text. */
  readonly ignition: string;
}

/** The canonical YAML text of a stored config (quoted so YAML 1.1 and 1.2 readers agree). */
export function renderConfigYaml(stored: Config): string {
  return CONFIG_YAML_HEADER + stringify(stored, { version: '1.1', lineWidth: 0 });
}

/** Expand templates (when a device is given) and validate; throws E_CONFIG_INVALID with every problem. */
export function prepareConfig(input: unknown, options: RenderOptions = {}): Config {
  const what = options.what ?? 'config';
  const raw = typeof input === 'string' ? parseConfigText(input, what) : input;
  let expanded = raw;
  const issues: ConfigIssue[] = [];
  if (options.device === undefined) {
    issues.push(...templateIssues(raw));
  } else {
    const r = expandTemplates(raw, { ...options.device, date: options.date ?? new Date() });
    issues.push(...r.issues);
    expanded = r.value;
  }
  const v = validateConfig(expanded);
  // A field whose template failed would only repeat the problem as a schema error.
  const templated = new Set(issues.map((i) => formatPath(i.path)));
  if (!v.ok) issues.push(...v.issues.filter((i) => !templated.has(formatPath(i.path))));
  if (issues.length > 0 || !v.ok) throw configInvalid(issues, what);
  return v.config;
}

/** Render a config (YAML/JSON text or parsed object) for one device. */
export function renderConfig(input: unknown, options: RenderOptions = {}): RenderedConfig {
  const checked = prepareConfig(input, options);
  const stored = assertValidConfig(hashSecrets(checked), options.what ?? 'config');
  return renderStored(stored, options.instanceId);
}

/** Render an already stored config (no clear secrets left). */
export function renderStored(stored: Config, instanceId?: string): RenderedConfig {
  const configYaml = renderConfigYaml(stored);
  const agentForm = renderAgentForm(stored, configYaml);
  return {
    config: stored,
    configYaml,
    agentForm,
    digest: sha256Hex(Buffer.from(configYaml, 'utf8')),
    seedFiles: [
      { path: CONFIG_YAML_PATH, data: Buffer.from(configYaml, 'utf8') },
      { path: CONFIG_AGENT_PATH, data: Buffer.from(agentForm, 'utf8') },
    ],
    cloudInit: renderCloudInit(stored, instanceId),
    ignition: `${JSON.stringify(renderIgnition(stored), null, 2)}\n`,
  };
}
