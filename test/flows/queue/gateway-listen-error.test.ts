import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnGateway } from '../../helpers/gateway-process.js';

/**
 * A port that cannot be bound stops the start with a message an operator can act on: the
 * listener, the config key and its environment variable. Here the MX port is taken.
 */
let dataDir: string;
let squatter: Server;
let takenPort: number;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'postbode-listen-'));
  squatter = createServer();
  await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
  takenPort = (squatter.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => squatter.close(() => resolve()));
  await rm(dataDir, { recursive: true, force: true });
});

describe('a listener that cannot bind', () => {
  it('exits with a message naming the listener, the key and its environment variable', async () => {
    const start = spawnGateway({
      POSTBODE_DATA_DIR: dataDir,
      POSTBODE_SMTP__HOST: '127.0.0.1',
      POSTBODE_SMTP__PORT: '0',
      POSTBODE_SMTP__CERT_FILE: join(dataDir, 'server.crt'),
      POSTBODE_SMTP__KEY_FILE: join(dataDir, 'server.key'),
      POSTBODE_HTTP__HOST: '127.0.0.1',
      POSTBODE_HTTP__PORT: '0',
      POSTBODE_PLATFORM__SENDING_DOMAIN: 'mail.example.test',
      POSTBODE_MX__HOST: '127.0.0.1',
      POSTBODE_MX__PORT: String(takenPort),
    });
    const failure = await start.then(
      () => 'started',
      (err: unknown) => String(err),
    );
    expect(failure).toMatch(/^Error: gateway exited with 1/);
    expect(failure).toContain(
      `cannot listen on 127.0.0.1:${takenPort} for the inbound MX (EADDRINUSE: another program listens there); ` +
        `change mx.port (environment POSTBODE_MX__PORT)`,
    );
  });
});
