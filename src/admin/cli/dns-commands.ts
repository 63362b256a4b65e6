import { cliStorage } from './cli-storage.js';
import type { Command } from 'commander';
import { pino } from 'pino';
import type { Config } from '../../config/schema.js';
import { GatewayError } from '../../core/gateway-error.js';
import { dkimRecord, dmarcName } from '../../mailauth/records.js';
import { createDomainService } from '../../tenants/domains/domain-service.js';
import { openDomainStore } from '../../tenants/domains/domain-store.js';
import { domainResolver, platformSpfInclude } from '../../tenants/domains/open-domains.js';
import { openSecretBox } from '../../secrets/secret-box.js';
import { platformReportRecords, proposedDmarcReportAddress } from '../../tenants/report-addresses.js';

/**
 * `postbode dns platform`: the records the platform's admin publishes for
 * `platform.sendingDomain` (DKIM key, SPF include, DMARC). Makes the key if the gateway has
 * not started yet; the same store (in `<dataDir>/db`) as the running gateway.
 */
export async function dnsPlatform(config: Config, env: NodeJS.ProcessEnv): Promise<string> {
  const domain = config.platform.sendingDomain;
  if (domain === null)
    throw new GatewayError('E_CONFIG', 'platform.sendingDomain is not set: there is no platform domain to sign for');
  const logger = pino({ level: 'silent' });
  const secrets = await openSecretBox({ dataDir: config.dataDir, envKey: env.POSTBODE_SECRET_KEY, logger });
  const store = openDomainStore(cliStorage(config));
  try {
    const service = createDomainService({
      store,
      sealer: secrets,
      resolver: domainResolver(config),
      spfInclude: platformSpfInclude(config),
      dmarcReportAddress: proposedDmarcReportAddress(config),
      rotationGraceMs: config.dns.rotationGraceMs,
      clock: Date.now,
      logger,
    });
    const record = await service.ensurePlatformKey(domain);
    if (record === undefined)
      throw new GatewayError(
        'E_CONFLICT',
        `${domain} is registered by a tenant; choose another platform.sendingDomain`,
      );
    return platformRecordLines(
      config,
      record.domain,
      record.selectors.filter((s) => s.state === 'active'),
    ).join('\n');
  } finally {
    await store.close();
  }
}

export function platformRecordLines(
  config: Config,
  domain: string,
  selectors: readonly { selector: string; algorithm: 'rsa' | 'ed25519'; publicKeyDnsValue: string }[],
): string[] {
  const include = platformSpfInclude(config);
  const report = proposedDmarcReportAddress(config) ?? `postmaster@${domain}`;
  return [
    `Publish these records for ${domain}:`,
    '',
    ...selectors.flatMap((s) => {
      const r = dkimRecord(domain, s.selector, s);
      return [`DKIM   ${r.name}  TXT`, `       ${r.valueChunks.map((c) => `"${c}"`).join(' ')}`, ''];
    }),
    `SPF    ${domain}  TXT  "v=spf1 include:${include} ~all"`,
    `       (${include} must list the addresses Postbode sends from; tenants add include:${include} to their ` +
      'own SPF record)',
    '',
    `DMARC  ${dmarcName(domain)}  TXT  "v=DMARC1; p=none; rua=mailto:${report}"`,
    '',
    ...inboundLines(config, domain, report),
    ...reportRecordLines(config, domain),
  ];
}

/** The inbound MX's records and the HELO name's: bounces, replies and feedback reports reach us; receivers trust us. */
function inboundLines(config: Config, domain: string, report: string): string[] {
  const bounce = config.platform.bounceDomain;
  const host = config.hostname;
  return [
    ...[domain, ...(bounce !== null && bounce !== domain ? [bounce] : [])].map((d) => `MX     ${d}  MX  10 ${host}`),
    ...(bounce !== null && bounce !== domain
      ? [`SPF    ${bounce}  TXT  "v=spf1 include:${platformSpfInclude(config)} ~all"`]
      : []),
    // With the MX on, reportRecordLines names the address that reads TLS reports instead.
    ...(config.mx.enabled
      ? []
      : [`TLS-RPT  _smtp._tls.${domain}  TXT  "v=TLSRPTv1; rua=mailto:${report}"  (recommended)`]),
    `MTA-STS  _mta-sts.${domain}  TXT  "v=STSv1; id=<date>"  with the policy at ` +
      `https://mta-sts.${domain}/.well-known/mta-sts.txt (mode: testing, mx: ${host})  (recommended)`,
    `HELO   ${host}  A/AAAA  the addresses Postbode sends from; the reverse DNS (PTR) of each must be ${host}`,
    '',
    'Check them all: GET /api/v1/platform/dns-records (admin token) or the admin screen of the settings page.',
  ];
}

/** With the inbound MX on: the records that let DMARC and TLS-RPT reports reach it (src/feedback/reports/). */
function reportRecordLines(config: Config, domain: string): string[] {
  if (!config.mx.enabled) return [];
  return [
    '',
    ...platformReportRecords(domain).map((r) => `REPORT ${r.name}  ${r.type}  "${r.value}"`),
    "       (the first lets tenants' DMARC records send their reports here; the second asks for TLS reports on " +
      'the MX)',
  ];
}

export function addDnsCommands(
  program: Command,
  config: (cmd: Command) => Config,
  print: (text: string) => void,
  env: NodeJS.ProcessEnv,
): void {
  const dns = program.command('dns').description('DNS records for DKIM, SPF and DMARC');
  dns
    .command('platform')
    .description('print the records to publish for platform.sendingDomain (the key is made on first use)')
    .action(async (_opts: unknown, cmd: Command) => {
      print(await dnsPlatform(config(cmd), env));
    });
}
