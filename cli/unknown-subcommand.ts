/**
 * What `dth s3|ecr` says of a word that is not one of its subcommands: the line most likely meant — the subcommand
 * left out before the options (`dth s3 --src-bucket …`), or the one subcommand, or the closest of several.
 */
import { closestName } from '../worker/params/index.js';
import { type CommandWithSubcommands, SUBCOMMANDS } from './subcommands.js';

export function unknownSubcommandMessage(command: CommandWithSubcommands, verb: string): string {
  const verbs = SUBCOMMANDS[command];
  const choices = verbs.map((v) => `\`dth ${command} ${v}\``).join(' or ');
  if (verb.startsWith('-')) return `dth ${command}: the subcommand comes before the options: ${choices}`;
  const meant = verbs.length === 1 ? verbs[0] : closestName(verbs, verb);
  return `dth ${command}: unknown subcommand "${verb}"${meant ? `; did you mean \`dth ${command} ${meant}\`?` : ` (${choices})`}`;
}
