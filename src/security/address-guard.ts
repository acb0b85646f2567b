/**
 * The network side of the address policy (activities/tools/address-policy.ts), shared by everything the worker
 * connects to on someone's behalf: `http_fetch` (a URL the model names) and webhook deliveries (a URL the
 * operator declares). A host name is checked when it resolves, at connection time, so a DNS answer cannot
 * change between the check and the connection; a literal IP address never reaches the resolver and is checked
 * before connecting. Loopback, private, link-local and other non-public addresses are refused unless the host
 * is allow-listed.
 */
import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import { classifyAddress, hostAllowed, type AddressClass } from '../activities/tools/address-policy';

/** What a refusal is made of: the host as written, the address it is (or resolves to), and its class. */
export interface AddressRefusal {
  hostname: string;
  address: string;
  kind: AddressClass;
}

/** A literal IP address host that is off limits, or undefined (a host name, an allowed host, a public IP). */
export function literalAddressRefusal(hostname: string, allowHosts: readonly string[]): AddressRefusal | undefined {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (hostAllowed(host, allowHosts)) return undefined;
  if (!/^[\d.]+$/.test(host) && !host.includes(':')) return undefined;
  const kind = classifyAddress(host);
  return kind ? { hostname, address: host, kind } : undefined;
}

/** "127.0.0.1 is a loopback address" or "… (example.test resolves to 10.0.0.1)". */
export function describeRefusal(refusal: AddressRefusal): string {
  const via =
    refusal.hostname.replace(/^\[|\]$/g, '') === refusal.address
      ? ''
      : ` (${refusal.hostname} resolves to ${refusal.address})`;
  return `${refusal.address} is a ${refusal.kind} address${via}`;
}

/**
 * A resolver for `http.request({ lookup })` that refuses the whole host when any address it resolves to is off
 * limits (and the host is not allow-listed); `refuse` builds the error the request then fails with.
 */
export function guardedLookup(
  allowHosts: readonly string[],
  refuse: (refusal: AddressRefusal) => Error,
): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true, verbatim: true }, (err, addresses) => {
      if (err) return callback(err, '', 4);
      if (!hostAllowed(hostname, allowHosts)) {
        for (const { address } of addresses) {
          const kind = classifyAddress(address);
          if (kind) return callback(refuse({ hostname, address, kind }) as never, '', 4);
        }
      }
      if ((options as { all?: boolean }).all)
        return (callback as (e: null, a: dns.LookupAddress[]) => void)(null, addresses);
      const [first] = addresses;
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 4);
      return callback(null, first.address, first.family);
    });
  };
}
