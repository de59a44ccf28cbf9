/** The host side of 3os serial provisioning: what the CLI, the app and the bench use. */
export { FRAME_PREFIX, PROTOCOL_VERSION, encodeFrame, parseLine, crc32Hex, parseKeyValues, type Frame, type Direction, type ParsedLine } from './frame.js';
export { LineSplitter } from './line-splitter.js';
export { FrameTransport, type TransportStats } from './transport.js';
export { SerialClient, type ClientOptions, type DeviceInfo, type SlotInfo } from './client.js';
export { sendPayload, pushConfig, transferId, type TransferOptions, type TransferResult, type PushResult, type TransferKind } from './transfer.js';
export { packConfigArchive, unpackConfigArchive, ARCHIVE_MAGIC } from './archive.js';
export { deriveSerialKey, authMac, authMessage, SERIAL_KEY_ITERATIONS } from './auth.js';
export { openSerialPort, type OpenPort, type PortOptions } from './port.js';
export { listSerialPorts, listFromSysfs, type SerialPortInfo } from './list.js';
export { ConsoleFilter } from './console.js';
export { LinkSim, type LinkFaults, type LinkStats } from './link-sim.js';
