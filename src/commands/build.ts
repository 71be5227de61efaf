// `awm build`: check the options, open the project and build it once (build-project.ts), or hand
// over to watch mode with `--watch`.
import { chooseLogger } from '../logging/choose-logger.js';
import { buildProject, type BuildCommandOptions } from './build-project.js';
import type { CliIo, CommandRequest } from './io.js';
import { openProjectOrReport } from './open-project.js';

export async function run(request: CommandRequest, io: CliIo, signal: AbortSignal): Promise<number> {
  const { values } = request;
  const jobs = values['jobs'] === undefined ? 32 : Number(values['jobs']);
  if (!Number.isInteger(jobs) || jobs < 1) {
    io.stderr.write(`awm: --jobs must be a whole number of at least 1 (got "${String(values['jobs'])}")\n`);
    return 2;
  }
  const flag = (name: string): boolean => values[name] === true;
  const options: BuildCommandOptions = {
    targets: request.positionals,
    force: flag('force'),
    dryRun: flag('dry-run'),
    jobs,
    keepGoing: flag('keep-going'),
    frozen: flag('frozen'),
    fresh: flag('fresh'),
  };
  if (flag('watch')) return (await import('./watch.js')).watchProject(request.root, options, io, signal);
  const project = await openProjectOrReport(request.root, io);
  if (!project) return 2;
  return buildProject(project, options, io, chooseLogger(io), signal);
}
