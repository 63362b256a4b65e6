import { Command, CommanderError } from 'commander';
import { loadConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { isGatewayError } from '../../core/gateway-error.js';
import { parseStatus, queueList, queueRetry } from './queue-commands.js';
import { tenantAdd, tenantList, tenantRotatePassword } from './tenant-commands.js';
import { tokenCreate, tokenRevoke } from './token-commands.js';
import { addDnsCommands } from './dns-commands.js';
import { addDbCommands } from './db-commands.js';

/** Where the CLI reads and writes: injected so that tests run it in-process too. */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

/** Runs one command line (without `node postbode`); resolves with the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode; // commander already printed it
    const detail = err instanceof Error ? err.message : String(err);
    io.err(`postbode: ${isGatewayError(err) ? err.message : `unexpected error: ${detail}`}\n`);
    return 1;
  }
}

function buildProgram(io: CliIo): Command {
  const program = new Command('postbode')
    .description('Postbode SMTP gateway administration')
    .option('-c, --config <file>', 'config file (default: $POSTBODE_CONFIG or config/postbode.yaml)')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });

  const config = (cmd: Command): Config =>
    loadConfig({ file: cmd.optsWithGlobals<{ config?: string }>().config, env: io.env, cwd: io.cwd });
  const print = (text: string): void => io.out(`${text}\n`);

  const tenant = program.command('tenant').description('manage tenants (the SMTP accounts of the invoicing software)');
  tenant
    .command('add')
    .description('create a tenant and print its SMTP user name and password (shown once)')
    .requiredOption('--name <name>', 'company or customer name')
    .option('--username <username>', 'SMTP user name (generated from the name when left out)')
    .option('--allow-ip <ip-or-cidr>', 'client address or range that may send without login (repeatable)', collect, [])
    .option(
      '--allow-plaintext-auth',
      'allow login before STARTTLS on a listener with smtp.allowPlaintextAuth (only for software that cannot do TLS)',
      false,
    )
    .option(
      '--require-tls',
      'refuse mail from this tenant over a connection without TLS, allow-listed addresses included',
      false,
    )
    .action(
      async (
        opts: { name: string; username?: string; allowIp: string[]; allowPlaintextAuth: boolean; requireTls: boolean },
        cmd: Command,
      ) => {
        print(
          await tenantAdd(config(cmd), {
            name: opts.name,
            smtpUsername: opts.username,
            allowedIps: opts.allowIp,
            allowPlaintextAuth: opts.allowPlaintextAuth,
            requireTls: opts.requireTls,
          }),
        );
      },
    );
  tenant
    .command('list')
    .description('list tenants, oldest first')
    .action(async (_opts: unknown, cmd: Command) => {
      print(await tenantList(config(cmd)));
    });
  tenant
    .command('rotate-password')
    .description("replace a tenant's SMTP password and print the new one (shown once)")
    .argument('<id>', 'tenant id (see tenant list)')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      print(await tenantRotatePassword(config(cmd), id));
    });
  addTokenCommands(program, config, print);
  addQueueCommands(program, config, print);
  addDnsCommands(program, config, print, io.env);
  addDbCommands(program, print);
  return program;
}

type ConfigOf = (cmd: Command) => Config;

function addTokenCommands(program: Command, config: ConfigOf, print: (text: string) => void): void {
  const token = program.command('token').description('API tokens for the Config API (/api/v1)');
  token
    .command('create')
    .description('create an API token and print it (shown once): for one tenant, or an admin token')
    .option('--tenant <id>', 'the tenant the token sees and changes (see tenant list)')
    .option('--admin', 'an admin token: manages everything', false)
    .option('--expires-at <date>', 'ISO date or ms since epoch; never expires when left out')
    .action(async (opts: { tenant?: string; admin: boolean; expiresAt?: string }, cmd: Command) => {
      print(
        await tokenCreate(
          config(cmd),
          { tenantId: opts.tenant, admin: opts.admin, expiresAt: opts.expiresAt },
          Date.now(),
        ),
      );
    });
  token
    .command('revoke')
    .description('revoke an API token (tenant or admin) by its id')
    .argument('<id>', 'token id (the part after pb_)')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      print(await tokenRevoke(config(cmd), id, Date.now()));
    });
}

function addQueueCommands(program: Command, config: ConfigOf, print: (text: string) => void): void {
  const queue = program.command('queue').description('the message log and the queue');
  queue
    .command('list')
    .description('messages, newest first')
    .option('--tenant <id>', 'only this tenant')
    .option('--status <status>', 'only messages with a recipient in this status')
    .option('--limit <n>', 'at most this many (1-500)', '50')
    .action(async (opts: { tenant?: string; status?: string; limit: string }, cmd: Command) => {
      const limit = Math.min(Math.max(Number.parseInt(opts.limit, 10) || 50, 1), 500);
      const status = opts.status === undefined ? undefined : parseStatus(opts.status);
      print(await queueList(config(cmd), { tenantId: opts.tenant, status, limit }));
    });
  queue
    .command('retry')
    .description("make a message's deferred recipients due now")
    .argument('<id>', 'message id (queue id)')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      print(await queueRetry(config(cmd), id, Date.now()));
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
