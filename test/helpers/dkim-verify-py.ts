/**
 * A second, independent DKIM verifier for tests: Debian's python3-dkim (dkimpy), not the
 * library that signs. DNS is answered from `records` (name → TXT value, e.g. from
 * src/mailauth/records.ts dkimRecord) through dkimpy's `dnsfunc`, so nothing leaves the
 * machine. Each DKIM-Signature of the message is verified on its own, top to bottom.
 * .ci/run installs python3-dkim; Debian's interpreter is called by its path because a
 * python3 earlier on PATH (pyenv) does not see Debian's modules.
 */
import { spawn } from 'node:child_process';

export const DEBIAN_PYTHON = '/usr/bin/python3';
/** Not skipped when missing: the second verifier is what these tests are for. */
const MISSING = 'python3-dkim is not installed: apt-get install -y python3-dkim python3-nacl (.ci/run does)';

export interface PyDkimResult {
  readonly domain: string;
  readonly selector: string;
  readonly pass: boolean;
}

const SCRIPT = `
import base64, json, sys, dkim
req = json.load(sys.stdin)
records = {k.lower().rstrip("."): v.encode() for k, v in req["records"].items()}
def dnsfunc(name, timeout=5):
    key = (name.decode() if isinstance(name, bytes) else name).lower().rstrip(".")
    return records.get(key)
def verify(msg):
    d = dkim.DKIM(msg)
    out = []
    sigs = [v for (k, v) in d.headers if k.lower() == b"dkim-signature"]
    for i, sig in enumerate(sigs):
        tags = dkim.util.parse_tag_value(b"".join(sig.split()))
        try:
            ok = bool(d.verify(idx=i, dnsfunc=dnsfunc))
        except Exception:
            ok = False
        out.append({"domain": tags.get(b"d", b"").decode(), "selector": tags.get(b"s", b"").decode(), "pass": ok})
    return out
print(json.dumps([verify(base64.b64decode(m)) for m in req["messages"]]))
`;

/** One result per DKIM-Signature in the message, in header order; [] for an unsigned message. */
export async function verifyDkimPy(raw: Buffer, records: Readonly<Record<string, string>>): Promise<PyDkimResult[]> {
  return (await verifyDkimPyEach([raw], records))[0] ?? [];
}

/** Several messages in one run of the interpreter (its start is most of the cost). */
export function verifyDkimPyEach(
  raws: readonly Buffer[],
  records: Readonly<Record<string, string>>,
): Promise<PyDkimResult[][]> {
  return new Promise((resolve, reject) => {
    const child = spawn(DEBIAN_PYTHON, ['-c', SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (err) => reject(new Error(`${MISSING} (${err.message})`)));
    child.on('close', (code) => {
      if (code !== 0 && /No module named '(dkim|nacl)'/.test(stderr)) reject(new Error(`${MISSING}: ${stderr.trim()}`));
      else if (code !== 0) reject(new Error(`python3-dkim exited ${code}: ${stderr}`));
      else resolve(JSON.parse(stdout) as PyDkimResult[][]);
    });
    child.stdin.end(JSON.stringify({ messages: raws.map((r) => r.toString('base64')), records }));
  });
}

/** The short form tests compare: `selector pass|fail` per signature. */
export function statusesOf(results: readonly PyDkimResult[]): string[] {
  return results.map((r) => `${r.selector} ${r.pass ? 'pass' : 'fail'}`);
}

export async function pyDkimStatuses(raw: Buffer, records: Readonly<Record<string, string>>): Promise<string[]> {
  return statusesOf(await verifyDkimPy(raw, records));
}
