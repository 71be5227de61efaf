// `awm build`: check the options; answer a no-op build from the no-op proof when the project is
// proven clean (proven-clean.ts); otherwise open the project and build it once (build-project.ts),
// or hand over to watch mode with `--watch`. The full path is loaded only when it is taken.
import { chooseLogger } from '../logging/choose-logger.js';
import type { BuildCommandOptions } from './build-project.js';
import type { CliIo, CommandRequest } from './io.js';
import { cleanBuild } from './proven-clean.js';

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
  const log = chooseLogger(io);
  if (!options.force) {
    const noop = cleanBuild(request.root, options.targets, io, log);
    if (noop !== null) return noop;
  }
  const [{ openProjectOrReport }, { buildProject }] = await Promise.all([
    import('./open-project.js'),
    import('./build-project.js'),
  ]);
  const project = await openProjectOrReport(request.root, io);
  if (!project) return 2;
  return buildProject(project, options, io, log, signal);
}
