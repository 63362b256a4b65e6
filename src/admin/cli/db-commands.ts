import type { Command } from 'commander';
import { loadMigrations, migrate, schemaVersions } from '../../store/postgres/migrate.js';
import { openPgPool, redactUrl } from '../../store/postgres/pool.js';

/**
 * `postbode db migrate --url <url>`: brings a PostgreSQL database to the schema of this version and
 * prints what it applied. Safe to run on several nodes at once (the runner takes an advisory lock).
 */
export async function dbMigrate(url: string): Promise<string> {
  const pool = openPgPool(url, { max: 1 });
  try {
    const applied = await migrate(pool, await loadMigrations());
    const version = (await schemaVersions(pool)).at(-1) ?? 0;
    const lines = applied.map((name) => `applied ${name}`);
    const where = redactUrl(url);
    lines.push(
      applied.length === 0 ? `${where}: up to date at version ${version}` : `${where}: now at version ${version}`,
    );
    return lines.join('\n');
  } finally {
    await pool.end();
  }
}

export function addDbCommands(program: Command, print: (text: string) => void): void {
  const db = program.command('db').description('the shared PostgreSQL database (for more than one node)');
  db.command('migrate')
    .description('apply the schema migrations the database has not had yet, and print them')
    .requiredOption('--url <url>', 'postgres://user:password@host:port/database')
    .action(async (opts: { url: string }) => {
      print(await dbMigrate(opts.url));
    });
}
