/** Worker thread entry of the reader pool: reads one attachment at a time and answers. */
import { parentPort } from 'node:worker_threads';
import { readAttachment } from './read-attachment.js';
import type { ReadRequest, WorkerMessage } from './reader-protocol.js';

if (parentPort === null) throw new Error('reader-worker.ts must run in a worker thread');
const port = parentPort;

port.on('message', (request: ReadRequest) => {
  const options = {
    maxBytes: request.maxBytes,
    ...(request.filename !== undefined ? { filename: request.filename } : {}),
    ...(request.contentType !== undefined ? { contentType: request.contentType } : {}),
  };
  void readAttachment(request.bytes, options).then((reading) => {
    const message: WorkerMessage = { id: request.id, reading };
    port.postMessage(message);
  });
});

/**
 * A one-page PDF read once at start: pdfjs loads its parser module on the first document, which takes
 * longer than reading one. The pool's time limit starts only after this, so it measures reading alone.
 */
const WARM_UP = Buffer.from(
  '%PDF-1.4\n1 0 obj <</Type/Catalog/Pages 2 0 R>> endobj\n2 0 obj <</Type/Pages/Kids[3 0 R]/Count 1>> endobj\n' +
    '3 0 obj <</Type/Page/Parent 2 0 R/MediaBox[0 0 99 99]>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n',
);
await readAttachment(WARM_UP);
port.postMessage({ ready: true } satisfies WorkerMessage);
