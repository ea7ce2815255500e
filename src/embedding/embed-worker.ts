// Worker-thread entry of EmbedPool: loads the model once, then embeds one text per message.
// Runs as dist/embedding/embed-worker.js, or as this .ts file under tsx (see pool-workers.ts).
import { parentPort, workerData } from 'node:worker_threads';
import type { EmbedWorkerInit, EmbedWorkerMessage, EmbedWorkerRequest } from './pool-protocol.js';
import { TransformersEmbedder } from './transformers-embedder.js';

const port = parentPort;
if (port === null) throw new Error('embed-worker must run in a worker thread');

function send(msg: EmbedWorkerMessage, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(msg, transfer);
}

let embedder: TransformersEmbedder | undefined;

// Listening from the start, so an exit request also ends a worker that is still loading (once the
// current synchronous onnxruntime call returns).
port.on('message', (req: EmbedWorkerRequest) => {
  if (req.type === 'exit') process.exit(req.code); // ends this thread only
  if (embedder === undefined) {
    send({ type: 'error', id: req.id, message: 'the model is not loaded yet' });
    return;
  }
  embedder.embed(req.text).then(
    // embed() returns its own copy (a fresh buffer of exactly `dims` floats): hand the buffer over.
    (vector) => send({ type: 'result', id: req.id, vector }, [vector.buffer as ArrayBuffer]),
    (err: unknown) => send({ type: 'error', id: req.id, message: err instanceof Error ? err.message : String(err) }),
  );
});

try {
  embedder = await TransformersEmbedder.load(workerData as EmbedWorkerInit);
} catch (err) {
  send({ type: 'load_failed', message: err instanceof Error ? err.message : String(err) });
  process.exit(1); // the message above is already queued on the main side
}
send({ type: 'ready', modelId: embedder.modelId, dims: embedder.dims });
