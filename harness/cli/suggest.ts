import { didYouMean } from '../core/suggest.js';

/**
 * yargs' strict mode says `Unknown argument: sedes` (or `Unknown arguments: a, b`). This names
 * each as typed (`--sedes`, `--no-shrnk`) with the nearest option of the command
 * (`--sedes (did you mean --seeds?)`), and an unknown command with the nearest command. Any
 * other message comes back as it was.
 *
 * `args`: the command line; `options`: the option names the command knows (yargs'
 * `getOptions().key`); `commands`: every command's name.
 */
export function explainUnknown(msg: string, args: readonly string[], options: readonly string[], commands: readonly string[]): string {
  const m = /^Unknown arguments?: (.+)$/.exec(msg);
  if (m === null) return msg;
  let names = m[1]!.split(', ');
  // yargs lists `--max-stepz` twice, as max-stepz and maxStepz.
  names = names.filter((n) => !(/[A-Z]/.test(n) && names.includes(kebab(n))));
  const first = args.find((a) => !a.startsWith('-'));
  if (first !== undefined && names[0] === first && !commands.includes(first)) {
    const hint = didYouMean(first, commands, (c) => c);
    return `Unknown argument: ${first} (${hint ? `${hint.replace(/^did you mean /, 'did you mean the command ')}` : `not a command; commands: ${commands.join(', ')}`})`;
  }
  const flags = options.filter((o) => o.length > 1 && !/[A-Z]/.test(o));
  const shown = names.map((n) => {
    const negated = !flags.includes(n) && args.some((a) => a === `--no-${n}` || a.startsWith(`--no-${n}=`));
    const typed = negated ? `--no-${n}` : n.length === 1 ? `-${n}` : `--${n}`;
    if (!args.some((a) => a === typed || a.startsWith(`${typed}=`))) return n; // a stray positional
    const hint = n.length > 1 ? didYouMean(n, flags, (o) => `${negated ? '--no-' : '--'}${o}`) : '';
    return hint ? `${typed} (${hint})` : typed;
  });
  return `Unknown argument${shown.length > 1 ? 's' : ''}: ${shown.join(', ')}`;
}

function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The option names a yargs instance knows now (inside a command: that command's too). yargs
 * has `getOptions()`; its type declarations leave it out. */
export function optionNames(y: unknown): string[] {
  const get = (y as { getOptions?: () => { key?: Record<string, unknown> } }).getOptions;
  return typeof get === 'function' ? Object.keys(get.call(y).key ?? {}) : [];
}
