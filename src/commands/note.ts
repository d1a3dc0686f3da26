import { usage } from '../errors.js';
import type { Command } from './command.js';
import { withSession } from '../session/writer.js';

const MAX_NOTE = 16 * 1024;

export const note: Command = {
  name: 'note',
  usage: 'note TEXT',
  help: `Appends an OperatorNote event: a line in the node's permanent history, e.g. "replaced disk".
The text is everything after the command (quote it to keep it one argument).

Exit codes: 0 recorded · 2 no text · 74 the log could not be written · 75 another writer holds the
lock (see --wait).

Example:
  kubesolo-update note "replaced the SD card after I/O errors"`,
  options: {},
  positionals: Infinity,
  async run({ positionals }, ctx) {
    const text = positionals.join(' ').trim();
    if (text === '') throw usage('a note needs text: kubesolo-update note "what happened"');
    if (Buffer.byteLength(text) > MAX_NOTE) throw usage(`a note holds at most ${MAX_NOTE} bytes`);
    return withSession(ctx, async ({ log }) => {
      const { firstSeq } = await log.append([{ type: 'OperatorNote', data: { text } }]);
      ctx.out(ctx.json ? JSON.stringify({ seq: firstSeq, head: log.head }) : `note recorded as event ${firstSeq}`);
      return 0;
    });
  },
};
