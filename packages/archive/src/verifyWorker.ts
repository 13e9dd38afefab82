import { parentPort } from 'node:worker_threads';
import { transferablesOfVerdicts, verdictsOfBatch, type BatchRequest } from './verifyBatch';

/*
 * The entry of a verify worker thread (see verifyPool.ts): checks each batch of lines it is sent
 * by themselves and sends their verdicts back. An error is sent back too, so that the main
 * thread checks that batch itself rather than waiting. It says when it is ready (its code
 * loaded): until then, the main thread checks the batches itself.
 */
parentPort?.on('message', (request: BatchRequest) => {
  try {
    const verdicts = verdictsOfBatch(request);
    parentPort?.postMessage(verdicts, transferablesOfVerdicts(verdicts));
  } catch (error) {
    parentPort?.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) });
  }
});
parentPort?.postMessage({ ready: true });
