import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readEnvOverrides } from '../../src/config/env-overrides.js';
import { loadConfig } from '../../src/config/load.js';
import { configSchema, smarthostSchema } from '../../src/config/schema.js';
import { isGatewayError } from '../../src/core/gateway-error.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'postbode-config-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function yamlFile(text: string, name = 'postbode.yaml'): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

/** The E_CONFIG message of a load that must fail. */
function configError(load: () => unknown): string {
  try {
    load();
  } catch (err) {
    expect(isGatewayError(err, 'E_CONFIG')).toBe(true);
    return (err as Error).message;
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig', () => {
  it('gives every default when there is no file and no env, with paths made absolute', () => {
    const config = loadConfig({ env: {}, cwd: dir });
    const defaults = configSchema.parse({});
    expect(config.smtp.port).toBe(2525);
    expect(config.http.port).toBe(8080);
    expect(config.delivery.mode).toBe('capture');
    expect(config.dataDir).toBe(join(dir, 'data'));
    expect(config.smtp.certFile).toBe(join(dir, 'certs/server.crt'));
    expect(config.smtp.keyFile).toBe(join(dir, 'certs/server.key'));
    expect({
      ...config,
      dataDir: defaults.dataDir,
      smtp: { ...config.smtp, certFile: defaults.smtp.certFile, keyFile: defaults.smtp.keyFile },
    }).toEqual(defaults);
  });

  it('reads config/postbode.yaml under cwd by default', async () => {
    await mkdir(join(dir, 'config'));
    await yamlFile('smtp:\n  port: 2600\n', 'config/postbode.yaml');
    expect(loadConfig({ env: {}, cwd: dir }).smtp.port).toBe(2600);
  });

  it('reads the explicit file before POSTBODE_CONFIG, relative to cwd', async () => {
    await yamlFile('hostname: from-option.test\n', 'a.yaml');
    await yamlFile('hostname: from-env.test\n', 'b.yaml');
    expect(loadConfig({ file: 'a.yaml', env: { POSTBODE_CONFIG: 'b.yaml' }, cwd: dir }).hostname).toBe(
      'from-option.test',
    );
    expect(loadConfig({ env: { POSTBODE_CONFIG: join(dir, 'b.yaml') }, cwd: dir }).hostname).toBe('from-env.test');
  });

  it('fails when an explicitly named file is missing', () => {
    expect(configError(() => loadConfig({ file: 'nope.yaml', env: {}, cwd: dir }))).toContain(join(dir, 'nope.yaml'));
  });

  it('applies env overrides over the file, with types', async () => {
    const file = await yamlFile('smtp:\n  port: 2600\n  maxRecipients: 5\ndelivery:\n  mode: capture\n');
    const config = loadConfig({
      file,
      cwd: dir,
      env: {
        POSTBODE_SMTP__PORT: '2526',
        POSTBODE_SMTP__MAX_MESSAGE_SIZE: '1000000',
        POSTBODE_SMTP__TLS_PORT: '2465',
        POSTBODE_SMTP__PROXY_PROTOCOL_FROM: '["10.0.0.1","10.0.0.2"]',
        POSTBODE_DELIVERY__MODE: 'smarthost',
        POSTBODE_DELIVERY__SMARTHOST__HOST: 'relay.example.test',
        POSTBODE_DELIVERY__SMARTHOST__PASS: '12345',
        POSTBODE_DELIVERY__SMARTHOST__REJECT_UNAUTHORIZED: 'false',
        POSTBODE_DATA_DIR: '/data',
        POSTBODE_HOSTNAME: 'mx1.example.test',
        POSTBODE_ADMIN_TOKEN: 'reserved for the Config API',
        PATH: '/usr/bin',
      },
    });
    expect(config.smtp.port).toBe(2526);
    expect(config.smtp.maxRecipients).toBe(5);
    expect(config.smtp.maxMessageSize).toBe(1_000_000);
    expect(config.smtp.tlsPort).toBe(2465);
    expect(config.smtp.proxyProtocolFrom).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(config.delivery.mode).toBe('smarthost');
    expect(config.delivery.smarthost).toMatchObject({
      host: 'relay.example.test',
      port: 587,
      pass: '12345',
      rejectUnauthorized: false,
    });
    expect(config.dataDir).toBe('/data');
    expect(config.hostname).toBe('mx1.example.test');
  });

  it('takes null from the env for a nullable key', async () => {
    const file = await yamlFile('smtp:\n  tlsPort: 465\n');
    expect(loadConfig({ file, env: { POSTBODE_SMTP__TLS_PORT: 'null' }, cwd: dir }).smtp.tlsPort).toBeNull();
  });

  it('names the key, the reason and the env var of a bad value', () => {
    const message = configError(() => loadConfig({ env: { POSTBODE_SMTP__PORT: '70000' }, cwd: dir }));
    expect(message).toContain('config: smtp.port: Too big: expected number to be <=65535 (from POSTBODE_SMTP__PORT)');
    expect(message).toContain('no config file');
  });

  it('names the key and the file of a bad value in the file, listing every problem', async () => {
    const file = await yamlFile('smtp:\n  port: -1\nhttp:\n  port: "eighty"\n');
    const message = configError(() => loadConfig({ file, env: {}, cwd: dir }));
    expect(message).toContain(`file ${file}`);
    expect(message).toMatch(new RegExp(`config: smtp\\.port: .*>=0.* \\(from ${file}\\)`));
    expect(message).toMatch(new RegExp(`config: http\\.port: .*expected number.* \\(from ${file}\\)`));
  });

  it('rejects unknown keys in the file', async () => {
    const file = await yamlFile('smtp:\n  prot: 25\nsmtpp: {}\n');
    const message = configError(() => loadConfig({ file, env: {}, cwd: dir }));
    expect(message).toContain(`config: smtp.prot: unknown key (from ${file})`);
    expect(message).toContain(`config: smtpp: unknown key (from ${file})`);
  });

  it('rejects unknown POSTBODE_ variables, but not the reserved ones', () => {
    const message = configError(() =>
      loadConfig({
        env: { POSTBODE_SMTP__PROT: '25', POSTBODE_NOPE: 'x', POSTBODE_SECRET_KEY: 'k', POSTBODE_CONFIG: '' },
        cwd: dir,
      }),
    );
    expect(message).toContain('config: smtp.prot: no such setting (from POSTBODE_SMTP__PROT)');
    expect(message).toContain('config: nope: no such setting (from POSTBODE_NOPE)');
    expect(message).not.toContain('SECRET_KEY');
    expect(() => loadConfig({ env: { POSTBODE_SECRET_KEY: 'k', POSTBODE_ADMIN_TOKEN: 't' }, cwd: dir })).not.toThrow();
  });

  it('rejects a path below a leaf key', () => {
    expect(configError(() => loadConfig({ env: { POSTBODE_SMTP__PORT__X: '1' }, cwd: dir }))).toContain(
      'config: smtp.port.x: no such setting (from POSTBODE_SMTP__PORT__X)',
    );
  });

  it('requires a smarthost when delivery.mode is smarthost', () => {
    expect(configError(() => loadConfig({ env: { POSTBODE_DELIVERY__MODE: 'smarthost' }, cwd: dir }))).toContain(
      'config: delivery.smarthost: delivery.smarthost is required when delivery.mode is smarthost',
    );
  });

  it('reports YAML syntax errors and non-mapping files with the file name', async () => {
    const broken = await yamlFile('smtp:\n  port: [1, 2\n', 'broken.yaml');
    expect(configError(() => loadConfig({ file: broken, env: {}, cwd: dir }))).toContain(
      `config file ${broken} is not valid YAML`,
    );
    const list = await yamlFile('- a\n- b\n', 'list.yaml');
    expect(configError(() => loadConfig({ file: list, env: {}, cwd: dir }))).toContain('must hold a mapping');
  });

  it('treats an empty file as all defaults', async () => {
    const file = await yamlFile('# nothing set\n');
    expect(loadConfig({ file, env: {}, cwd: dir }).smtp.port).toBe(2525);
  });

  it('resolves relative paths against cwd and keeps absolute ones', async () => {
    const file = await yamlFile(
      [
        'dataDir: var/postbode',
        'smtp:',
        '  certFile: /etc/postbode/cert.pem',
        '  keyFile: tls/key.pem',
        'delivery:',
        '  mode: smarthost',
        '  smarthost:',
        '    host: 127.0.0.1',
        '    caFile: tls/ca.pem',
        '',
      ].join('\n'),
    );
    const config = loadConfig({ file, env: {}, cwd: dir });
    expect(config.dataDir).toBe(join(dir, 'var/postbode'));
    expect(config.smtp.certFile).toBe('/etc/postbode/cert.pem');
    expect(config.smtp.keyFile).toBe(join(dir, 'tls/key.pem'));
    expect(config.delivery.smarthost?.caFile).toBe(join(dir, 'tls/ca.pem'));
  });

  it('returns a deeply frozen config', () => {
    const config = loadConfig({ env: {}, cwd: dir });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.smtp.auth)).toBe(true);
    expect(Object.isFrozen(config.smtp.proxyProtocolFrom)).toBe(true);
    expect(() => {
      (config.smtp as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it('maps every key of the schema to a POSTBODE_ variable', () => {
    const leaves = (o: object, path: string[]): string[][] =>
      Object.entries(o).flatMap(([k, v]) =>
        v !== null && typeof v === 'object' && !Array.isArray(v) ? leaves(v, [...path, k]) : [[...path, k]],
      );
    const paths = [
      ...leaves(configSchema.parse({}), []),
      ...Object.keys(smarthostSchema.shape).map((k) => ['delivery', 'smarthost', k]),
      ['delivery', 'direct', 'resolver'],
    ];
    const envName = (path: string[]): string =>
      `POSTBODE_${path.map((s) => s.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()).join('__')}`;
    const env = Object.fromEntries(paths.map((p) => [envName(p), '1']));
    const { overrides, unknown } = readEnvOverrides(env, configSchema);
    expect(unknown).toEqual([]);
    expect(overrides.map((o) => o.path.join('.')).sort()).toEqual(paths.map((p) => p.join('.')).sort());
    expect(paths.length).toBeGreaterThan(40);
  });
});
