import { fileSource, isKeyError, oneRosterFiles, pseudonymizer, readArchive } from '@grade-ledger/archive';
import * as E from 'fp-ts/Either';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EXIT, ioError, parse, readable, readKey, runCommand, toJson, usageProblem, type ArchiveExitCode, type CommandIo } from './archiveIo';

/**
 * `grade-ledger oneroster ARCHIVE --out DIR [--key-file KEY] [--school ID] [--json]`: the
 * OneRoster 1.2 CSV files (roster, gradebook, term and year grades) and the Ed-Fi attendance
 * file of an archive. Users appear by pseudonym only: a pseudonymized archive as it is, an
 * identified one only with --key-file.
 */
export const runOneRoster = (argv: ReadonlyArray<string>, io: CommandIo): Promise<ArchiveExitCode> =>
  runCommand(io, 'oneroster', async () => {
    const { values, positionals } = parse(argv, { out: { type: 'string' }, 'key-file': { type: 'string' }, school: { type: 'string' } });
    const [path, ...rest] = positionals;
    if (path === undefined) throw usageProblem('which archive? grade-ledger oneroster ARCHIVE --out DIR');
    if (rest.length > 0) throw usageProblem(`unexpected argument "${rest[0]}"`);
    const out = values.out;
    if (out === undefined) throw usageProblem('--out DIR is required');
    const found = await readable(path);
    if (E.isLeft(found)) return ioError(io, 'oneroster', found.left, `read ${path}`);
    let made = null;
    if (values['key-file'] !== undefined) {
      try {
        made = pseudonymizer(await readKey(values['key-file']));
      } catch (error) {
        return ioError(io, 'oneroster', error, `read the key file ${values['key-file']}`);
      }
      if (isKeyError(made)) throw usageProblem(made.message);
    }
    const reading = readArchive(fileSource(path)());
    const pseudonymize = made;
    let identified = false;
    const events = (async function* () {
      for await (const recorded of reading.events) yield pseudonymize === null ? recorded : pseudonymize.recorded(recorded);
    })();
    // The header comes first: refuse an identified archive without a key before writing anything.
    const files = await oneRosterFiles(events, values.school === undefined ? {} : { schoolId: values.school });
    const result = await reading.result;
    if (E.isLeft(result)) {
      io.err(`grade-ledger oneroster: ${path}, line ${result.left.line}: ${result.left.message}; nothing was written`);
      return EXIT.findings;
    }
    identified = result.right.header.pseudonymization === null && pseudonymize === null;
    if (identified) {
      io.err(`grade-ledger oneroster: ${path} is an identified archive: give --key-file KEY so that users.csv holds pseudonyms, not person ids; nothing was written`);
      return EXIT.usage;
    }
    try {
      await mkdir(out, { recursive: true });
      for (const [name, text] of Object.entries(files)) await writeFile(join(out, name), text);
    } catch (error) {
      return ioError(io, 'oneroster', error, `write ${out}`);
    }
    const counts = Object.fromEntries(Object.entries(files).map(([name, text]) => [name, text.split('\r\n').length - 2]));
    if (values.json === true) io.out(toJson({ out, files: counts }));
    else io.out(`${out}: OneRoster 1.2 CSV (bulk) and Ed-Fi attendance: ${Object.entries(counts).map(([n, c]) => `${n} ${c}`).join(', ')}`);
    return EXIT.ok;
  });
