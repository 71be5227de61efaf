// The Dockerfile and deploy/k8s/ against the server itself: every YAML document parses, the
// containers' `awm serve` arguments are options serve declares and accepts, ports, probes, selectors,
// the headless Service and --public-url, the drain against the grace period, the autoscaler's metric
// against what the server exports. Then each check is shown to fail on a mutated copy.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseAllDocuments } from 'yaml';
import { isRecord } from '../src/util/is-record.js';
import { deploymentProblems, parseDockerfile, type Doc, type Variant } from './support/deploy-manifests.js';
import { REPO_ROOT } from './support/cli-rig.js';

const K8S_DIR = join(REPO_ROOT, 'deploy', 'k8s');
const dockerfile = parseDockerfile(readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8'));

function readVariants(): Variant[] {
  return readdirSync(K8S_DIR)
    .filter((name) => statSync(join(K8S_DIR, name)).isDirectory())
    .sort()
    .map((name) => ({ name, docs: readFolder(join(K8S_DIR, name)) }));
}

function readFolder(folder: string): Variant['docs'] {
  return readdirSync(folder)
    .filter((file) => /\.ya?ml$/.test(file))
    .sort()
    .flatMap((file) => {
      const path = join(folder, file);
      return parseAllDocuments(readFileSync(path, 'utf8')).map((document) => {
        if (document.errors.length > 0) throw new Error(`${relative(REPO_ROOT, path)}: ${document.errors[0]!.message}`);
        const doc = document.toJS() as unknown;
        if (!isRecord(doc) || typeof doc['kind'] !== 'string' || typeof doc['apiVersion'] !== 'string')
          throw new Error(`${relative(REPO_ROOT, path)}: a document without kind and apiVersion`);
        return { file, doc };
      });
    });
}

/** The variants with one edit: `edit` gets the variant's document of that kind (and name, if given). */
function mutated(variantName: string, kind: string, edit: (doc: Doc) => void, name?: string): Variant[] {
  const variants = structuredClone(readVariants());
  const variant = variants.find((candidate) => candidate.name === variantName)!;
  const doc = variant.docs.find(
    (entry) => entry.doc['kind'] === kind && (name === undefined || (entry.doc['metadata'] as Doc)['name'] === name),
  )!.doc;
  edit(doc);
  return variants;
}

function podSpec(doc: Doc): Doc {
  return ((doc['spec'] as Doc)['template'] as Doc)['spec'] as Doc;
}

function container(doc: Doc): Doc {
  return (podSpec(doc)['containers'] as Doc[])[0]!;
}

function setArg(doc: Doc, flag: string, value: string): void {
  const args = container(doc)['args'] as string[];
  args[args.indexOf(flag) + 1] = value;
}

function problemsOf(variants: Variant[]): string {
  return deploymentProblems(dockerfile, variants).join('\n');
}

test('both variants are there and every document parses', () => {
  const variants = readVariants();
  assert.equal(
    variants.map((variant) => variant.name),
    ['deployment', 'statefulset'],
  );
  const kinds = (name: string): string[] =>
    variants
      .find((variant) => variant.name === name)!
      .docs.map((entry) => String(entry.doc['kind']))
      .sort();
  assert.equal(kinds('deployment'), [
    'Deployment',
    'HorizontalPodAutoscaler',
    'NetworkPolicy',
    'PodDisruptionBudget',
    'Service',
  ]);
  assert.equal(kinds('statefulset'), [
    'HorizontalPodAutoscaler',
    'NetworkPolicy',
    'PodDisruptionBudget',
    'Service',
    'Service',
    'StatefulSet',
  ]);
});

test('the Dockerfile and the manifests agree with awm serve', () => {
  assert.equal(deploymentProblems(dockerfile, readVariants()), []);
  assert.equal(dockerfile.expose, [8000]);
  assert.equal(dockerfile.cmd, ['serve', '--host', '0.0.0.0', '--port', '8000']);
});

test('an option serve does not declare, or a value it refuses, fails', () => {
  const undeclared = mutated('deployment', 'Deployment', (doc) =>
    (container(doc)['args'] as string[]).push('--max-sessions', '9'),
  );
  assert.match(
    problemsOf(undeclared),
    "awm-serve: awm serve would refuse its arguments: Unknown option '--max-sessions'",
  );
  const refused = mutated('deployment', 'Deployment', (doc) => setArg(doc, '--drain-timeout', 'soon'));
  assert.match(
    problemsOf(refused),
    'awm-serve: awm serve would refuse its arguments: --drain-timeout must be a number',
  );
  const undefinedVariable = mutated('statefulset', 'StatefulSet', (doc) =>
    setArg(doc, '--public-url', 'http://$(HOSTNAME).awm-episodes:8000'),
  );
  assert.match(problemsOf(undefinedVariable), "$(HOSTNAME) is not in the container's env");
});

test('ports: containerPort, --port, EXPOSE, probes and targetPort must agree', () => {
  const port = mutated('deployment', 'Deployment', (doc) => setArg(doc, '--port', '9000'));
  assert.match(problemsOf(port), 'awm-serve: containerPort 8000 is not --port 9000');
  assert.match(problemsOf(port), "awm-serve: --port 9000 is not the Dockerfile's EXPOSE 8000");
  const probe = mutated('deployment', 'Deployment', (doc) => {
    ((container(doc)['livenessProbe'] as Doc)['httpGet'] as Doc)['port'] = 8080;
  });
  assert.match(problemsOf(probe), "awm-serve: the livenessProbe's port 8080 is not --port 8000");
  const target = mutated(
    'statefulset',
    'Service',
    (doc) => {
      ((doc['spec'] as Doc)['ports'] as Doc[])[0]!['targetPort'] = 'web';
    },
    'awm',
  );
  assert.match(problemsOf(target), 'Service awm: targetPort undefined is not --port 8000');
});

test('probe paths must be /health?ready and /health', () => {
  const variants = mutated('statefulset', 'StatefulSet', (doc) => {
    ((container(doc)['readinessProbe'] as Doc)['httpGet'] as Doc)['path'] = '/health';
  });
  assert.match(problemsOf(variants), 'awm: the readinessProbe asks /health, not GET /health?ready');
});

test('Service, PDB and workload selectors must match the pod labels', () => {
  const service = mutated('deployment', 'Service', (doc) => {
    (doc['spec'] as Doc)['selector'] = { app: 'awm' };
  });
  assert.match(problemsOf(service), "Service awm-serve: its selector does not match awm-serve's pod labels");
  const pdb = mutated('statefulset', 'PodDisruptionBudget', (doc) => {
    ((doc['spec'] as Doc)['selector'] as Doc)['matchLabels'] = { 'app.kubernetes.io/name': 'awm-serve' };
  });
  assert.match(problemsOf(pdb), 'PodDisruptionBudget awm: its selector does not match the pods');
});

test('no session affinity', () => {
  const variants = mutated('deployment', 'Service', (doc) => {
    (doc['spec'] as Doc)['sessionAffinity'] = 'ClientIP';
  });
  assert.match(problemsOf(variants), 'Service awm-serve: sessionAffinity ClientIP');
});

test('the StatefulSet: a headless Service by its serviceName that keeps not-ready pods, --public-url by pod name', () => {
  const notHeadless = mutated(
    'statefulset',
    'Service',
    (doc) => delete (doc['spec'] as Doc)['clusterIP'],
    'awm-episodes',
  );
  assert.match(problemsOf(notHeadless), 'Service awm-episodes: not headless (clusterIP: None)');
  const notPublished = mutated(
    'statefulset',
    'Service',
    (doc) => delete (doc['spec'] as Doc)['publishNotReadyAddresses'],
    'awm-episodes',
  );
  assert.match(problemsOf(notPublished), 'Service awm-episodes: publishNotReadyAddresses is not true');
  const otherName = mutated('statefulset', 'StatefulSet', (doc) => ((doc['spec'] as Doc)['serviceName'] = 'awm-pods'));
  assert.match(problemsOf(otherName), 'awm: serviceName awm-pods is no Service here');
  const url = mutated('statefulset', 'StatefulSet', (doc) =>
    setArg(doc, '--public-url', 'http://$(POD_NAME).awm.$(POD_NAMESPACE).svc.cluster.local:8000'),
  );
  assert.match(
    problemsOf(url),
    "awm: --public-url's host awm-0.awm.sample-namespace.svc.cluster.local:8000 is not the pod's DNS name under awm-episodes",
  );
});

test('the grace period must exceed the preStop sleep and the drain', () => {
  const variants = mutated('deployment', 'Deployment', (doc) => setArg(doc, '--drain-timeout', '145'));
  assert.match(
    problemsOf(variants),
    'awm-serve: terminationGracePeriodSeconds 150 is not above the preStop sleep + --drain-timeout (150 s)',
  );
});

test('the autoscaler targets this workload on a metric the server exports', () => {
  const metric = mutated('statefulset', 'HorizontalPodAutoscaler', (doc) => {
    const [first] = (doc['spec'] as Doc)['metrics'] as Doc[];
    ((first!['pods'] as Doc)['metric'] as Doc)['name'] = 'awm_active_sessions';
  });
  assert.match(problemsOf(metric), 'HorizontalPodAutoscaler awm: the server exports no metric awm_active_sessions');
  const target = mutated('deployment', 'HorizontalPodAutoscaler', (doc) => {
    ((doc['spec'] as Doc)['scaleTargetRef'] as Doc)['kind'] = 'StatefulSet';
  });
  assert.match(problemsOf(target), 'scaleTargetRef StatefulSet/awm-serve is not this variant');
});

test('a read-only root needs outputs/ and /tmp mounted; the token comes from a Secret', () => {
  const unmounted = mutated('deployment', 'Deployment', (doc) => {
    container(doc)['volumeMounts'] = (container(doc)['volumeMounts'] as Doc[]).filter(
      (mount) => mount['mountPath'] === '/tmp',
    );
  });
  assert.match(
    problemsOf(unmounted),
    'awm-serve: the root file system is read-only but nothing writable is mounted at /srv/awm/project/outputs',
  );
  const literal = mutated('deployment', 'Deployment', (doc) => setArg(doc, '--token', 'hunter2'));
  assert.match(problemsOf(literal), 'awm-serve: --token must be $(VAR) with VAR from a secretKeyRef');
});

test('the Dockerfile: exec-form CMD, EXPOSE = --port', () => {
  assert.throws(() => parseDockerfile('CMD node bin/awm.js serve'), /CMD must be in exec form/);
  const other = { ...dockerfile, expose: [8080] };
  assert.match(deploymentProblems(other, []).join('\n'), 'Dockerfile: EXPOSE 8080 is not --port 8000');
});

test.run();
