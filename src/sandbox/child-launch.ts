// What a sandboxed child starts with: the wrapping (namespaces where the machine allows them, else a
// notice), and the command line, environment and working folder that follow from it. The one-shot
// run and the long-lived worker launch their children the same way, from here.
import {
  childEnvironment,
  nodeCommand,
  pythonCommand,
  wrapCommand,
  type ChildCommand,
  type PythonPlan,
  type Wrapping,
} from './child-command.js';
import { namespaceSupport } from './namespace-support.js';
import { namespacesUnavailableNotice, type SandboxNotice } from './sandbox-notice.js';
import type { SandboxIsolation } from './sandbox-outcome.js';

export interface WrappingChoice {
  /** `auto` uses namespaces where the machine allows them; `off` never does (tests, debugging). */
  readonly namespaces?: 'auto' | 'off' | undefined;
  /** Told once per reason when children run without namespaces. */
  readonly onNotice?: ((notice: SandboxNotice) => void) | undefined;
}

export interface ChildLaunch {
  readonly command: ChildCommand;
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly isolation: SandboxIsolation;
}

export interface LaunchPlan {
  readonly wrapping: Wrapping;
  /** A real path (no symlinks): the mounts and Node's permission flags name it. */
  readonly scratchDir: string;
  readonly memoryMb: number;
  readonly env?: Readonly<Record<string, string>> | undefined;
  /** Absolute path of the compiled child main (child-entry.js, worker-child-entry.js). */
  readonly childEntry: string;
  /** A Python child instead (the reference pipeline's verifiers): its interpreter and program. */
  readonly python?: PythonPlan | undefined;
}

const TURNED_OFF = "namespaces were turned off by the caller (namespaces: 'off')";
/** Reasons each callback has been told about: a long-lived callback (a logger) hears each reason once. */
const noticesGiven = new WeakMap<(notice: SandboxNotice) => void, Set<string>>();

export async function chooseWrapping(choice: WrappingChoice): Promise<Wrapping> {
  const support =
    choice.namespaces === 'off'
      ? { available: false as const, reason: TURNED_OFF }
      : await namespaceSupport(process.execPath);
  if (support.available) return { isolation: 'namespaces', tools: support.tools };
  const onNotice = choice.onNotice;
  if (onNotice !== undefined) {
    const told = noticesGiven.get(onNotice) ?? new Set<string>();
    noticesGiven.set(onNotice, told);
    if (!told.has(support.reason)) {
      told.add(support.reason);
      onNotice(namespacesUnavailableNotice(support.reason));
    }
  }
  return { isolation: 'none' };
}

export function childLaunch(plan: LaunchPlan): ChildLaunch {
  const { wrapping, scratchDir, memoryMb } = plan;
  const program =
    plan.python !== undefined
      ? pythonCommand(plan.python)
      : nodeCommand({
          nodePath: process.execPath,
          nodeVersion: process.version,
          scratchDir,
          memoryMb,
          childEntry: plan.childEntry,
        });
  return {
    command: wrapCommand({ wrapping, scratchDir, memoryMb, program }),
    env: childEnvironment(scratchDir, plan.env),
    cwd: scratchDir,
    isolation: wrapping.isolation,
  };
}
