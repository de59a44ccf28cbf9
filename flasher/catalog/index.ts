/**
 * Public face of the image catalog: load and merge signed catalogs, filter by board/arch, verify
 * minisign signatures, and the download cache. The CLI verbs and the app use only this.
 */
export { catalogSchema, boardSchema, imageSchema, catalogJsonSchema, bootableTables, ARCHES, FIRMWARES, FIRST_BOOT_FORMATS, PARTITION_TABLES, type Arch, type Board, type Catalog, type CatalogImage, type Category, type PartitionTableKind, type Availability } from './schema.js';
export { loadCatalog, parseCatalog, MAX_CATALOG_BYTES, type LoadedCatalog, type CatalogLoadOptions, type Trust } from './load.js';
export { mergeCatalogs, imagesFor, findImage, findBoard, checkFit, type MergedCatalog, type OfferedImage, type Fit, type ImageFilter } from './merge.js';
export { parsePublicKey, parseSignature, verifyBytes, verifyFile, type PublicKey, type VerifiedSignature, type SignatureAlgorithm } from './minisign.js';
export { loadTrustedKeys, bundledCatalogPath, assetsCatalogDir } from './trusted-keys.js';
export { ImageCache, type CacheEntry, type CacheOptions, type FetchRequest, type FetchResult } from './cache.js';
export { defaultCacheDir, parseSize, DEFAULT_CACHE_LIMIT } from './cache-index.js';
export {
  resolveSource, checkSource, openCatalogSession, catalogIdOf, CATALOG_PREFIX,
  type CatalogOptions, type ResolveOptions, type ImageFacts, type ImageInfoReader, type CatalogSession, type ResolvedSource, type SourceTrust, type TrustCheck, type DownloadProgress,
} from './resolve.js';
