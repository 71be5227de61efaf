// The deployment files checked against the server's own flags and metrics: pure functions from the
// parsed Dockerfile and Kubernetes documents to a list of problems (empty when all is well), so a
// test can also feed them a mutated copy and see each check fail.
import { parseArgs } from 'node:util';
import { COMMANDS, GLOBAL_OPTIONS } from '../../src/commands/command.js';
import { serveOptions, type ServeOptions } from '../../src/commands/serve.js';
import { ServeMetrics } from '../../src/serve/serve-metrics.js';
import { isRecord } from '../../src/util/is-record.js';

export type Doc = Record<string, unknown>;

/** One folder of deploy/k8s (a variant): its documents, each with the file it came from. */
export interface Variant {
  readonly name: string;
  readonly docs: readonly { readonly file: string; readonly doc: Doc }[];
}

export interface Dockerfile {
  readonly expose: readonly number[];
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  /** The last WORKDIR: the served project's folder. */
  readonly workdir: string;
}

/** What the downward API and the Secret put in a pod's env, for `$(VAR)` expansions. */
export const SAMPLE_ENV: Readonly<Record<string, string>> = {
  'metadata.name': 'awm-0',
  'metadata.namespace': 'sample-namespace',
  secret: 'sample-token',
};

/** EXPOSE, ENTRYPOINT, CMD (exec form only: a shell form would keep SIGTERM from node) and WORKDIR. */
export function parseDockerfile(text: string): Dockerfile {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  let expose: number[] = [];
  let entrypoint: string[] = [];
  let cmd: string[] = [];
  let workdir = '/';
  for (const line of lines) {
    const [instruction = '', ...rest] = line.split(/\s+/);
    const argument = rest.join(' ');
    switch (instruction.toUpperCase()) {
      case 'EXPOSE':
        expose = rest.map((port) => Number(port.replace(/\/tcp$/, '')));
        break;
      case 'ENTRYPOINT':
        entrypoint = execForm('ENTRYPOINT', argument);
        break;
      case 'CMD':
        cmd = execForm('CMD', argument);
        break;
      case 'WORKDIR':
        workdir = argument;
        break;
    }
  }
  return { expose, entrypoint, cmd, workdir };
}

function execForm(instruction: string, argument: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(argument);
  } catch {
    value = null;
  }
  if (!Array.isArray(value) || !value.every((part) => typeof part === 'string'))
    throw new Error(`${instruction} must be in exec form (a JSON array of strings), got ${argument}`);
  return value;
}

/** Every check on every variant, and the Dockerfile's own CMD. */
export function deploymentProblems(dockerfile: Dockerfile, variants: readonly Variant[]): string[] {
  const problems: string[] = [];
  const imageServe = serveArgs([...dockerfile.entrypoint, ...dockerfile.cmd], {});
  if (typeof imageServe === 'string') problems.push(`Dockerfile: ${imageServe}`);
  else if (!dockerfile.expose.includes(imageServe.port))
    problems.push(`Dockerfile: EXPOSE ${dockerfile.expose.join(' ')} is not --port ${imageServe.port}`);
  for (const variant of variants)
    problems.push(...variantProblems(dockerfile, variant).map((p) => `${variant.name}: ${p}`));
  return problems;
}

function variantProblems(dockerfile: Dockerfile, variant: Variant): string[] {
  const problems: string[] = [];
  const workloads = variant.docs.filter(({ doc }) => doc['kind'] === 'Deployment' || doc['kind'] === 'StatefulSet');
  const services = variant.docs.filter(({ doc }) => doc['kind'] === 'Service');
  if (workloads.length !== 1) return [`expected one Deployment or StatefulSet, found ${workloads.length}`];
  const workload = workloads[0]!.doc;
  const name = String(at(workload, 'metadata', 'name'));
  const podLabels = labels(at(workload, 'spec', 'template', 'metadata', 'labels'));
  const podSpec = record(at(workload, 'spec', 'template', 'spec'));
  if (!selects(at(workload, 'spec', 'selector', 'matchLabels'), podLabels))
    problems.push(`${name}: spec.selector.matchLabels does not match the pod template's labels`);
  const containers = list(podSpec['containers']).map(record);
  const awm = containers.find((container) => container['image'] !== undefined);
  if (awm === undefined) return [...problems, `${name}: no container`];
  const env = containerEnv(awm);
  const options = serveArgs(
    [
      ...(strings(awm['command']) ?? dockerfile.entrypoint),
      ...(strings(awm['args']) ?? (awm['command'] ? [] : dockerfile.cmd)),
    ],
    env,
  );
  if (typeof options === 'string') return [...problems, `${name}: ${options}`];
  problems.push(...portProblems(name, awm, options, dockerfile, services, podLabels));
  problems.push(...probeProblems(name, awm));
  problems.push(...drainProblems(name, podSpec, awm, options));
  problems.push(...writableProblems(name, awm, dockerfile));
  problems.push(...tokenProblems(name, awm, env));
  for (const { doc } of services) {
    const service = String(at(doc, 'metadata', 'name'));
    if (!selects(at(doc, 'spec', 'selector'), podLabels))
      problems.push(`Service ${service}: its selector does not match ${name}'s pod labels`);
    if (at(doc, 'spec', 'sessionAffinity') === 'ClientIP')
      problems.push(
        `Service ${service}: sessionAffinity ClientIP (the WebSocket is the session; balance per connection)`,
      );
  }
  if (workload['kind'] === 'StatefulSet') problems.push(...statefulSetProblems(name, workload, services, options));
  problems.push(...autoscalerProblems(variant, workload, podLabels));
  return problems;
}

/** The `awm serve` options a container runs with, or why they are not valid. */
function serveArgs(argv: readonly string[], env: Readonly<Record<string, string>>): ServeOptions | string {
  const start = argv.indexOf('serve');
  if (start < 0) return `the container does not run \`awm serve\` (${argv.join(' ')})`;
  const args: string[] = [];
  for (const arg of argv.slice(start)) {
    const unknown = [...arg.matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)].find((match) => env[match[1]!] === undefined);
    if (unknown !== undefined)
      return `${arg}: $(${unknown[1]}) is not in the container's env (Kubernetes would pass it literally)`;
    args.push(arg.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (_, variable: string) => env[variable]!));
  }
  const serve = COMMANDS.find((command) => command.name === 'serve')!;
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { ...GLOBAL_OPTIONS, ...serve.options },
    });
  } catch (error) {
    return `awm serve would refuse its arguments: ${(error as Error).message}`;
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const options = serveOptions({ positionals: parsed.positionals.slice(1), values });
  return options.ok ? options.value : `awm serve would refuse its arguments: ${options.error}`;
}

/** The container's env names with sample values for the downward API, Secrets and literals. */
function containerEnv(container: Doc): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of list(container['env']).map(record)) {
    const field = at(entry, 'valueFrom', 'fieldRef', 'fieldPath');
    const value =
      typeof entry['value'] === 'string'
        ? entry['value']
        : typeof field === 'string'
          ? SAMPLE_ENV[field]
          : at(entry, 'valueFrom', 'secretKeyRef') !== undefined
            ? SAMPLE_ENV['secret']
            : undefined;
    if (typeof entry['name'] === 'string' && value !== undefined) env[entry['name']] = value;
  }
  return env;
}

function portProblems(
  name: string,
  container: Doc,
  options: ServeOptions,
  dockerfile: Dockerfile,
  services: Variant['docs'],
  podLabels: Readonly<Record<string, string>>,
): string[] {
  const problems: string[] = [];
  const ports = list(container['ports']).map(record);
  if (ports.length === 0) problems.push(`${name}: the container declares no port`);
  for (const port of ports)
    if (port['containerPort'] !== options.port)
      problems.push(`${name}: containerPort ${String(port['containerPort'])} is not --port ${options.port}`);
  if (!dockerfile.expose.includes(options.port))
    problems.push(`${name}: --port ${options.port} is not the Dockerfile's EXPOSE ${dockerfile.expose.join(' ')}`);
  for (const probe of ['readinessProbe', 'livenessProbe']) {
    const port = resolvePort(at(container, probe, 'httpGet', 'port'), ports);
    if (port !== options.port)
      problems.push(`${name}: the ${probe}'s port ${String(port)} is not --port ${options.port}`);
  }
  for (const { doc } of services) {
    if (!selects(at(doc, 'spec', 'selector'), podLabels)) continue;
    for (const port of list(at(doc, 'spec', 'ports')).map(record)) {
      const target = resolvePort(port['targetPort'] ?? port['port'], ports);
      if (target !== options.port)
        problems.push(
          `Service ${String(at(doc, 'metadata', 'name'))}: targetPort ${String(target)} is not --port ${options.port}`,
        );
    }
  }
  return problems;
}

function probeProblems(name: string, container: Doc): string[] {
  const problems: string[] = [];
  const wanted = { readinessProbe: '/health?ready', livenessProbe: '/health' };
  for (const [probe, path] of Object.entries(wanted)) {
    const actual = at(container, probe, 'httpGet', 'path');
    if (actual !== path) problems.push(`${name}: the ${probe} asks ${String(actual)}, not GET ${path}`);
  }
  return problems;
}

/** The kubelet's grace must cover the preStop hook and the whole drain, or it kills live episodes. */
function drainProblems(name: string, podSpec: Doc, container: Doc, options: ServeOptions): string[] {
  const grace = podSpec['terminationGracePeriodSeconds'] ?? 30;
  const preStop = record(at(container, 'lifecycle', 'preStop') ?? {});
  const command = strings(at(preStop, 'exec', 'command')) ?? [];
  const sleep =
    typeof at(preStop, 'sleep', 'seconds') === 'number'
      ? (at(preStop, 'sleep', 'seconds') as number)
      : command[0] === 'sleep'
        ? Number(command[1])
        : 0;
  const needed = sleep + options.drainMs / 1000;
  return typeof grace === 'number' && grace > needed
    ? []
    : [
        `${name}: terminationGracePeriodSeconds ${String(grace)} is not above the preStop sleep + --drain-timeout (${needed} s)`,
      ];
}

/** With a read-only root, the two folders awm writes must be volumes: the project's outputs/ and /tmp. */
function writableProblems(name: string, container: Doc, dockerfile: Dockerfile): string[] {
  if (at(container, 'securityContext', 'readOnlyRootFilesystem') !== true) return [];
  const mounted = new Set(list(container['volumeMounts']).map((mount) => at(mount, 'mountPath')));
  return [`${dockerfile.workdir}/outputs`, '/tmp']
    .filter((path) => !mounted.has(path))
    .map((path) => `${name}: the root file system is read-only but nothing writable is mounted at ${path}`);
}

/** A token must come from a Secret, not sit in the manifest. */
function tokenProblems(name: string, container: Doc, env: Readonly<Record<string, string>>): string[] {
  const args = strings(container['args']) ?? [];
  const at_ = args.indexOf('--token');
  if (at_ < 0) return [];
  const variable = /^\$\(([A-Za-z_][A-Za-z0-9_]*)\)$/.exec(args[at_ + 1] ?? '')?.[1];
  const fromSecret = list(container['env']).some(
    (entry) => at(entry, 'name') === variable && at(entry, 'valueFrom', 'secretKeyRef') !== undefined,
  );
  return variable !== undefined && env[variable] !== undefined && fromSecret
    ? []
    : [`${name}: --token must be $(VAR) with VAR from a secretKeyRef`];
}

function statefulSetProblems(name: string, workload: Doc, services: Variant['docs'], options: ServeOptions): string[] {
  const problems: string[] = [];
  const serviceName = at(workload, 'spec', 'serviceName');
  const headless = services.find(({ doc }) => at(doc, 'metadata', 'name') === serviceName)?.doc;
  if (headless === undefined) return [`${name}: serviceName ${String(serviceName)} is no Service here`];
  if (at(headless, 'spec', 'clusterIP') !== 'None')
    problems.push(`Service ${String(serviceName)}: not headless (clusterIP: None), so pods get no DNS names`);
  if (at(headless, 'spec', 'publishNotReadyAddresses') !== true)
    problems.push(
      `Service ${String(serviceName)}: publishNotReadyAddresses is not true, so a full or draining pod's MCP URLs stop resolving`,
    );
  const expected = `${SAMPLE_ENV['metadata.name']}.${String(serviceName)}.${SAMPLE_ENV['metadata.namespace']}.svc.cluster.local:${options.port}`;
  const host = options.publicUrl === undefined ? undefined : new URL(options.publicUrl).host;
  if (host !== expected)
    problems.push(
      `${name}: --public-url's host ${String(host)} is not the pod's DNS name under ${String(serviceName)} (${expected})`,
    );
  return problems;
}

function autoscalerProblems(variant: Variant, workload: Doc, podLabels: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  const exported = new Set(new ServeMetrics().registry.getMetricsAsArray().map((metric) => metric.name));
  const hpas = variant.docs.filter(({ doc }) => doc['kind'] === 'HorizontalPodAutoscaler');
  const pdbs = variant.docs.filter(({ doc }) => doc['kind'] === 'PodDisruptionBudget');
  if (hpas.length === 0) problems.push('no HorizontalPodAutoscaler');
  if (pdbs.length === 0) problems.push('no PodDisruptionBudget');
  for (const { doc } of hpas) {
    const hpa = `HorizontalPodAutoscaler ${String(at(doc, 'metadata', 'name'))}`;
    const target = record(at(doc, 'spec', 'scaleTargetRef'));
    if (target['kind'] !== workload['kind'] || target['name'] !== at(workload, 'metadata', 'name'))
      problems.push(
        `${hpa}: scaleTargetRef ${String(target['kind'])}/${String(target['name'])} is not this variant's workload`,
      );
    const metrics = list(at(doc, 'spec', 'metrics')).map((metric) => at(metric, 'pods', 'metric', 'name'));
    if (metrics.length === 0) problems.push(`${hpa}: no Pods metric`);
    for (const metric of metrics)
      if (typeof metric !== 'string' || !exported.has(metric))
        problems.push(`${hpa}: the server exports no metric ${String(metric)} (src/serve/serve-metrics.ts)`);
  }
  for (const { doc } of pdbs)
    if (!selects(at(doc, 'spec', 'selector', 'matchLabels'), podLabels))
      problems.push(`PodDisruptionBudget ${String(at(doc, 'metadata', 'name'))}: its selector does not match the pods`);
  return problems;
}

function resolvePort(port: unknown, ports: readonly Doc[]): unknown {
  return typeof port === 'string' ? ports.find((entry) => entry['name'] === port)?.['containerPort'] : port;
}

/** Whether a non-empty selector picks pods with these labels. */
function selects(selector: unknown, podLabels: Readonly<Record<string, string>>): boolean {
  const wanted = labels(selector);
  const entries = Object.entries(wanted);
  return entries.length > 0 && entries.every(([key, value]) => podLabels[key] === value);
}

function labels(value: unknown): Record<string, string> {
  return isRecord(value)
    ? (Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)])) as Record<string, string>)
    : {};
}

function at(value: unknown, ...path: string[]): unknown {
  return path.reduce<unknown>((node, key) => (isRecord(node) ? node[key] : undefined), value);
}

function record(value: unknown): Doc {
  return isRecord(value) ? value : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((part) => typeof part === 'string') ? value : undefined;
}
