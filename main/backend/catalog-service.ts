/**
 * The image catalog for the app: list boards and the images fitting a board/arch (bundled catalog
 * plus any extra ones, merged by the engine), and fetch a chosen image into the download cache with
 * the engine's full checks (size, SHA-256, minisign) before anything is written. The answer is a
 * verified local file, which the ordinary flash request then writes. Unpublished placeholder
 * entries fail at once with the catalog's own E_CATALOG message; nothing hangs on the network.
 */
import { bootableTables, imagesFor, openCatalogSession, resolveSource, type Board, type CatalogOptions, type OfferedImage } from '../../flasher/catalog/index.js';
import { readImageInfo } from '../../provisioning/detect/image-info.js';
import type { CatalogBoardView, CatalogImageView, CatalogListing, FetchedImage } from '../ipc/contract-types.js';
import type { ValidRequests } from '../ipc/contract.js';

function imageView(i: OfferedImage): CatalogImageView {
  return {
    id: i.id,
    name: i.name,
    flavor: i.flavor,
    version: i.version,
    arch: i.arch,
    boards: i.boards,
    released: i.released,
    description: i.description,
    downloadSize: i.download.size,
    decodedSize: i.decoded.size,
    published: i.download.size !== undefined && i.download.sha256 !== undefined,
    signed: i.signatureUrl !== undefined,
  };
}

function boardView(b: Board): CatalogBoardView {
  const c = b.capabilities;
  return {
    id: b.id, name: b.name, arch: b.arch, firmware: b.firmware, description: b.description, soc: b.soc,
    partitionTables: bootableTables(b), serialConsole: c.serialConsole, wifi: c.wifi, usbBoot: c.usbBoot, rpiboot: c.rpiboot, usbGadget: c.usbGadget,
  };
}

export async function listCatalog(req: ValidRequests['listCatalog'], opts: CatalogOptions): Promise<CatalogListing> {
  const notes: string[] = [];
  const s = await openCatalogSession({ ...opts, onInfo: (m) => notes.push(m) });
  const images = imagesFor(s.merged, { board: req.board, arch: req.arch }).map(imageView);
  const boards = s.merged.boards.map(boardView);
  return { boards, images, notes: [...new Set(notes)] };
}

export async function fetchCatalogImage(req: ValidRequests['fetchCatalogImage'], opts: CatalogOptions): Promise<FetchedImage> {
  const r = await resolveSource(`catalog:${req.id}`, { ...opts, board: req.board, readImageInfo });
  const trust = r.trust.kind === 'signed' ? `signed by key ${r.trust.keyId}` : 'unsigned';
  return { id: req.id, image: r.image, sha256: r.sha256, downloaded: r.downloaded, trust };
}
