// `awm env <command>`: picks the subcommand from the table (env-commands.ts), refuses options it
// does not take, and runs it with the positionals after its name.
import { ENV_COMMANDS, envUsage } from './env-commands.js';
import type { CliIo, CommandRequest } from './io.js';

export async function run(request: CommandRequest, io: CliIo, signal: AbortSignal): Promise<number> {
  const [name, ...rest] = request.positionals;
  const names = ENV_COMMANDS.map((command) => command.name);
  if (name === undefined) {
    io.stderr.write(`awm: \`awm env\` needs a command: ${names.join(', ')}\n\n${envUsage()}`);
    return 2;
  }
  const command = ENV_COMMANDS.find((candidate) => candidate.name === name);
  if (command === undefined) {
    // The reference's `check_all` and `reset_db` never get here: reference-spelling.ts rewrites them.
    io.stderr.write(
      `awm: unknown env command "${name}"; the env commands: ${names.join(', ')} (\`awm env --help\` explains each)\n`,
    );
    return 2;
  }
  const misplaced = Object.keys(request.values).find(
    (option) => request.values[option] !== undefined && isEnvOption(option) && !command.options.includes(option),
  );
  if (misplaced !== undefined) {
    const takes = command.options.length === 0 ? 'no options' : command.options.map((o) => `--${o}`).join(', ');
    io.stderr.write(`awm: --${misplaced} is not an option of \`awm env ${name}\` (it takes ${takes})\n`);
    return 2;
  }
  const { run: runCommand } = await command.load();
  return runCommand({ ...request, positionals: rest }, io, signal);
}

function isEnvOption(option: string): boolean {
  return ENV_COMMANDS.some((command) => command.options.includes(option));
}
