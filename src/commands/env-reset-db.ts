// `awm env reset-db [--scenario S]`: the reference's `env reset_db`, which rebuilds every database
// from its schema and sample data. Here the stage that writes the seed databases (the one whose
// `seed_db` the env stage reads: `sample` in the demo pipeline) owns seed.db, so this is that
// stage forced through the build: `awm build --force S:sample` (or `:sample` for every scenario).
// Its LLM request is the same as before, so it is answered from the response cache when the cache
// holds it; the same rows give the same database, hashed by content, so what reads it stays fresh.
// Envs never change seed.db (they copy it), so a reset is needed only after it was edited or lost.
import { chooseLogger } from '../logging/choose-logger.js';
import { envFiles, knownScenario, openEnvProject, relativeTo } from './built-env.js';
import { exitWith, stringOption } from './env-options.js';
import type { CliIo, CommandRequest } from './io.js';
import { openProjectOrReport } from './open-project.js';

export async function run(request: CommandRequest, io: CliIo, signal: AbortSignal): Promise<number> {
  if (request.positionals.length > 0)
    return exitWith(io, `\`awm env reset-db\` takes only --scenario S (got "${request.positionals.join(' ')}")`, 2);
  const opened = await openEnvProject(request.root);
  if (!opened.ok) return exitWith(io, opened.error, 2);
  const envProject = opened.value;
  const seedInput = envProject.envStage.inputs['seed_db']!;
  if (seedInput.kind !== 'output')
    return exitWith(
      io,
      `the env stage reads seed_db from the file ${seedInput.path}, which no stage builds; nothing to reset`,
      2,
    );
  const given = stringOption(request.values, 'scenario');
  let scenarios: readonly string[];
  if (given === undefined) scenarios = envProject.scenarios ?? [];
  else {
    const scenario = knownScenario(envProject, given);
    if (!scenario.ok) return exitWith(io, scenario.error, 2);
    scenarios = [scenario.value];
  }
  const stage = seedInput.stage;
  const targets = given === undefined ? [`:${stage}`] : scenarios.map((scenario) => `${scenario}:${stage}`);
  const seeds = scenarios.map((scenario) => relativeTo(envProject, envFiles(envProject, scenario).seedDb));
  io.stdout.write(
    `awm env reset-db: rebuilding ${seeds.length === 1 ? seeds[0] : `${seeds.length} seed databases`} from schema and sample data: awm build --force ${targets.join(' ')}\n`,
  );
  const [project, { buildProject }] = await Promise.all([
    openProjectOrReport(request.root, io),
    import('./build-project.js'),
  ]);
  if (!project) return 2;
  const code = await buildProject(
    project,
    { targets, force: true, dryRun: false, jobs: 32, keepGoing: true, frozen: false, fresh: false },
    io,
    chooseLogger(io),
    signal,
  );
  if (code === 0) io.stdout.write(`awm env reset-db: rebuilt ${seeds.join(', ')}\n`);
  return code;
}
