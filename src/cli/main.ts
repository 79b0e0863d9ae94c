/** The `hyperlaunch` command: parse arguments, call the library, print. */
export async function main(argv: string[]): Promise<number> {
  const [cmd] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h') {
    process.stdout.write('usage: hyperlaunch <command> [options]\n');
    return cmd ? 0 : 2;
  }
  process.stderr.write(`hyperlaunch: unknown command '${cmd}'\n`);
  return 2;
}
