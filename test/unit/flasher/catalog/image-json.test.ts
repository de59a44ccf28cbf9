// 3os/image.json: the one parser every reader uses (board check, drive detection, inspect, repair).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { imageLabel, parseImageJson } from '../../../../flasher/catalog/image-json.js';

describe('parseImageJson', () => {
  it('reads the reference image template as the build fills it in', () => {
    const tpl = readFileSync(new URL('../../../../assets/reference-image/image.json.in', import.meta.url), 'utf8');
    const text = tpl.replace('@VERSION@', '2026.11.1').replace('@ARCH@', 'x86_64').replace('@BOARDS@', '"generic-x86_64"').replace('@BUILD_ID@', '20261101-abc').replace('@KERNEL@', '6.12');
    const info = parseImageJson(Buffer.from(text));
    expect(info).toMatchObject({ flavor: 'debian', version: '2026.11.1', arch: 'x86_64', boards: ['generic-x86_64'], buildId: '20261101-abc' });
    expect(info.raw.slots).toEqual(['a', 'b']); // unknown keys are kept
    expect(imageLabel(info)).toBe('debian 2026.11.1');
  });

  it('a single board string is a list of one; empty strings are absent', () => {
    expect(parseImageJson('{"board":"rpi-cm4","flavor":"","version":"1.0"}')).toMatchObject({ boards: ['rpi-cm4'], flavor: undefined, version: '1.0' });
    expect(imageLabel(parseImageJson('{"version":"1.0"}'))).toBe('1.0');
    expect(imageLabel(parseImageJson('{}'))).toBeUndefined();
  });

  it.each([
    ['not JSON', '{flavor: debian', /3os\/image\.json is not valid JSON/],
    ['a list', '["debian"]', /is not a JSON object/],
    ['null', 'null', /is not a JSON object/],
    ['boards not a list', '{"boards":"rpi4"}', /is not valid: boards:/],
    ['a board that is not text', '{"boards":["rpi4",4]}', /is not valid: boards\.1:/],
    ['version a number', '{"version":1.2}', /is not valid: version:/],
  ])('refuses %s with E_NOT_3OS', (_what, text, message) => {
    expect(() => parseImageJson(text)).toThrow(message);
    expect(() => parseImageJson(text)).toThrow(expect.objectContaining({ code: 'E_NOT_3OS' }) as Error);
  });
});
