/**
 * The app's backend: one implementation of every request in the IPC contract, over the real
 * engine, shared by the Electron main process (behind ipcMain + sender checks) and the dev
 * bridge (behind its WebSocket). Payloads arrive here already validated by the contract's
 * schemas; everything a window starts (watchers, jobs, serial sessions) ends with that window.
 */
import { join } from 'node:path';
import { ejectTarget } from '../../flasher/drives/prepare.js';
import { listPresets, loadPreset, savePreset } from '../../provisioning/config/presets.js';
import type { Handlers } from '../ipc/contract.js';
import { fetchCatalogImage, listCatalog } from './catalog-service.js';
import { checkConfig } from './config-check.js';
import { DrivesService } from './drives-service.js';
import { FactoryService } from './factory-service.js';
import { FlashService } from './flash-service.js';
import { describeImage } from './image-info.js';
import { inspectDisk } from './inspect-disk.js';
import { SerialService } from './serial-service.js';
import type { BackendOptions, FlashRunner } from './types.js';
import { appFlashPlan, runRepairPlan } from './app-plan.js';

export interface Backend {
  readonly handlers: Handlers;
  close(): Promise<void>;
}

function asRecord(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export function createBackend(opts: BackendOptions): Backend {
  const drives = new DrivesService();
  const runFlash: FlashRunner = (job, onEvent, signal) => opts.runPlan(appFlashPlan(job), onEvent, signal);
  const flash = new FlashService(runFlash);
  const serial = new SerialService();
  const factory = new FactoryService(runFlash, join(opts.dataDir, 'reports'));
  const presetDir = join(opts.dataDir, 'presets');
  const catalogOpts = opts.catalog ?? {};

  const handlers: Handlers = {
    appInfo: () =>
      Promise.resolve({
        name: '3os Flasher',
        version: opts.version,
        mode: opts.mode,
        platform: process.platform,
        features: { ...opts.features, catalog: true, repair: true },
      }),
    watchDrives: (req, client) => drives.watch(req, client),
    assessTargets: (req) => drives.assess(req),
    describeImage: (req) => describeImage(req.image),
    pickImageFile: async () => ({ path: opts.pickFile === undefined ? undefined : await opts.pickFile() }),
    checkConfig: (req) => Promise.resolve(checkConfig(req.config, req.devices)),
    listPresets: async () => (await listPresets(presetDir)).map((p) => ({ name: p.name, modified: p.modified.toISOString() })),
    loadPreset: async (req) => ({ name: req.name, config: asRecord(await loadPreset(presetDir, req.name)) }),
    savePreset: async (req) => {
      await savePreset(presetDir, req.name, req.config);
      return { name: req.name };
    },
    startFlash: (req, client) => flash.start(req, client),
    cancelFlash: (req) => Promise.resolve(flash.cancel(req.jobId)),
    ejectDrive: (req) => ejectTarget(req.target),
    saveReport: async (req) => ({ path: opts.saveFile === undefined ? undefined : await opts.saveFile(req.fileName, req.content) }),
    inspectDisk: (req) => inspectDisk(req.target),
    listSerialPorts: () => serial.ports(),
    serialOpen: (req, client) => serial.open(req, client),
    serialCommand: (req, client) => serial.command(req, client),
    serialPush: (req, client) => serial.push(req, client),
    serialConsoleWrite: (req, client) => Promise.resolve(serial.write(req, client)),
    serialClose: (req, client) => serial.closeFor(req, client),
    factoryStart: (req, client) => factory.start(req, client),
    factoryStop: () => factory.stop(),
    listCatalog: (req) => listCatalog(req, catalogOpts),
    fetchCatalogImage: (req) => fetchCatalogImage(req, catalogOpts),
    repairDisk: (req) => runRepairPlan(opts.runPlan, req.image, req.target),
  };

  return {
    handlers,
    close: async () => {
      flash.cancelAll();
      await factory.stop();
      await drives.stopAll();
      await serial.closeAll();
    },
  };
}
