/**
 * Which network addresses `http_fetch` may reach. A tool that fetches any URL a model names is a
 * server-side request forgery waiting to happen: a prompt-injected page could send the worker to
 * `http://169.254.169.254/` (cloud metadata), to `localhost` admin ports or into the private network. So every
 * address a host resolves to is checked, and loopback, private, link-local and other non-public ranges are
 * refused unless the host is allow-listed. Pure functions, so they are tested on their own.
 */
import net from 'node:net';

/** Why an address is not public, or undefined for a public unicast address. */
export type AddressClass =
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'carrier-grade NAT'
  | 'link-local'
  | 'unique local'
  | 'multicast'
  | 'reserved'
  | 'documentation';

type Range = [prefix: number[], bits: number, kind: AddressClass];

const ipv4Ranges: Range[] = [
  [[0, 0, 0, 0], 8, 'unspecified'],
  [[10, 0, 0, 0], 8, 'private'],
  [[100, 64, 0, 0], 10, 'carrier-grade NAT'],
  [[127, 0, 0, 0], 8, 'loopback'],
  [[169, 254, 0, 0], 16, 'link-local'],
  [[172, 16, 0, 0], 12, 'private'],
  [[192, 0, 0, 0], 24, 'reserved'],
  [[192, 0, 2, 0], 24, 'documentation'],
  // The deprecated 6to4 relay anycast prefix (RFC 7526): a relay, not a web server.
  [[192, 88, 99, 0], 24, 'reserved'],
  [[192, 168, 0, 0], 16, 'private'],
  [[198, 18, 0, 0], 15, 'reserved'],
  [[198, 51, 100, 0], 24, 'documentation'],
  [[203, 0, 113, 0], 24, 'documentation'],
  [[224, 0, 0, 0], 4, 'multicast'],
  [[240, 0, 0, 0], 4, 'reserved'],
];

const ipv6Ranges: Range[] = [
  // Local-use NAT64 prefix (RFC 8215): translated by the operator's own gateway, so it reaches their network.
  [[0x00, 0x64, 0xff, 0x9b, 0x00, 0x01], 48, 'private'],
  // Discard-only (RFC 6666).
  [[0x01, 0x00, 0, 0, 0, 0, 0, 0], 64, 'reserved'],
  // IETF protocol assignments (RFC 6890: benchmarking 2001:2::/48, ORCHID, AMT…); Teredo is checked before.
  [[0x20, 0x01, 0x00, 0x00], 23, 'reserved'],
  [[0x20, 0x01, 0x0d, 0xb8], 32, 'documentation'],
  // The second documentation prefix (RFC 9637).
  [[0x3f, 0xff, 0x00], 20, 'documentation'],
  // Segment Routing SIDs (RFC 9602), never a host on the Internet.
  [[0x5f, 0x00], 16, 'reserved'],
  [[0xfc], 7, 'unique local'],
  [[0xfe, 0x80], 10, 'link-local'],
  [[0xfe, 0xc0], 10, 'private'],
  [[0xff], 8, 'multicast'],
];

function inRange(bytes: number[], [prefix, bits]: Range): boolean {
  for (let i = 0; i < bits; i++) {
    const byte = Math.floor(i / 8);
    const mask = 0x80 >> (i % 8);
    if (((bytes[byte] ?? 0) & mask) !== ((prefix[byte] ?? 0) & mask)) return false;
  }
  return true;
}

function classifyIpv4(bytes: number[]): AddressClass | undefined {
  return ipv4Ranges.find((r) => inRange(bytes, r))?.[2];
}

/** 16 bytes of an IPv6 address (zone id dropped, an embedded dotted IPv4 tail allowed). */
export function ipv6Bytes(address: string): number[] {
  const text = address.replace(/%.*$/, '');
  let tail: number[] = [];
  let head = text;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    tail = (dotted[1] as string).split('.').map(Number);
    head = `${text.slice(0, dotted.index)}0:0`;
  }
  const [left, right] = head.includes('::') ? head.split('::') : [head, undefined];
  const groups = (s: string | undefined) => (s ? s.split(':').filter((g) => g !== '') : []);
  const l = groups(left);
  const r = groups(right);
  const middle = right === undefined ? [] : new Array<string>(8 - l.length - r.length).fill('0');
  const words = [...l, ...middle, ...r].map((g) => parseInt(g, 16));
  const bytes = words.flatMap((w) => [(w >> 8) & 0xff, w & 0xff]);
  if (dotted) bytes.splice(12, 4, ...tail);
  return bytes;
}

function classifyIpv6(bytes: number[]): AddressClass | undefined {
  const zeros = (from: number, to: number) => bytes.slice(from, to).every((b) => b === 0);
  const ffff = (at: number) => bytes[at] === 0xff && bytes[at + 1] === 0xff;
  if (zeros(0, 16)) return 'unspecified';
  if (zeros(0, 15) && bytes[15] === 1) return 'loopback';
  // IPv4-mapped (::ffff:0:0/96, RFC 4291) and IPv4-translated (::ffff:0:0:0/96, RFC 6145) addresses, and the
  // deprecated IPv4-compatible form (::a.b.c.d), all reach the IPv4 address in their last 32 bits.
  if (zeros(0, 10) && ffff(10)) return classifyIpv4(bytes.slice(12));
  if (zeros(0, 8) && ffff(8) && zeros(10, 12)) return classifyIpv4(bytes.slice(12));
  if (zeros(0, 12)) return classifyIpv4(bytes.slice(12));
  // NAT64's well-known prefix (64:ff9b::/96, RFC 6052) embeds the IPv4 address the gateway forwards to.
  if (inRange(bytes, [[0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0], 96, 'reserved']))
    return classifyIpv4(bytes.slice(12));
  // 6to4 (2002::/16, RFC 3056) embeds the IPv4 address of the site's relay in bits 16-47.
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return classifyIpv4(bytes.slice(2, 6));
  // Teredo (2001::/32, RFC 4380): the server's IPv4 address in bits 32-63 and the client's, inverted, in the
  // last 32 bits. A tunnel to a private or documentation address is that address; any other Teredo address
  // is still a tunnel endpoint no public web server uses, so it is refused as reserved.
  if (bytes[0] === 0x20 && bytes[1] === 0x01 && bytes[2] === 0 && bytes[3] === 0) {
    const client = bytes.slice(12).map((b) => b ^ 0xff);
    return classifyIpv4(client) ?? classifyIpv4(bytes.slice(4, 8)) ?? 'reserved';
  }
  return ipv6Ranges.find((r) => inRange(bytes, r))?.[2];
}

/** Classifies an IP address; undefined means public. Anything that is not an IP address is `reserved`. */
export function classifyAddress(address: string): AddressClass | undefined {
  const bare = address.replace(/^\[|\]$/g, '');
  switch (net.isIP(bare.replace(/%.*$/, ''))) {
    case 4:
      return classifyIpv4(bare.split('.').map(Number));
    case 6:
      return classifyIpv6(ipv6Bytes(bare));
    default:
      return 'reserved';
  }
}

/**
 * Allow-list entries: exact host names or IP addresses (`intranet.example.com`, `127.0.0.1`, `[::1]`), or
 * `*.example.com` for every subdomain of example.com. Matching ignores case and IPv6 brackets.
 */
export function hostAllowed(hostname: string, allowHosts: readonly string[]): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return allowHosts.some((raw) => {
    const entry = raw
      .trim()
      .toLowerCase()
      .replace(/^\[|\]$/g, '');
    if (!entry) return false;
    if (entry.startsWith('*.')) return host.endsWith(entry.slice(1));
    return host === entry;
  });
}
