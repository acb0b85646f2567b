/**
 * The http_fetch address policy, table-driven with the RFCs' own example addresses (and the prefixes they
 * define, with an IPv4 address of each class embedded where the form carries one).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyAddress, type AddressClass } from '../../src/activities/tools/address-policy';

type Case = [address: string, expected: AddressClass | undefined, source: string];

const table: Case[] = [
  // RFC 5737: the three IPv4 documentation blocks.
  ['192.0.2.1', 'documentation', 'RFC 5737 TEST-NET-1'],
  ['198.51.100.7', 'documentation', 'RFC 5737 TEST-NET-2'],
  ['203.0.113.9', 'documentation', 'RFC 5737 TEST-NET-3'],
  // RFC 6890: special-purpose IPv4 blocks.
  ['0.1.2.3', 'unspecified', 'RFC 6890 "this network"'],
  ['10.1.2.3', 'private', 'RFC 6890 / 1918'],
  ['100.64.0.1', 'carrier-grade NAT', 'RFC 6890 / 6598'],
  ['127.0.0.1', 'loopback', 'RFC 6890'],
  ['169.254.169.254', 'link-local', 'RFC 6890 / 3927 (cloud metadata)'],
  ['172.16.0.1', 'private', 'RFC 6890 / 1918'],
  ['172.31.255.255', 'private', 'RFC 6890 / 1918, last address'],
  ['192.0.0.8', 'reserved', 'RFC 6890 IETF protocol assignments'],
  ['192.88.99.1', 'reserved', 'RFC 6890 / 7526 6to4 relay anycast'],
  ['192.168.0.1', 'private', 'RFC 6890 / 1918'],
  ['198.18.0.1', 'reserved', 'RFC 6890 / 2544 benchmarking'],
  ['240.0.0.1', 'reserved', 'RFC 6890 reserved'],
  ['255.255.255.255', 'reserved', 'RFC 6890 limited broadcast'],
  ['224.0.0.251', 'multicast', 'RFC 5771'],
  // RFC 4291: the IPv6 addressing architecture's own examples and special addresses.
  ['::', 'unspecified', 'RFC 4291 2.5.2'],
  ['::1', 'loopback', 'RFC 4291 2.5.3'],
  ['[::1]', 'loopback', 'RFC 4291 2.5.3, URL brackets'],
  ['::13.1.68.3', undefined, 'RFC 4291 2.2 IPv4-compatible example (public)'],
  ['::ffff:129.144.52.38', undefined, 'RFC 4291 2.2 IPv4-mapped example (public)'],
  ['::ffff:127.0.0.1', 'loopback', 'RFC 4291 2.5.5.2 IPv4-mapped loopback'],
  ['::ffff:7f00:1', 'loopback', 'RFC 4291 2.5.5.2 IPv4-mapped, hex form'],
  ['::ffff:a9fe:a9fe', 'link-local', 'RFC 4291 2.5.5.2 IPv4-mapped metadata address'],
  ['::ffff:10.0.0.1', 'private', 'RFC 6890 ::ffff:0:0/96'],
  ['fe80::1%eth0', 'link-local', 'RFC 4291 2.5.6, with a zone'],
  ['fec0::1', 'private', 'RFC 4291 2.5.7 site-local (deprecated)'],
  ['ff02::1', 'multicast', 'RFC 4291 2.7'],
  ['fd12:3456::1', 'unique local', 'RFC 4193'],
  // RFC 6145: IPv4-translated addresses.
  ['::ffff:0:192.0.2.1', 'documentation', 'RFC 6145 ::ffff:0:0:0/96'],
  ['::ffff:0:7f00:1', 'loopback', 'RFC 6145 ::ffff:0:0:0/96'],
  // RFC 6052: NAT64's well-known prefix, with the RFC's example IPv4 address 192.0.2.33.
  ['64:ff9b::192.0.2.33', 'documentation', 'RFC 6052 2.4 example'],
  ['64:ff9b::c000:221', 'documentation', 'RFC 6052 2.4 example, hex form'],
  ['64:ff9b::7f00:1', 'loopback', 'RFC 6052 with 127.0.0.1'],
  ['64:ff9b::808:808', undefined, 'RFC 6052 with 8.8.8.8 (public)'],
  // RFC 8215: the local-use NAT64 prefix 64:ff9b:1::/48.
  ['64:ff9b:1::7f00:1', 'private', 'RFC 8215'],
  ['64:ff9b:1::c000:221', 'private', 'RFC 8215'],
  ['64:ff9b:1:ffff::1', 'private', 'RFC 8215, last subnet'],
  // RFC 4380: Teredo (2001::/32); the RFC's example has server 65.54.227.120 and client 192.0.2.45.
  ['2001:0000:4136:e378:8000:63bf:3fff:fdd2', 'documentation', 'RFC 4380 4 example'],
  ['2001:0:4136:e378:8000:63bf:f5ff:fffe', 'private', 'RFC 4380 with client 10.0.0.1'],
  ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'loopback', 'RFC 4380 with client 127.0.0.1'],
  ['2001:0:4136:e378:8000:63bf:f7f7:f7f7', 'reserved', 'RFC 4380 with client 8.8.8.8 (a tunnel)'],
  // RFC 3056: 6to4, 2002:V4ADDR::/48.
  ['2002:c000:201::1', 'documentation', 'RFC 3056 with 192.0.2.1'],
  ['2002:c0a8:101::1', 'private', 'RFC 3056 with 192.168.1.1'],
  ['2002:7f00:1::1', 'loopback', 'RFC 3056 with 127.0.0.1'],
  ['2002:a9fe:a9fe::1', 'link-local', 'RFC 3056 with 169.254.169.254'],
  ['2002:808:808::1', undefined, 'RFC 3056 with 8.8.8.8 (public)'],
  // RFC 6890 IPv6 special-purpose blocks.
  ['100::1', 'reserved', 'RFC 6666 discard-only'],
  ['2001:2::1', 'reserved', 'RFC 6890 / 5180 benchmarking'],
  ['2001:10::1', 'reserved', 'RFC 6890 ORCHID'],
  // RFC 3849 and RFC 9637: IPv6 documentation prefixes.
  ['2001:db8::1', 'documentation', 'RFC 3849'],
  ['2001:db8:85a3::8a2e:370:7334', 'documentation', 'RFC 3849'],
  ['3fff::1', 'documentation', 'RFC 9637'],
  ['5f00::1', 'reserved', 'RFC 9602 SRv6 SIDs'],
  // Public addresses stay public.
  ['8.8.8.8', undefined, 'public'],
  ['172.32.0.1', undefined, 'just past 172.16.0.0/12'],
  ['2606:4700:4700::1111', undefined, 'public'],
  ['2001:4860:4860::8888', undefined, 'public, outside 2001::/23'],
  // Not an address at all.
  ['localhost', 'reserved', 'not an IP address'],
];

describe('address policy (RFC example addresses)', () => {
  for (const [address, expected, source] of table) {
    it(`${address} is ${expected ?? 'public'} (${source})`, () => {
      assert.equal(classifyAddress(address), expected);
    });
  }
});
