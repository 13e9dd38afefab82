import { archiveBytes, isKeyError, pseudonymizer, stageTextFile, type ArchiveManifest } from '@grade-ledger/archive';
import { generateSchoolWorkload } from '@grade-ledger/testing/workload';
import * as E from 'fp-ts/Either';
import { EXIT, integer, ioError, parse, progress, readKey, runCommand, toJson, usageProblem, type ArchiveExitCode, type CommandIo } from './archiveIo';

/**
 * `grade-ledger generate [--seed N] [--since YEAR] [--until YEAR] [--scale X] [--grade-levels A-B]
 * [--subjects N] [--pupils N] --out PATH [--gzip] [--key-file KEY] [--json]`: the seeded school workload (generateSchoolWorkload: every event
 * accepted by the deciders) written as an archive, streamed: nothing is held in memory. Its
 * ids are synthetic, so the archive is identified unless a key is given.
 */
export const runGenerate = (argv: ReadonlyArray<string>, io: CommandIo): Promise<ArchiveExitCode> =>
  runCommand(io, 'generate', async () => {
    const { values, positionals } = parse(argv, {
      seed: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      scale: { type: 'string' },
      'grade-levels': { type: 'string' },
      subjects: { type: 'string' },
      pupils: { type: 'string' },
      out: { type: 'string' },
      gzip: { type: 'boolean' },
      'key-file': { type: 'string' },
    });
    if (positionals.length > 0) throw usageProblem(`unexpected argument "${positionals[0]}"`);
    const out = values.out;
    if (out === undefined) throw usageProblem('--out PATH is required');
    const seed = integer('seed', values.seed, 2018);
    const since = integer('since', values.since, 2018);
    const until = integer('until', values.until, Math.max(since, 2025));
    const scale = values.scale === undefined ? 1 : Number(values.scale);
    if (!(scale > 0 && scale <= 100)) throw usageProblem(`--scale ${JSON.stringify(values.scale)}: expected a number above 0, at most 100`);
    const levels = values['grade-levels'];
    const range = levels === undefined ? undefined : /^(\d{1,2})-(\d{1,2})$/.exec(levels);
    if (range === null) throw usageProblem(`--grade-levels ${JSON.stringify(levels)}: expected a range such as 5-9`);
    const shape = {
      ...(range === undefined ? {} : { gradeLevels: Array.from({ length: Math.max(0, Number(range[2]) - Number(range[1]) + 1) }, (_, i) => Number(range[1]) + i) }),
      ...(values.subjects === undefined ? {} : { subjectsPerClass: integer('subjects', values.subjects, 12) }),
      ...(values.pupils === undefined ? {} : { pupilsPerClass: integer('pupils', values.pupils, 27) }),
    };
    let events: Iterable<import('@grade-ledger/core').RecordedEvent>;
    try {
      // Generators run lazily: the first next() checks the options.
      const generator = generateSchoolWorkload({ seed, since, until, scale, ...shape });
      const first = generator.next();
      events = (function* () {
        if (first.done !== true) yield first.value;
        yield* { [Symbol.iterator]: () => generator };
      })();
    } catch (error) {
      throw usageProblem(error instanceof Error ? error.message : String(error));
    }
    let made = null;
    if (values['key-file'] !== undefined) {
      try {
        made = pseudonymizer(await readKey(values['key-file']));
      } catch (error) {
        return ioError(io, 'generate', error, `read the key file ${values['key-file']}`);
      }
      if (isKeyError(made)) throw usageProblem(made.message);
    }
    const bar = progress('generating');
    let count = 0;
    const counted = (function* () {
      for (const e of events) {
        count += 1;
        if (count % 10_000 === 0) bar.update(count, 0);
        yield e;
      }
    })();
    const lines = archiveBytes(counted, { pseudonymizer: made });
    let staged;
    try {
      staged = await stageTextFile(out, lines.chunks, { gzip: values.gzip === true });
    } catch (error) {
      bar.done();
      return ioError(io, 'generate', error, `write ${out}`);
    }
    bar.done();
    const result = await lines.result;
    if (E.isLeft(result)) {
      await staged.discard();
      io.err(`grade-ledger generate: ${result.left.message}; nothing was written`);
      return EXIT.findings;
    }
    try {
      await staged.commit();
    } catch (error) {
      return ioError(io, 'generate', error, `write ${out}`);
    }
    const manifest: ArchiveManifest = result.right;
    if (values.json === true) io.out(toJson({ out, seed, since, until, scale, manifest }));
    else {
      io.out(`${out}: ${manifest.eventCount} events of ${manifest.streamCount} streams, school years ${since}-${since + 1} to ${until}-${until + 1} (seed ${seed})`);
      io.out(`  final digest: ${manifest.finalDigest}`);
    }
    return EXIT.ok;
  });
