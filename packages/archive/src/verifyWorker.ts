import { parentPort } from 'node:worker_threads';
import { reexportBatch, reexportScratch, transferablesOfReexportAnswer, type ReexportRequest } from './reexportBatch';
import { transferablesOfVerdicts, verdictsOfBatch, type BatchRequest } from './verifyBatch';
import { domainShard, MAX_FOLD_BACKLOG, type ShardCommit, type ShardFinish, type ShardInit } from './verifyShard';

/*
 * The entry of a verify worker thread (see verifyPool.ts): checks each batch of lines it is sent
 * by themselves and sends their verdicts back. An error is sent back too, so that the main
 * thread checks that batch itself rather than waiting. It says when it is ready (its code
 * loaded): until then, the main thread checks the batches itself.
 *
 * With the domain check sharded by stream (verifyShard.ts), it also keeps the decoded events of
 * its lines and folds those the main thread commits into its own domain checker: between
 * messages (a slice at a time), so that the verdicts the main thread waits for go first, and at
 * once when the backlog is too long (bounded memory) or when the result is asked for.
 *
 * The same threads write a re-export's lines (reexport.ts): a batch marked `reexport` is read
 * and written anew (reexportBatch.ts), its lines' bodies sent back.
 */

/** Events folded between two looks at the messages. */
const FOLD_SLICE = 512;

let shard: ReturnType<typeof domainShard> | undefined;
// A re-export's pseudonymizer, chain hasher and writer, kept from batch to batch (made at the first).
let reexporting: ReturnType<typeof reexportScratch> | undefined;
let folding = false;

const foldSlice = (): void => {
  folding = false;
  if (shard !== undefined && shard.fold(FOLD_SLICE) > 0) scheduleFold();
};
const scheduleFold = (): void => {
  if (folding) return;
  folding = true;
  setImmediate(foldSlice);
};

type Message = BatchRequest | ReexportRequest | ShardInit | ShardCommit | ShardFinish;

parentPort?.on('message', (message: Message) => {
  if ('init' in message) {
    shard = domainShard(message.init.ruleSets, message.init.grades, message.init.packIdleAfter);
    return;
  }
  if ('commit' in message) {
    // An error here (a commit of a line not held: a bug) ends the worker: the main thread then redoes the verify on one thread.
    if (shard === undefined) throw new Error('verify worker: a commit before the init');
    shard.commit(message);
    if (shard.backlog() > MAX_FOLD_BACKLOG) shard.fold(shard.backlog() - MAX_FOLD_BACKLOG);
    scheduleFold();
    return;
  }
  if ('finish' in message) {
    if (shard === undefined) throw new Error('verify worker: a finish before the init');
    parentPort?.postMessage({ id: message.id, domain: shard.finish() });
    return;
  }
  if ('reexport' in message) {
    try {
      const answer = reexportBatch(message, (reexporting ??= reexportScratch()));
      parentPort?.postMessage(answer, transferablesOfReexportAnswer(answer));
    } catch (error) {
      parentPort?.postMessage({ id: message.id, error: error instanceof Error ? error.message : String(error) });
    }
    return;
  }
  try {
    const held = shard;
    const verdicts = verdictsOfBatch(message, held === undefined ? undefined : (line, streamId, event) => held.hold(line, streamId, event));
    parentPort?.postMessage(verdicts, transferablesOfVerdicts(verdicts));
  } catch (error) {
    parentPort?.postMessage({ id: message.id, error: error instanceof Error ? error.message : String(error) });
  }
});
parentPort?.postMessage({ ready: true });
