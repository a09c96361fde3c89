// deploy/kubernetes/ cannot be applied here (no cluster), so this checks what can be checked
// without one: every object against the Kubernetes API schemas (kubernetes-models, the OpenAPI
// schemas compiled to validators), the overlays rendered the way kustomize renders them, and the
// manifests against the code: ports, probe paths, each container's environment read by the
// service's own configuration code, and the NetworkPolicies against the calls that configuration
// makes (network-policy.ts evaluates who may reach whom).
import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parseAllDocuments, parse } from 'yaml';
import { readMigrationTargets } from '../../../scripts/service';
import { createLogger } from '../../../shared/logger';
import { createMetrics } from '../../../shared/metrics';
import { ROOT_DIR } from '../../../shared/paths';
import { createHttpService } from '../../../shared/server/http-service';
import { DEFAULT_PORTS, SUBGRAPHS, isSubgraphName } from '../../../shared/services';
import { placeholderSecret, readServiceEnv, readWith, type ServiceName } from '../../support/deployment/env';
import {
  admitsEgress,
  admitsIngress,
  DEFAULT_NAMESPACE,
  type Endpoint,
  type NetworkPolicy,
  type NetworkPolicySpec,
} from '../../support/deployment/network-policy';

const KUBERNETES_DIR = path.join(ROOT_DIR, 'deploy/kubernetes');
const BASE_DIR = path.join(KUBERNETES_DIR, 'base');
const OVERLAYS = ['development', 'production'];
const SERVICES: ServiceName[] = ['gateway', ...SUBGRAPHS];
const IMAGE = 'federation-shop';

// The parts of the Kubernetes objects these checks read; the validators check the whole shape.
interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  // The rest differs per kind and is reached through the typed views below.
  spec?: Record<string, unknown>;
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } };
}
interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: {
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { drop?: string[] };
  };
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  automountServiceAccountToken?: boolean;
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
}
interface DeploymentSpec {
  replicas?: number;
  selector: { matchLabels: Record<string, string> };
  template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
}
interface ServiceSpec {
  selector: Record<string, string>;
  ports: { name?: string; port: number; targetPort: string | number }[];
}

// kubernetes-models is loaded by path per kind; each model's validate() throws a message naming
// the offending field.
type Model = new (data: unknown) => { validate(): void };
const MODELS: Record<string, [module: string, exportName: string]> = {
  Deployment: ['kubernetes-models/apps/v1/Deployment', 'Deployment'],
  Service: ['kubernetes-models/v1/Service', 'Service'],
  ConfigMap: ['kubernetes-models/v1/ConfigMap', 'ConfigMap'],
  Secret: ['kubernetes-models/v1/Secret', 'Secret'],
  Namespace: ['kubernetes-models/v1/Namespace', 'Namespace'],
  HorizontalPodAutoscaler: ['kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler', 'HorizontalPodAutoscaler'],
  PodDisruptionBudget: ['kubernetes-models/policy/v1/PodDisruptionBudget', 'PodDisruptionBudget'],
  NetworkPolicy: ['kubernetes-models/networking.k8s.io/v1/NetworkPolicy', 'NetworkPolicy'],
};

function validate(object: KubeObject): void {
  const entry = MODELS[object.kind];
  if (!entry) throw new Error(`no schema for kind ${object.kind}`);
  const Model = (require(entry[0]) as Record<string, Model>)[entry[1]]!;
  new Model(structuredClone(object)).validate();
}

const readYaml = (file: string): KubeObject[] =>
  parseAllDocuments(readFileSync(file, 'utf8'))
    .map((document) => document.toJS() as KubeObject | null)
    .filter((object): object is KubeObject => object !== null);

interface Kustomization {
  namespace?: string;
  resources?: string[];
  images?: { name: string; newName?: string; newTag?: string }[];
  secretGenerator?: { name: string; envs?: string[] }[];
  patches?: { target: { kind: string; name?: string }; patch?: string; path?: string }[];
}

const readKustomization = (dir: string): Kustomization =>
  parse(readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8')) as Kustomization;

/** A directory's kustomization rendered: its resources, recursively, without transformations. */
function resources(dir: string): KubeObject[] {
  return (readKustomization(dir).resources ?? []).flatMap((entry) => {
    const target = path.join(dir, entry);
    return existsSync(path.join(target, 'kustomization.yaml')) ? render(target) : readYaml(target);
  });
}

/** `KEY=value` lines of an env file (comments and blank lines skipped), as kustomize reads them. */
function readEnvFile(file: string): Record<string, string> {
  const entries = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() && !line.trimStart().startsWith('#'))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]);
  return Object.fromEntries(entries);
}

/** Sets `value` at a JSON pointer (RFC 6901) inside `object`: the `add` and `replace` of RFC 6902. */
function setPointer(object: unknown, pointer: string, value: unknown, op: string): void {
  const keys = pointer
    .split('/')
    .slice(1)
    .map((key) => key.replaceAll('~1', '/').replaceAll('~0', '~'));
  const last = keys.pop()!;
  let parent = object as Record<string, unknown>;
  for (const key of keys) {
    if (parent[key] === undefined) throw new Error(`patch path ${pointer} does not exist`);
    parent = parent[key] as Record<string, unknown>;
  }
  if (op === 'replace' && !(last in parent)) throw new Error(`patch replaces ${pointer}, which does not exist`);
  parent[last] = structuredClone(value);
}

const matches = (object: KubeObject, target: { kind: string; name?: string }) =>
  object.kind === target.kind && (!target.name || object.metadata.name === target.name);

/**
 * The subset of kustomize these overlays use: namespace, images, secretGenerator (from the
 * committed *.example files; the real ones are git-ignored) and JSON 6902 patches with a target.
 * The name hash kustomize appends to generated Secrets (and to their references) is left out.
 */
function render(dir: string): KubeObject[] {
  const kustomization = readKustomization(dir);
  const objects = resources(dir).map((object) => structuredClone(object));
  for (const generator of kustomization.secretGenerator ?? []) {
    const data = Object.assign({}, ...(generator.envs ?? []).map((file) => readEnvFile(path.join(dir, `${file}.example`))));
    objects.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: generator.name }, data: encodeValues(data) });
  }
  for (const { target, patch } of kustomization.patches ?? []) {
    if (!patch) throw new Error('only inline JSON 6902 patches are rendered here');
    const operations = parse(patch) as { op: string; path: string; value: unknown }[];
    const targets = objects.filter((object) => matches(object, target));
    if (!targets.length) throw new Error(`patch target ${target.kind}/${target.name ?? '*'} matches nothing`);
    for (const object of targets) for (const { op, path: at, value } of operations) setPointer(object, at, value, op);
  }
  for (const object of objects) {
    if (kustomization.namespace && object.kind !== 'Namespace') object.metadata.namespace = kustomization.namespace;
    if (object.kind !== 'Deployment') continue;
    const pod = (object.spec as unknown as DeploymentSpec).template.spec;
    for (const container of [...pod.containers, ...(pod.initContainers ?? [])]) {
      const image = kustomization.images?.find((entry) => entry.name === container.image);
      if (image) container.image = `${image.newName ?? image.name}:${image.newTag ?? 'latest'}`;
    }
  }
  return objects;
}

const encodeValues = (data: Record<string, string>) =>
  Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Buffer.from(value).toString('base64')]));

const base = render(BASE_DIR);
const find = (objects: KubeObject[], kind: string, name: string): KubeObject => {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (!found) throw new Error(`no ${kind} named ${name}`);
  return found;
};
const deploymentSpec = (objects: KubeObject[], name: string) =>
  find(objects, 'Deployment', name).spec as unknown as DeploymentSpec;
const mainContainer = (objects: KubeObject[], name: string): Container => {
  const container = deploymentSpec(objects, name).template.spec.containers.find((c) => c.name === name);
  if (!container) throw new Error(`Deployment ${name} has no container named ${name}`);
  return container;
};

/**
 * A container's environment as the kubelet builds it: envFrom ConfigMaps, then env entries;
 * Secret references get values of the real shape (their keys are what matters here).
 */
function containerEnv(objects: KubeObject[], container: Container): { env: Record<string, string>; secretKeys: string[] } {
  const env: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const source of container.envFrom ?? []) {
    if (source.secretRef) throw new Error(`${container.name}: whole Secrets are not imported; reference each key`);
    Object.assign(env, find(objects, 'ConfigMap', source.configMapRef!.name).data);
  }
  for (const variable of container.env ?? []) {
    const { secretKeyRef, configMapKeyRef } = variable.valueFrom ?? {};
    if (secretKeyRef) {
      expect(secretKeyRef.key).toBe(variable.name);
      secretKeys.push(variable.name);
      env[variable.name] = placeholderSecret(variable.name);
    } else if (configMapKeyRef) {
      const value = find(objects, 'ConfigMap', configMapKeyRef.name).data?.[configMapKeyRef.key];
      if (value === undefined) throw new Error(`${container.name}: ${variable.name} names a missing ConfigMap key`);
      env[variable.name] = value;
    } else {
      env[variable.name] = variable.value ?? '';
    }
  }
  return { env, secretKeys };
}

/** Every URL of another service in `env` must name a Service of the manifests, on its port. */
function expectServiceUrlsResolve(objects: KubeObject[], env: Record<string, string>): void {
  for (const value of Object.values(env)) {
    const url = /^https?:\/\/([a-z0-9-]+):(\d+)\//.exec(value);
    if (!url) continue;
    const service = find(objects, 'Service', url[1]!).spec as unknown as ServiceSpec;
    expect(service.ports.map((port) => port.port)).toContain(Number(url[2]));
  }
}

/** The secrets each service may hold: access-token keys only where tokens are signed (the gateway fetches public ones). */
function expectedSecrets(name: ServiceName): string[] {
  const own = isSubgraphName(name) ? [`${name.toUpperCase()}_DATABASE_URL`] : [];
  const keys = name === 'user' ? ['ACCESS_TOKEN_SIGNING_KEY', 'ACCESS_TOKEN_PREVIOUS_KEYS'] : [];
  return [...keys, 'INTERNAL_SECRET', 'REDIS_URL', ...own].sort();
}

/** The checks that must hold for the base and for every rendered overlay. */
function expectServicesAgreeWithCode(objects: KubeObject[]): void {
  for (const name of SERVICES) {
    const container = mainContainer(objects, name);
    const http = container.ports?.find((port) => port.name === 'http');
    expect(http?.containerPort).toBe(DEFAULT_PORTS[name]);
    const { env, secretKeys } = containerEnv(objects, container);
    expect(secretKeys.sort()).toEqual(expectedSecrets(name));
    expect(env.NODE_ENV).toBe('production');
    const { config, unread } = readServiceEnv(name, env);
    expect({ name, unread }).toEqual({ name, unread: [] });
    expect(config.port).toBe(http?.containerPort);
    // The code listens on 127.0.0.1 unless told otherwise; in a pod it must take every interface.
    expect(config.host).toBe('0.0.0.0');
    expect(config.production).toBe(true);
    expectServiceUrlsResolve(objects, env);
    if (isSubgraphName(name)) expect((config as unknown as { migrateOnStart: boolean }).migrateOnStart).toBe(false);
  }
}

/** The services `name` calls: those whose Service a URL in its environment names (*_SUBGRAPH_URL). */
function calledServices(objects: KubeObject[], name: ServiceName): ServiceName[] {
  const { env } = containerEnv(objects, mainContainer(objects, name));
  const { unread } = readServiceEnv(name, env);
  expect(unread).toEqual([]);
  const called = new Set<ServiceName>();
  for (const value of Object.values(env)) {
    const host = /^https?:\/\/([a-z0-9-]+):\d+\//.exec(value)?.[1];
    if (!host) continue;
    const selector = (find(objects, 'Service', host).spec as unknown as ServiceSpec).selector;
    called.add(SERVICES.find((service) => matchesLabels(deploymentSpec(objects, service).template.metadata.labels, selector))!);
  }
  return [...called].sort();
}

const matchesLabels = (labels: Record<string, string>, selector: Record<string, string>) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

const networkPolicies = (objects: KubeObject[]): NetworkPolicy[] =>
  objects
    .filter((object) => object.kind === 'NetworkPolicy')
    .map((object) => ({ metadata: object.metadata, spec: object.spec as unknown as NetworkPolicySpec }));

/** A service's pods, as the policies see them: namespace, labels, named ports. */
function servicePod(objects: KubeObject[], name: ServiceName): Endpoint {
  const deployment = find(objects, 'Deployment', name);
  const ports = Object.fromEntries((mainContainer(objects, name).ports ?? []).map((port) => [port.name, port.containerPort]));
  return {
    kind: 'pod',
    namespace: deployment.metadata.namespace ?? DEFAULT_NAMESPACE,
    labels: deploymentSpec(objects, name).template.metadata.labels,
    ports,
  };
}

/** Pods and addresses that are none of the services, each with what it stands for. */
function strangers(namespace: string) {
  return {
    // Any other pod of the namespace: a debugging shell, a job, a compromised sidecar.
    neighbour: { kind: 'pod', namespace, labels: { app: 'debug' } },
    elsewhere: { kind: 'pod', namespace: 'tenant-b', labels: { 'app.kubernetes.io/name': 'gateway' } },
    monitoring: { kind: 'pod', namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus' } },
    dns: { kind: 'pod', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
    outside: { kind: 'external' },
  } satisfies Record<string, Endpoint>;
}

/** Another port of a pod than its http port: nothing listens there, and nothing may connect. */
const OTHER_PORT = 9229;
const POSTGRESQL_PORT = 5432;
const REDIS_PORT = 6379;

/**
 * Who may reach whom, from the code: a subgraph admits the gateway, the services whose
 * configuration names it in a URL, and Prometheus, on its http port only; the gateway admits
 * anyone on its port; each service sends only to the services it calls, DNS, Redis and (subgraphs)
 * PostgreSQL.
 */
function expectPoliciesAgreeWithCode(objects: KubeObject[]): void {
  const policies = networkPolicies(objects);
  const namespace = find(objects, 'Deployment', 'gateway').metadata.namespace ?? DEFAULT_NAMESPACE;
  const other = strangers(namespace);
  // Any other pod of the namespace gets nothing in and nothing out: the default.
  expect({
    neighbour: [
      admitsIngress(policies, other.neighbour, other.outside, OTHER_PORT),
      admitsEgress(policies, other.neighbour, other.outside, 443),
    ],
  }).toEqual({ neighbour: [false, false] });
  const calls = Object.fromEntries(SERVICES.map((name) => [name, calledServices(objects, name)])) as Record<
    ServiceName,
    ServiceName[]
  >;
  for (const target of SERVICES) {
    const pod = servicePod(objects, target);
    const port = DEFAULT_PORTS[target];
    const callers = SERVICES.filter((source) => calls[source].includes(target));
    const admitted = Object.fromEntries(
      [
        ...SERVICES.filter((source) => source !== target).map((source) => [source, servicePod(objects, source)] as const),
        ...Object.entries(other),
      ].map(([source, endpoint]) => [source, admitsIngress(policies, pod, endpoint, port)]),
    );
    const expected = Object.fromEntries(
      Object.keys(admitted).map((source) => [
        source,
        target === 'gateway' || callers.includes(source as ServiceName) || source === 'monitoring',
      ]),
    );
    expect({ target, admitted }).toEqual({ target, admitted: expected });
    expect({ target, otherPort: admitsIngress(policies, pod, other.monitoring, OTHER_PORT) }).toEqual({
      target,
      otherPort: false,
    });

    const sent = Object.fromEntries(
      SERVICES.filter((destination) => destination !== target).map((destination) => [
        destination,
        admitsEgress(policies, pod, servicePod(objects, destination), DEFAULT_PORTS[destination]),
      ]),
    );
    const mayCall = Object.fromEntries(
      Object.keys(sent).map((destination) => [destination, calls[target].includes(destination as ServiceName)]),
    );
    expect({ source: target, sent }).toEqual({ source: target, sent: mayCall });
    expect({
      source: target,
      dns: [admitsEgress(policies, pod, other.dns, 53, 'UDP'), admitsEgress(policies, pod, other.dns, 53, 'TCP')],
      redis: admitsEgress(policies, pod, other.outside, REDIS_PORT),
      postgresql: admitsEgress(policies, pod, other.outside, POSTGRESQL_PORT),
      web: admitsEgress(policies, pod, other.outside, 443),
      neighbour: admitsEgress(policies, pod, other.neighbour, OTHER_PORT),
    }).toEqual({
      source: target,
      dns: [true, true],
      redis: true,
      postgresql: isSubgraphName(target),
      web: false,
      neighbour: false,
    });
  }
}

describe('Kubernetes manifests (deploy/kubernetes)', () => {
  it('should validate every base object against the Kubernetes API schemas', () => {
    expect(base.length).toBeGreaterThanOrEqual(SERVICES.length * 4);
    for (const object of base) expect(() => validate(object)).not.toThrow();
  });

  it('should reject a malformed object (the validator is not a no-op)', () => {
    const broken = structuredClone(find(base, 'Deployment', 'user'));
    (broken.spec as unknown as DeploymentSpec).template.spec.containers[0]!.ports![0]!.containerPort = '4001' as never;
    expect(() => validate(broken)).toThrow(/containerPort must be integer/);
    expect(() => validate({ ...find(base, 'Service', 'user'), spec: { ports: [{ port: 'http' }] } })).toThrow(/port/);
    const policy = find(base, 'NetworkPolicy', 'user');
    expect(() => validate({ ...policy, spec: { ...policy.spec, podSelector: undefined } })).toThrow(/podSelector/);
  });

  it.each(SERVICES)(
    'should give %s a Deployment, Service, HorizontalPodAutoscaler and PodDisruptionBudget that select its pods',
    (name) => {
      const deployment = deploymentSpec(base, name);
      const podLabels = deployment.template.metadata.labels;
      expect(podLabels).toMatchObject(deployment.selector.matchLabels);
      // The autoscaler owns the replica count; a fixed one would fight it on every apply.
      expect(deployment.replicas).toBeUndefined();

      const service = find(base, 'Service', name).spec as unknown as ServiceSpec;
      expect(podLabels).toMatchObject(service.selector);
      expect(service.ports).toEqual([expect.objectContaining({ port: DEFAULT_PORTS[name], targetPort: 'http' })]);

      const autoscaler = find(base, 'HorizontalPodAutoscaler', name);
      expect(autoscaler.apiVersion).toBe('autoscaling/v2');
      expect(autoscaler.spec).toMatchObject({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name } });

      const budget = find(base, 'PodDisruptionBudget', name);
      expect(budget.apiVersion).toBe('policy/v1');
      expect(budget.spec).toMatchObject({ selector: { matchLabels: deployment.selector.matchLabels } });
      // Other services' pods are never selected: selectors are unique per service.
      for (const other of SERVICES.filter((candidate) => candidate !== name)) {
        expect(deploymentSpec(base, other).template.metadata.labels).not.toMatchObject(service.selector);
      }
    },
  );

  it.each(SERVICES)('should probe %s on its named port: /health for liveness and start-up, /ready for readiness', (name) => {
    const container = mainContainer(base, name);
    expect(container.startupProbe?.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(container.livenessProbe?.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(container.readinessProbe?.httpGet).toEqual({ path: '/ready', port: 'http' });
  });

  it('should probe paths the services serve: liveness answers while draining, readiness only while serving', async () => {
    const probes = mainContainer(base, 'user');
    const liveness = probes.livenessProbe!.httpGet!.path;
    const readiness = probes.readinessProbe!.httpGet!.path;
    let databaseUp = true;
    const service = createHttpService({
      logger: createLogger('probe-test', 'silent'),
      metrics: createMetrics('probe-test'),
      bodyLimitBytes: 100_000,
      checkReady: async () => {
        if (!databaseUp) throw new Error('database down');
      },
    });
    await service.listen(0, '127.0.0.1');
    const status = async (probePath: string) =>
      (await fetch(`http://127.0.0.1:${(service.httpServer.address() as AddressInfo).port}${probePath}`)).status;
    try {
      expect([await status(liveness), await status(readiness)]).toEqual([200, 503]); // starting
      service.lifecycle.enter('serving');
      expect([await status(liveness), await status(readiness)]).toEqual([200, 200]);
      databaseUp = false;
      expect([await status(liveness), await status(readiness)]).toEqual([200, 503]);
      databaseUp = true;
      service.lifecycle.enter('draining');
      expect([await status(liveness), await status(readiness)]).toEqual([200, 503]);
    } finally {
      await new Promise((resolve) => service.httpServer.close(resolve));
    }
  });

  it('should give every service exactly the environment its code reads, in production, on the declared port', () => {
    expectServicesAgreeWithCode(base);
  });

  it('should deny every pod of the namespace all traffic by default, and give each workload one policy of its own', () => {
    const policies = networkPolicies(base);
    expect(policies.map((policy) => policy.metadata.name).sort()).toEqual(['default-deny', ...SERVICES].sort());
    expect(find(base, 'NetworkPolicy', 'default-deny').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    for (const name of SERVICES) {
      const labels = deploymentSpec(base, name).template.metadata.labels;
      const own = policies.filter(
        (policy) => policy.metadata.name !== 'default-deny' && matchesLabels(labels, policy.spec.podSelector.matchLabels ?? {}),
      );
      expect(own.map((policy) => policy.metadata.name)).toEqual([name]);
    }
  });

  it('should let into each service only who calls it, per the URLs in their configuration, and let out only what it needs', () => {
    expect(calledServices(base, 'gateway')).toEqual([...SUBGRAPHS].sort());
    expect(calledServices(base, 'order')).toEqual(['product', 'user']);
    expect(calledServices(base, 'payment')).toEqual(['order']);
    expectPoliciesAgreeWithCode(base);
  });

  it('should notice a policy that lets anyone else in or out (the check is not a no-op)', () => {
    const widen = (name: string, change: (spec: NetworkPolicySpec) => void): KubeObject[] => {
      const objects = structuredClone(base);
      change(find(objects, 'NetworkPolicy', name).spec as unknown as NetworkPolicySpec);
      return objects;
    };
    const payment = {
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'payment', 'app.kubernetes.io/part-of': 'federation-shop' } },
    };
    // payment does not call user: neither user's ingress nor payment's egress may allow it.
    expect(() => expectPoliciesAgreeWithCode(widen('user', (spec) => spec.ingress![0]!.from!.push(payment)))).toThrow();
    expect(() =>
      expectPoliciesAgreeWithCode(
        widen('payment', (spec) =>
          spec.egress!.push({ to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'user' } } }] }),
        ),
      ),
    ).toThrow();
    // A rule without `from` admits every pod of the cluster; a rule without ports, every port.
    expect(() =>
      expectPoliciesAgreeWithCode(widen('product', (spec) => spec.ingress!.push({ ports: [{ port: 'http' }] }))),
    ).toThrow();
    expect(() => expectPoliciesAgreeWithCode(widen('order', (spec) => delete spec.ingress![0]!.ports))).toThrow();
    expect(() => expectPoliciesAgreeWithCode(widen('default-deny', (spec) => (spec.policyTypes = ['Ingress'])))).toThrow();
  });

  it.each([...SUBGRAPHS])('should migrate the %s database in an init container holding only its database URL', (name) => {
    const pod = deploymentSpec(base, name).template.spec;
    expect(pod.initContainers).toHaveLength(1);
    const migrate = pod.initContainers![0]!;
    expect(migrate.image).toBe(mainContainer(base, name).image);
    expect(migrate.args).toEqual(['migrate', name]);
    const { env, secretKeys } = containerEnv(base, migrate);
    expect(secretKeys).toEqual([`${name.toUpperCase()}_DATABASE_URL`]);
    expect(env.NODE_ENV).toBe('production');
    const { config, unread } = readWith(env, (reader) => readMigrationTargets(reader, [name]));
    expect(unread).toEqual([]);
    expect(config).toEqual([[name, env[`${name.toUpperCase()}_DATABASE_URL`]]]);
  });

  it.each(SERVICES)('should run %s unprivileged, read-only, with requests and limits', (name) => {
    const pod = deploymentSpec(base, name).template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    for (const container of [...pod.containers, ...(pod.initContainers ?? [])]) {
      expect(container.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
      for (const kind of ['requests', 'limits'] as const) {
        expect(Object.keys(container.resources?.[kind] ?? {}).sort()).toEqual(['cpu', 'memory']);
      }
    }
  });

  it.each(SERVICES)('should let %s finish its graceful stop before the kubelet kills it', (name) => {
    const pod = deploymentSpec(base, name).template.spec;
    const { env } = containerEnv(base, mainContainer(base, name));
    const { config } = readServiceEnv(name, env);
    expect(config.shutdown.delayMs).toBe(5_000);
    expect(config.shutdown.delayMs).toBeLessThan(config.shutdown.timeoutMs);
    expect(pod.terminationGracePeriodSeconds! * 1000).toBeGreaterThan(config.shutdown.timeoutMs);
  });

  describe.each(OVERLAYS)('overlay %s', (overlay) => {
    const dir = path.join(KUBERNETES_DIR, 'overlays', overlay);
    const kustomization = readKustomization(dir);

    it('should name only files that exist, and commit an example of every git-ignored secret file', () => {
      for (const entry of kustomization.resources ?? []) expect(existsSync(path.join(dir, entry))).toBe(true);
      const gitignore = readFileSync(path.join(ROOT_DIR, '.gitignore'), 'utf8');
      expect(gitignore).toContain('deploy/kubernetes/overlays/*/secrets/*.env');
      const generated = kustomization.secretGenerator ?? [];
      expect(generated.map((generator) => generator.name).sort()).toEqual(
        ['shop-internal', 'shop-jwt', 'shop-redis', ...SUBGRAPHS.map((name) => `shop-${name}-database`)].sort(),
      );
      for (const file of generated.flatMap((generator) => generator.envs ?? [])) {
        expect(file).toMatch(/^secrets\/[\w-]+\.env$/);
        expect(existsSync(path.join(dir, `${file}.example`))).toBe(true);
      }
    });

    it('should patch only objects the base has', () => {
      for (const { target } of kustomization.patches ?? []) {
        expect(base.some((object) => matches(object, target))).toBe(true);
      }
    });

    it('should render to valid objects that still agree with the code, in its namespace, on its image', () => {
      const rendered = render(dir);
      for (const object of rendered) expect(() => validate(object)).not.toThrow();
      const namespace = kustomization.namespace!;
      expect(find(rendered, 'Namespace', namespace)).toBeDefined();
      for (const object of rendered.filter((candidate) => candidate.kind !== 'Namespace')) {
        expect(object.metadata.namespace).toBe(namespace);
      }
      const image = kustomization.images!.find((entry) => entry.name === IMAGE)!;
      for (const name of SERVICES) {
        const pod = deploymentSpec(rendered, name).template.spec;
        for (const container of [...pod.containers, ...(pod.initContainers ?? [])]) {
          expect(container.image).toBe(`${image.newName}:${image.newTag}`);
        }
        // Every Secret key a container references is one its generator's example file provides.
        for (const container of [...pod.containers, ...(pod.initContainers ?? [])]) {
          for (const variable of container.env ?? []) {
            const ref = variable.valueFrom?.secretKeyRef;
            if (ref) expect(Object.keys(find(rendered, 'Secret', ref.name).data ?? {})).toContain(ref.key);
          }
        }
      }
      expectServicesAgreeWithCode(rendered);
      expectPoliciesAgreeWithCode(rendered);
    });
  });
});
