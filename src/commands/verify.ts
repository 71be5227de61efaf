// `awm verify RUN_DIR --mode code|sql`: checks the command line, finds the task's verifier (given,
// or the one the project built), opens the judge's LLM for sql mode (the project's `llm:` settings,
// the judge's own budget), then hands over to verifyRun (src/verify/verify-run.ts), writes
// RUN_DIR/verify.<mode>.json and prints one line. Exit 0: a verdict with a reward; 1: no reward
// (reward null); 2: the command could not run (usage, a missing run, verifier or LLM setting).
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatDiagnostics } from '../config/diagnostic.js';
import { readPipelineDraft } from '../config/draft.js';
import { loadPipelineConfig, PIPELINE_FILE } from '../config/load.js';
import type { LlmSettings } from '../config/types.js';
import type { Llm, LlmSession } from '../llm/types.js';
import { describeNotice } from '../logging/describe.js';
import { sandboxRunner } from '../sandbox/run-sandboxed.js';
import { asStageId } from '../util/brand.js';
import { err, ok, type Result } from '../util/result.js';
import { DEFAULT_REWARDS, parseRewards, type RewardTable } from '../verify/rewards.js';
import { readRunFolder, type TrajectoryView } from '../verify/run-folder.js';
import { writeVerifyResult, type VerifyMode, type VerifyResult } from '../verify/verify-result.js';
import { verifyRun } from '../verify/verify-run.js';
import type { CliIo, CommandRequest } from './io.js';
import { openJudgeLlm } from './judge-llm.js';

/** Where the verifier stage writes a task's verifier, when the project's pipeline does not say. */
const DEFAULT_VERIFIER_PATTERN = 'artifacts/{scenario}/verifiers/{task}.json';

interface VerifyOptions {
  readonly runDir: string;
  readonly mode: VerifyMode;
  readonly verifier: string | null;
  readonly model: string | null;
  readonly rewards: RewardTable;
}

export async function run(request: CommandRequest, io: CliIo, signal: AbortSignal): Promise<number> {
  const options = parseOptions(request);
  if (!options.ok) {
    for (const problem of options.error) io.stderr.write(`awm: ${problem}\n`);
    io.stderr.write('Run `awm --help` for usage.\n');
    return 2;
  }
  const { runDir, mode } = options.value;
  const runFiles = readRunFolder(runDir);
  if (!runFiles.ok) return cannotRun(io, runFiles.error.message);
  const project = new ProjectSettings(request.root);
  const verifierPath = await findVerifier(options.value, runFiles.value.trajectory, request.root, project);
  if (!verifierPath.ok) return cannotRun(io, verifierPath.error);
  const judge =
    mode === 'sql' ? await openJudge(options.value, runFiles.value.trajectory, request.root, io, project) : null;
  if (judge && !judge.ok) return cannotRun(io, judge.error);
  try {
    const outcome = await verifyRun({
      mode,
      run: runFiles.value,
      verifierPath: verifierPath.value,
      sandbox: sandboxRunner({
        signal,
        onNotice: (notice) =>
          io.stderr.write(`awm: ${describeNotice({ code: 'sandbox-without-namespaces', notice })}\n`),
      }),
      ...(judge?.ok ? { judge: judge.value.session } : {}),
      rewards: options.value.rewards,
      signal,
    });
    if (!outcome.ok) return cannotRun(io, outcome.error.message);
    if (signal.aborted) {
      io.stderr.write('awm: interrupted; nothing was written\n');
      return 130;
    }
    writeVerifyResult(runDir, outcome.value);
    for (const warning of outcome.value.warnings) io.stderr.write(`awm: warning: ${warning}\n`);
    io.stdout.write(`${summaryLine(outcome.value)}\n`);
    return outcome.value.reward === null ? 1 : 0;
  } finally {
    if (judge?.ok) await judge.value.llm.close();
  }
}

function cannotRun(io: CliIo, message: string): number {
  io.stderr.write(`awm: ${message}\n`);
  return 2;
}

/** `complete (reward 1)`, `server_error (reward null: …)` or `reward null: verifier_error: …`. */
export function summaryLine(result: VerifyResult): string {
  if (result.error !== null) return `reward null: ${result.error.code}: ${result.error.message}`;
  if (result.reward === null) return `${result.reward_reason} (reward null: an environment failure is never scored)`;
  return `${result.reward_reason} (reward ${result.reward})`;
}

function parseOptions(request: CommandRequest): Result<VerifyOptions, string[]> {
  const { values, positionals } = request;
  const problems: string[] = [];
  if (positionals.length !== 1)
    problems.push(
      positionals.length === 0
        ? '`awm verify` needs the run folder: awm verify RUN_DIR --mode code|sql'
        : `\`awm verify\` takes one run folder, not ${positionals.length} (${positionals.join(', ')})`,
    );
  const mode = values['mode'];
  if (mode !== 'code' && mode !== 'sql')
    problems.push(
      mode === undefined
        ? '`awm verify` needs --mode code or --mode sql'
        : `--mode must be code or sql, not "${String(mode)}"`,
    );
  const text = (name: string): string | null => (typeof values[name] === 'string' ? (values[name] as string) : null);
  const model = text('model');
  if (model !== null && mode === 'code') problems.push('--model is for sql mode (the judge); code mode asks no LLM');
  if (model !== null && model.trim() === '') problems.push('--model needs a model name');
  const rewards = text('rewards') === null ? ok(DEFAULT_REWARDS) : parseRewards(text('rewards')!);
  if (!rewards.ok) problems.push(...rewards.error.map((problem) => `--rewards: ${problem}`));
  if (problems.length > 0 || !rewards.ok) return err(problems);
  const verifier = text('verifier');
  return ok({
    // Paths are read from the project folder (-C), as with `git -C` and `make -C`.
    runDir: resolve(request.root, positionals[0]!),
    mode: mode as VerifyMode,
    verifier: verifier === null ? null : resolve(request.root, verifier),
    model: model?.trim() ?? null,
    rewards: rewards.value,
  });
}

interface ProjectFacts {
  readonly llm: LlmSettings;
  /** Where the verifier stage writes a task's verifier (`{scenario}`, `{task}`). */
  readonly verifierPattern: string;
  /** `none`: no awm.pipeline.yaml in the folder; `no-stage`: its pipeline has no verifier stage. */
  readonly pipeline: 'none' | 'no-stage' | 'verifier-stage';
}

/** The project's LLM settings and where its verifier stage writes; read once, and only when needed. */
class ProjectSettings {
  #loaded: Promise<Result<ProjectFacts, string>> | null = null;

  constructor(private readonly root: string) {}

  get(): Promise<Result<ProjectFacts, string>> {
    this.#loaded ??= this.#load();
    return this.#loaded;
  }

  async #load(): Promise<Result<ProjectFacts, string>> {
    // Outside a project (only --verifier given), the defaults of an empty pipeline.
    if (!existsSync(join(this.root, PIPELINE_FILE)))
      return ok({ llm: readPipelineDraft({}).llm, verifierPattern: DEFAULT_VERIFIER_PATTERN, pipeline: 'none' });
    const config = await loadPipelineConfig(this.root);
    if (!config.ok) return err(formatDiagnostics(config.error, (file) => readOrNull(join(this.root, file))));
    const written = config.value.stages.get(asStageId('verifier'))?.outputs['verifier'];
    return ok({
      llm: config.value.llm,
      verifierPattern: written ?? DEFAULT_VERIFIER_PATTERN,
      pipeline: written === undefined ? 'no-stage' : 'verifier-stage',
    });
  }
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

async function findVerifier(
  options: VerifyOptions,
  trajectory: TrajectoryView,
  root: string,
  project: ProjectSettings,
): Promise<Result<string, string>> {
  if (options.verifier !== null)
    return existsSync(options.verifier) ? ok(options.verifier) : err(`--verifier ${options.verifier}: no such file`);
  const { scenario, taskId } = trajectory;
  if (scenario === null || taskId === null)
    return err(
      `the run names no ${scenario === null ? 'scenario' : 'task id'} (an \`awm agent --task\` run?), so its verifier ` +
        'cannot be looked up: pass --verifier FILE',
    );
  const settings = await project.get();
  if (!settings.ok) return settings;
  const { verifierPattern, pipeline } = settings.value;
  const path = join(root, verifierPattern.replaceAll('{scenario}', scenario).replaceAll('{task}', taskId));
  if (existsSync(path)) return ok(path);
  const build = {
    none: `Build it with \`npx awm build ${scenario}:verifier\` in the project folder (or pass -C DIR), or`,
    'no-stage': `This project's ${PIPELINE_FILE} has no verifier stage to build it with;`,
    'verifier-stage': `Build it with \`npx awm build ${scenario}:verifier\`, or`,
  }[pipeline];
  return err(
    `no verifier for task ${taskId} of scenario ${scenario}: ${path} does not exist. ${build} pass --verifier FILE`,
  );
}

/** The judge's LLM (judge-llm.ts) and its session for the run's scenario. */
async function openJudge(
  options: VerifyOptions,
  trajectory: TrajectoryView,
  root: string,
  io: CliIo,
  project: ProjectSettings,
): Promise<Result<{ llm: Llm; session: LlmSession }, string>> {
  const settings = await project.get();
  if (!settings.ok) return settings;
  const judge = openJudgeLlm({ model: options.model, settings: settings.value.llm, root, io });
  if (!judge.ok) return judge;
  return ok({ llm: judge.value.llm, session: judge.value.sessionFor(trajectory.scenario) });
}
