/**
 * Each command's subcommands, the one list its dispatch, its mistakes' answers and the top level's suggestion for a
 * subcommand typed alone (`dth sync`) read. No imports: `cli/main.ts`, which every start loads, reads it.
 */
export const SUBCOMMANDS = { s3: ['sync'], ecr: ['sync', 'copy-one'] } as const;

export type CommandWithSubcommands = keyof typeof SUBCOMMANDS;

export function isSubcommandOf(command: CommandWithSubcommands, verb: string | undefined): boolean {
  return (SUBCOMMANDS[command] as readonly string[]).includes(verb ?? '');
}

/** `\`dth s3 sync\` or \`dth ecr sync\``: the lines where a word typed alone is a subcommand; none when it is not one. */
export function linesOfSubcommand(verb: string): string | undefined {
  const commands = Object.keys(SUBCOMMANDS).filter((c) => isSubcommandOf(c as CommandWithSubcommands, verb));
  return commands.length ? commands.map((c) => `\`dth ${c} ${verb}\``).join(' or ') : undefined;
}
