/**
 * A small authoritative DNS server for tests: dns2 on 127.0.0.1, UDP and TCP on the same
 * port 0-assigned port (node's resolver retries over TCP when a TXT answer does not fit in
 * 512 bytes, which a DKIM RSA record does not). The zone is mutable so tests can remove or
 * break records between checks. Names not in the zone answer NXDOMAIN; a name in the zone
 * without records of the asked type answers NOERROR with no records (ENODATA).
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import type { AddressInfo, Socket } from 'node:net';
import { Packet, TCPServer, UDPServer } from 'dns2';

export interface ZoneEntry {
  /** Each record is its list of character-strings (at most 255 bytes each). */
  readonly TXT?: readonly (readonly string[])[];
  readonly CNAME?: string;
  readonly A?: readonly string[];
  readonly AAAA?: readonly string[];
  readonly MX?: readonly { readonly exchange: string; readonly priority: number }[];
  /** Reverse names, at `<reversed octets>.in-addr.arpa` (see `reverseName`). */
  readonly PTR?: readonly string[];
  /** Answer every query for this name with SERVFAIL. */
  readonly servfail?: boolean;
  /** Never answer queries for this name (the client times out). */
  readonly drop?: boolean;
  /** TLSA records (RFC 6698): usage, selector, matching type and the association data in hex. */
  readonly TLSA?: readonly {
    readonly usage: number;
    readonly selector: number;
    readonly matchingType: number;
    readonly data: string;
  }[];
  /** Set the AD bit in answers for this name, as a validating resolver does for a signed zone. */
  readonly ad?: boolean;
}

export type Zone = Readonly<Record<string, ZoneEntry>>;

export interface DnsTestServer {
  /** `127.0.0.1:PORT`, what `resolverFor()` and `Resolver.setServers` take. */
  readonly address: string;
  readonly port: number;
  /** Replaces the records of a name; `undefined` removes the name (NXDOMAIN). */
  set(name: string, entry: ZoneEntry | undefined): void;
  /** Questions received, `name TYPE` in arrival order (UDP and TCP). */
  readonly queries: readonly string[];
  close(): Promise<void>;
}

type Resource = Packet['answers'][number];

const TYPE_NAMES = new Map<number, string>(Object.entries(Packet.TYPE).map(([name, code]) => [code, name]));
/** CNAME chains are followed this far, so a looping zone cannot hang a test. */
const MAX_CNAME_HOPS = 8;
/** RFC 1035 4.1.1 reply codes (dns2's types do not declare Packet.RCODE). */
const RCODE_SERVFAIL = 2;
const RCODE_NXDOMAIN = 3;
const TYPE_TLSA = 52;
/** Tries to find a port free for both UDP and TCP. */
const MAX_BIND_TRIES = 20;

export async function startDnsServer(zone: Zone): Promise<DnsTestServer> {
  const records = new Map<string, ZoneEntry>();
  for (const [name, entry] of Object.entries(zone)) records.set(normalise(name), entry);
  const queries: string[] = [];
  const handle = (request: Packet, send: (response: Packet) => Promise<Buffer>): void => {
    const response = answer(records, request, queries);
    if (response !== null) void send(response).catch(() => undefined);
  };
  const { udp, tcp } = await bindBoth(handle);
  const sockets = new Set<Socket>();
  tcp.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = (udp.address() as AddressInfo).port;
  return {
    address: `127.0.0.1:${port}`,
    port,
    queries,
    set: (name, entry) => {
      if (entry === undefined) records.delete(normalise(name));
      else records.set(normalise(name), entry);
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await Promise.all([
        new Promise<void>((resolve) => udp.close(() => resolve())),
        new Promise<void>((resolve) => tcp.close(() => resolve())),
      ]);
    },
  };
}

/** A UDP socket that reads queries and never answers: a DNS server that is down. */
export async function startSilentDnsServer(): Promise<{ address: string; close(): Promise<void> }> {
  const socket: UdpSocket = createSocket('udp4');
  socket.on('message', () => undefined);
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  return {
    address: `127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

async function bindBoth(handle: (request: Packet, send: (response: Packet) => Promise<Buffer>) => void) {
  for (let attempt = 1; attempt <= MAX_BIND_TRIES; attempt++) {
    const udp = new UDPServer();
    udp.on('request', (request: Packet, send: (r: Packet) => Promise<Buffer>) => handle(request, send));
    await udp.listen(0, '127.0.0.1');
    const port = (udp.address() as AddressInfo).port;
    const tcp = new TCPServer();
    tcp.on('request', (request: Packet, send: (r: Packet) => Promise<Buffer>) => handle(request, send));
    const listening = await new Promise<boolean>((resolve) => {
      tcp.once('error', () => resolve(false));
      tcp.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (listening) return { udp, tcp };
    await new Promise<void>((resolve) => udp.close(() => resolve()));
  }
  throw new Error(`no port free for both UDP and TCP after ${MAX_BIND_TRIES} tries`);
}

/** The response to one question, or null to stay silent. */
function answer(records: ReadonlyMap<string, ZoneEntry>, request: Packet, queries: string[]): Packet | null {
  const response = Packet.createResponseFromRequest(request);
  const [question] = request.questions;
  if (question === undefined) return response;
  const name = normalise(question.name);
  queries.push(`${name} ${TYPE_NAMES.get(question.type) ?? question.type}`);
  const entry = records.get(name);
  // the response starts as a copy of the request's header, whose AD bit a client may set to ask for it
  (response.header as { ad?: number }).ad = entry?.ad === true ? 1 : 0;
  if (entry?.drop === true) return null;
  if (entry?.servfail === true) {
    response.header.rcode = RCODE_SERVFAIL;
    return response;
  }
  if (entry === undefined) {
    response.header.rcode = RCODE_NXDOMAIN;
    return response;
  }
  response.answers.push(...resourcesFor(records, question.name, entry, question.type));
  return response;
}

function resourcesFor(
  records: ReadonlyMap<string, ZoneEntry>,
  name: string,
  entry: ZoneEntry,
  type: number,
): Resource[] {
  const out: Resource[] = [];
  let current: ZoneEntry | undefined = entry;
  let owner = name;
  for (let hop = 0; current !== undefined && hop < MAX_CNAME_HOPS; hop++) {
    if (current.CNAME !== undefined) {
      out.push(resource(owner, Packet.TYPE.CNAME, { domain: current.CNAME }));
      if (type === Packet.TYPE.CNAME) return out;
      owner = current.CNAME;
      current = records.get(normalise(owner));
      continue;
    }
    out.push(...recordsOfType(owner, current, type));
    return out;
  }
  return out;
}

function recordsOfType(owner: string, entry: ZoneEntry, type: number): Resource[] {
  switch (type) {
    case Packet.TYPE.TXT:
      return (entry.TXT ?? []).map((strings) => resource(owner, type, { data: [...strings] }));
    case Packet.TYPE.A:
      return (entry.A ?? []).map((address) => resource(owner, type, { address }));
    case Packet.TYPE.AAAA:
      return (entry.AAAA ?? []).map((address) => resource(owner, type, { address }));
    case Packet.TYPE.PTR:
      return (entry.PTR ?? []).map((domain) => resource(owner, type, { domain }));
    case Packet.TYPE.MX:
      return (entry.MX ?? []).map((mx) => resource(owner, type, { exchange: mx.exchange, priority: mx.priority }));
    case TYPE_TLSA:
      // dns2 has no TLSA encoder: it writes `data` as the raw RDATA
      return (entry.TLSA ?? []).map((t) =>
        resource(owner, type, {
          data: Buffer.concat([Buffer.from([t.usage, t.selector, t.matchingType]), Buffer.from(t.data, 'hex')]),
        } as unknown as Partial<Resource>),
      );
    default:
      return [];
  }
}

function resource(name: string, type: number, fields: Partial<Resource>): Resource {
  return { name, type, class: Packet.CLASS.IN, ttl: 60, ...fields } as Resource;
}

/** The PTR name of an IPv4 address: `127.0.0.1` → `1.0.0.127.in-addr.arpa`. */
export function reverseName(ipv4: string): string {
  return `${ipv4.split('.').reverse().join('.')}.in-addr.arpa`;
}

function normalise(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}
