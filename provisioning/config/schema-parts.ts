/**
 * Building blocks of the config schema v1: strings checked by the validators (so the reason a
 * person reads comes from one place), and the network (netplan v2 subset) part.
 */
import { z } from 'zod';
import { isHexPsk, wifiPassphraseProblem } from './secrets.js';
import {
  cidrProblem, countryCodeProblem, domainProblem, ipProblem, macAddressProblem, routeDestinationProblem,
} from './validators.js';

/** A string that `problem` accepts; its reason becomes the issue message. */
export function checked(problem: (s: string) => string | undefined): z.ZodString {
  return z.string().superRefine((value, ctx) => {
    const reason = problem(value);
    if (reason !== undefined) ctx.addIssue({ code: 'custom', message: reason });
  });
}

export const ip = checked((s) => ipProblem(s));
export const ipv4 = checked((s) => ipProblem(s, 4));

const nameservers = z.strictObject({
  addresses: z.array(ip).optional(),
  search: z.array(checked(domainProblem)).optional(),
});

const route = z.strictObject({
  to: checked(routeDestinationProblem),
  via: ip,
  metric: z.number().int().min(0).optional(),
});

const match = z.strictObject({
  name: checked((s) => (/^[A-Za-z0-9_.*?[\]-]{1,15}$/.test(s) ? undefined : 'must be an interface name or glob like en*')).optional(),
  macaddress: checked(macAddressProblem).optional(),
  driver: checked((s) => (/^[A-Za-z0-9_*?-]{1,64}$/.test(s) ? undefined : 'must be a driver name or glob')).optional(),
});

/** Fields that ethernets and wifis share (netplan names). */
const interfaceFields = {
  match: match.optional(),
  optional: z.boolean().optional(),
  dhcp4: z.boolean().optional(),
  dhcp6: z.boolean().optional(),
  addresses: z.array(checked(cidrProblem)).optional(),
  gateway4: ipv4.optional(),
  routes: z.array(route).optional(),
  nameservers: nameservers.optional(),
};

export const ethernetSchema = z.strictObject(interfaceFields);

export const accessPointSchema = z.strictObject({
  /** Clear passphrase (input only; turned into `psk`). */
  password: checked((s) => wifiPassphraseProblem(s)).optional(),
  /** The derived 64-hex WPA PSK (what is stored). */
  psk: checked((s) => (isHexPsk(s) ? undefined : 'must be the 64 hex digits of a WPA PSK (give `password` to have it derived)')).optional(),
  hidden: z.boolean().optional(),
});

export const wifiSchema = z.strictObject({
  ...interfaceFields,
  'access-points': z.record(z.string(), accessPointSchema),
  'regulatory-domain': checked(countryCodeProblem).optional(),
});

export const networkSchema = z.strictObject({
  version: z.literal(2),
  ethernets: z.record(z.string(), ethernetSchema).optional(),
  wifis: z.record(z.string(), wifiSchema).optional(),
});
