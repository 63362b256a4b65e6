import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { callbackUrl, openGmail } from '../../../src/tenants/gmail/open-gmail.js';
import { storageAt } from '../../helpers/temp-storage.js';

const secrets = {
  seal: (p: string) => `sealed:${p}`,
  open: (s: string) => s.slice(7),
  deriveKey: () => Buffer.alloc(32, 5),
};
const logger = pino({ level: 'silent' });

describe('openGmail', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'postbode-gmail-open-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("defaults to Google's real endpoints and no OAuth client: Gmail mode unavailable", async () => {
    const config = configSchema.parse({ dataDir: dir });
    expect(config.gmail).toMatchObject({
      clientId: null,
      clientSecret: null,
      authUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
      tokenUrl: 'https://oauth2.googleapis.com/token',
      apiRootUrl: 'https://gmail.googleapis.com/',
      maxMessageBytes: 35 * 1024 * 1024,
      defaultDailyLimit: 2000,
    });
    expect(callbackUrl(config)).toBe('http://localhost:8080/oauth/google/callback');
    const gmail = await openGmail(storageAt(dir), config, secrets, logger, Date.now, () => 'gmail');
    try {
      expect(gmail.planner).toBeUndefined();
      expect(gmail.transport).toBeUndefined();
      expect(gmail.maxSizeFor('T1')).toBeUndefined();
      expect(gmail.senderDeps).toEqual({});
      await expect(gmail.links.start('T1')).rejects.toMatchObject({
        code: 'E_CONFLICT',
        message: expect.stringMatching(/not available/),
      });
      expect(gmail.links.status('T1')).toEqual({ status: 'unlinked', dailyLimit: 2000, sentToday: 0 });
    } finally {
      await gmail.close();
    }
  });

  it('hands the Google client only the configured URLs; with the test config every one is loopback', async () => {
    const fake = 'http://127.0.0.1:9';
    const config = configSchema.parse({
      dataDir: dir,
      http: { publicBaseUrl: 'http://127.0.0.1:8080/' },
      gmail: {
        clientId: 'id',
        clientSecret: 'secret',
        authUrl: `${fake}/auth`,
        tokenUrl: `${fake}/token`,
        revokeUrl: `${fake}/revoke`,
        apiRootUrl: `${fake}/`,
      },
    });
    const gmail = await openGmail(storageAt(dir), config, secrets, logger, Date.now, (t) =>
      t === 'G' ? 'gmail' : 'forwarding',
    );
    try {
      expect(gmail.google?.urls).toHaveLength(5);
      for (const url of gmail.google?.urls ?? []) expect(new URL(url).hostname).toBe('127.0.0.1');
      expect(gmail.google?.urls).toContain('http://127.0.0.1:8080/oauth/google/callback');
      expect(gmail.maxSizeFor('G')).toBe(35 * 1024 * 1024);
      expect(gmail.maxSizeFor('F')).toBeUndefined();
      const { consentUrl } = await gmail.links.start('T1');
      expect(new URL(consentUrl).origin).toBe(fake);
    } finally {
      await gmail.close();
    }
  });
});
