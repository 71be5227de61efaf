// What a caller is told, once per process, when children run without namespaces. The library never
// prints: the notice is data handed to the caller's callback, and describeSandboxNotice gives the
// words for a terminal or a log.

export interface SandboxNotice {
  readonly kind: 'namespaces-unavailable';
  /** Why: what the trial run reported, or that the caller turned namespaces off. */
  readonly reason: string;
  /** What still holds without namespaces. */
  readonly stillEnforced: readonly string[];
  /** What is no longer contained. */
  readonly notContained: readonly string[];
}

export function namespacesUnavailableNotice(reason: string): SandboxNotice {
  return {
    kind: 'namespaces-unavailable',
    reason,
    stillEnforced: [
      'an empty environment (no API keys or other variables reach the child)',
      'the time limit and the memory limit',
      "Node's permission model for JavaScript children (no child processes or worker threads; JavaScript writes files only in the scratch folder)",
      'the SQL statement guard, where the entry applies it (the SQL check does)',
    ],
    notContained: [
      'writes outside the scratch folder by native code, such as SQLite reached without the guard',
      'the network',
      'signals to and /proc of other processes of this user',
      "Python children (the reference pipeline's verifiers) have no permission model: any file this user may write, child processes (they are given copies of the databases)",
    ],
  };
}

export function describeSandboxNotice(notice: SandboxNotice): string {
  return [
    `LLM-written code runs without Linux namespaces: ${notice.reason}.`,
    `Still enforced: ${notice.stillEnforced.join('; ')}.`,
    `Not contained: ${notice.notContained.join('; ')}.`,
    'To contain them, allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, user.max_user_namespaces > 0) and install util-linux.',
  ].join('\n');
}
