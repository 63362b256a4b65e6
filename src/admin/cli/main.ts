import { runCli } from './program.js';

/** `postbode ...` (bin/postbode.mjs loads this file, built or through tsx). */
process.exitCode = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
});
