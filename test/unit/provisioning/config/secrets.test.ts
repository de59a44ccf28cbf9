// Published test vectors (not our own output): Drepper's SHA-crypt spec, IEEE 802.11i, RFC 7914 style PBKDF2 use.
import { describe, expect, it } from 'vitest';
import { deriveSerialKey, passwordHashProblem, wifiPassphraseProblem, wifiPsk } from '../../../../provisioning/config/secrets.js';
import { randomCryptSalt, sha512Crypt, verifySha512Crypt } from '../../../../provisioning/config/sha512-crypt.js';

describe('sha512Crypt (spec vectors from "Unix crypt using SHA-256 and SHA-512")', () => {
  it.each([
    ['saltstring', undefined, 'Hello world!', '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1'],
    ['saltstringsaltstring', 10000, 'Hello world!', '$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.'],
    ['toolongsaltstring', 5000, 'This is just a test', '$6$rounds=5000$toolongsaltstrin$lQ8jolhgVRVhY4b5pZKaysCLi0QBxGoNeKQzQ3glMhwllF7oGDZxUhx1yxdYcz/e1JSbq3y6JMxxl8audkUEm0'],
  ])('salt %s rounds %s', (salt, rounds, pw, expected) => {
    expect(sha512Crypt(pw, { salt, ...(rounds === undefined ? {} : { rounds }) })).toBe(expected);
    expect(verifySha512Crypt(pw, expected)).toBe(true);
    expect(verifySha512Crypt(`${pw}x`, expected)).toBe(false);
  });

  it('refuses rounds outside 1000..999999999 and salts with "$"', () => {
    expect(() => sha512Crypt('x', { rounds: 999 })).toThrow(RangeError);
    expect(() => sha512Crypt('x', { salt: 'a$b' })).toThrow(RangeError);
  });

  it('random salts are 16 crypt-alphabet characters and differ', () => {
    const salts = new Set(Array.from({ length: 50 }, () => randomCryptSalt()));
    expect(salts.size).toBe(50);
    for (const s of salts) expect(s).toMatch(/^[./0-9A-Za-z]{16}$/);
    expect(passwordHashProblem(sha512Crypt('x'))).toBeUndefined();
  });
});

describe('Wi-Fi PSK', () => {
  it('IEEE 802.11i annex H.4 vectors', () => {
    expect(wifiPsk('IEEE', 'password')).toBe('f42c6fc52df0ebef9ebb4b90b38a5f902e83fe1b135a70e23aed762e9710a12e');
    expect(wifiPsk('ThisIsASSID', 'ThisIsAPassword')).toBe('0dc0d6eb90555ed6419756b9a15ec3e3209b63df707dd508d14581f8982721af');
  });
  it('passphrase rules', () => {
    expect(wifiPassphraseProblem('1234567')).toBe('must be 8 to 63 characters');
    expect(wifiPassphraseProblem('12345678')).toBeUndefined();
    expect(wifiPassphraseProblem('x'.repeat(63))).toBeUndefined();
    expect(wifiPassphraseProblem('tab\there1')).toMatch(/printable ASCII/);
  });
});

describe('serial key derivation', () => {
  it('is PBKDF2-HMAC-SHA256 over the salt bytes, 200000 rounds, 32 bytes; random salt each time', () => {
    const a = deriveSerialKey('a long passphrase');
    const b = deriveSerialKey('a long passphrase');
    expect(a.salt).toMatch(/^[0-9a-f]{32}$/);
    expect(a.key).toMatch(/^[0-9a-f]{64}$/);
    expect(a.salt).not.toBe(b.salt);
    expect(deriveSerialKey('a long passphrase', a.salt)).toEqual(a);
    expect(deriveSerialKey('another passphrase', a.salt).key).not.toBe(a.key);
    expect(() => deriveSerialKey('x', 'nothex')).toThrow(RangeError);
  });
});
