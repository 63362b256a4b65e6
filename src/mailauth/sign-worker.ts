/** Worker thread entry of the sign pool: signs one message at a time and answers. */
import { parentPort } from 'node:worker_threads';
import { isGatewayError } from '../core/gateway-error.js';
import { createKeyParser } from './keys.js';
import { asBuffer, isDkimCode, ownedView, type SignRequest, type SignResponse } from './sign-protocol.js';
import { signMessage } from './signer.js';

if (parentPort === null) throw new Error('sign-worker.ts must run in a worker thread');
const port = parentPort;
// This thread's own cache: each worker parses each key once.
const parseKey = createKeyParser();

port.on('message', (request: SignRequest) => {
  void answer(request).then(({ response, transfer }) => port.postMessage(response, transfer));
});

async function answer(request: SignRequest): Promise<{ response: SignResponse; transfer: ArrayBuffer[] }> {
  try {
    const options = { signedAt: request.signedAt, parseKey };
    const signed = ownedView(await signMessage(asBuffer(request.raw), request.keys, options));
    return { response: { id: request.id, ok: true, signed }, transfer: [signed.buffer as ArrayBuffer] };
  } catch (err) {
    const code = isGatewayError(err) && isDkimCode(err.code) ? err.code : 'E_DKIM_SIGN';
    const message = err instanceof Error ? err.message : String(err);
    return { response: { id: request.id, ok: false, code, message }, transfer: [] };
  }
}
