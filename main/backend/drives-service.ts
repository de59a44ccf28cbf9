/**
 * The live drive list for each window: one hot-plug watcher per UI connection (loop devices
 * only when the window asks), the whole list sent as a `drives` event whenever it changes, and
 * the safety assessment of the listed drives against the chosen image (the same rules the
 * privileged helper re-checks before writing).
 */
import { APP_UNMOUNTS } from './app-plan.js';
import { assessTargets } from '../../flasher/drives/assess.js';
import { detect3os } from '../../provisioning/detect/detect-3os.js';
import { rawImageSize } from '../../flasher/source/size-probe.js';
import { watchDrives, type DriveWatcher } from '../../flasher/drives/watcher.js';
import type { DriveEntry } from '../../flasher/drives/types.js';
import type { ClientContext, ValidRequests } from '../ipc/contract.js';
import type { TargetView } from '../ipc/contract-types.js';
import { describeImage } from './image-info.js';
import { isRemoteImage } from '../../flasher/source/image-spec.js';

export class DrivesService {
  private readonly watchers = new Map<string, DriveWatcher>();

  public async watch(req: ValidRequests['watchDrives'], client: ClientContext): Promise<readonly DriveEntry[]> {
    const old = this.watchers.get(client.id);
    if (old === undefined) client.onClose(() => this.stop(client.id));
    else await old.stop();
    let lastError: string | undefined;
    const w = watchDrives(() => client.emit('drives', { entries: w.current() }), {
      includeLoop: req.includeLoop,
      detect3os,
      onError: (e) => {
        const msg = e instanceof Error ? e.message : String(e);
        if (msg !== lastError) client.emit('drives', { entries: w.current(), error: `the drive list could not be read: ${msg}` });
        lastError = msg;
      },
    });
    this.watchers.set(client.id, w);
    await w.ready;
    return w.current();
  }

  public async stop(clientId: string): Promise<void> {
    const w = this.watchers.get(clientId);
    this.watchers.delete(clientId);
    await w?.stop();
  }

  public async stopAll(): Promise<void> {
    for (const id of [...this.watchers.keys()]) await this.stop(id);
  }

  public async assess(req: ValidRequests['assessTargets']): Promise<TargetView[]> {
    const image = req.image;
    let imageSize: number | undefined;
    if (image !== undefined && !isRemoteImage(image)) imageSize = (await describeImage(image)).decodedSize ?? (await rawImageSize(image));
    const out = await assessTargets(req.targets, { imagePath: image, imageSize, allowSystemDrive: req.allowSystemDrive, unmount: APP_UNMOUNTS, detect3os });
    return out.map((a) => ({ target: a.target, drive: a.drive, refusals: a.refusals, warnings: a.warnings }));
  }
}
