// NetworkPolicy semantics (networking.k8s.io/v1), evaluated the way a network plugin enforces
// them, so that the manifests' policies can be checked as "who can reach whom" instead of as YAML:
//
// - A pod is isolated for ingress (egress) once any policy of its namespace selects it with
//   Ingress (Egress) among its policyTypes; an isolated pod admits only what some selecting
//   policy's rules allow, and a connection needs both the source's egress and the target's ingress.
// - A peer with only a podSelector means pods of the policy's own namespace; with only a
//   namespaceSelector, every pod of the matching namespaces; with both, pods matching both.
//   A rule without `from`/`to` matches every peer, without `ports` every port.
// - A named port is the destination pod's container port of that name.
//
// Only what the manifests use is evaluated (matchLabels, named and numbered ports); ipBlock and
// matchExpressions are refused, so that a policy using them cannot pass by being misread.

type Labels = Record<string, string>;

export interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: unknown[];
}

interface PolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: unknown;
}

interface PolicyPort {
  port?: number | string;
  endPort?: number;
  protocol?: string;
}

interface PolicyRule {
  from?: PolicyPeer[];
  to?: PolicyPeer[];
  ports?: PolicyPort[];
}

export interface NetworkPolicySpec {
  podSelector: LabelSelector;
  policyTypes?: ('Ingress' | 'Egress')[];
  ingress?: PolicyRule[];
  egress?: PolicyRule[];
}

export interface NetworkPolicy {
  metadata: { name: string; namespace?: string };
  spec: NetworkPolicySpec;
}

/** One end of a connection: a pod in a namespace, or an address outside the cluster. */
export type Endpoint =
  | { kind: 'pod'; namespace: string; namespaceLabels?: Labels; labels: Labels; ports?: Record<string, number> }
  | { kind: 'external' };

export type Protocol = 'TCP' | 'UDP';

/** The namespace a base without an overlay's `namespace:` is applied to. */
export const DEFAULT_NAMESPACE = 'default';

function matchesSelector(selector: LabelSelector, labels: Labels): boolean {
  if (selector.matchExpressions?.length) throw new Error('matchExpressions are not evaluated here');
  return Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
}

/** Every namespace carries its name as a label (Kubernetes 1.21 and later). */
function namespaceLabels(endpoint: Extract<Endpoint, { kind: 'pod' }>): Labels {
  return { ...endpoint.namespaceLabels, 'kubernetes.io/metadata.name': endpoint.namespace };
}

function matchesPeer(peer: PolicyPeer, policyNamespace: string, endpoint: Endpoint): boolean {
  if (peer.ipBlock) throw new Error('ipBlock peers are not evaluated here');
  if (endpoint.kind === 'external') return false;
  if (peer.namespaceSelector) {
    if (!matchesSelector(peer.namespaceSelector, namespaceLabels(endpoint))) return false;
  } else if (endpoint.namespace !== policyNamespace) {
    return false;
  }
  return !peer.podSelector || matchesSelector(peer.podSelector, endpoint.labels);
}

function matchesPort(ports: PolicyPort[] | undefined, destination: Endpoint, port: number, protocol: Protocol): boolean {
  if (!ports?.length) return true;
  return ports.some((entry) => {
    if ((entry.protocol ?? 'TCP') !== protocol) return false;
    if (entry.port === undefined) return true;
    if (typeof entry.port === 'string') {
      return destination.kind === 'pod' && destination.ports?.[entry.port] === port;
    }
    return entry.endPort === undefined ? entry.port === port : entry.port <= port && port <= entry.endPort;
  });
}

function policyNamespace(policy: NetworkPolicy): string {
  return policy.metadata.namespace ?? DEFAULT_NAMESPACE;
}

function policyTypes(spec: NetworkPolicySpec): string[] {
  return spec.policyTypes ?? ['Ingress', ...(spec.egress ? ['Egress'] : [])];
}

/** Whether the policies let `direction` traffic of `pod` with `peer` on `port` through. */
function admits(
  policies: NetworkPolicy[],
  direction: 'Ingress' | 'Egress',
  pod: Endpoint,
  peer: Endpoint,
  destination: Endpoint,
  port: number,
  protocol: Protocol,
): boolean {
  // Policies hold only for pods of the cluster; what lies outside it is not policed here.
  if (pod.kind === 'external') return true;
  const selecting = policies.filter(
    (policy) =>
      policyNamespace(policy) === pod.namespace &&
      matchesSelector(policy.spec.podSelector, pod.labels) &&
      policyTypes(policy.spec).includes(direction),
  );
  if (!selecting.length) return true;
  return selecting.some((policy) =>
    (direction === 'Ingress' ? policy.spec.ingress : policy.spec.egress)?.some((rule) => {
      const peers = direction === 'Ingress' ? rule.from : rule.to;
      const peerMatches = !peers?.length || peers.some((candidate) => matchesPeer(candidate, policyNamespace(policy), peer));
      return peerMatches && matchesPort(rule.ports, destination, port, protocol);
    }),
  );
}

/** Whether `target`'s ingress policies admit a connection from `source` on `port`. */
export function admitsIngress(
  policies: NetworkPolicy[],
  target: Endpoint,
  source: Endpoint,
  port: number,
  protocol: Protocol = 'TCP',
): boolean {
  return admits(policies, 'Ingress', target, source, target, port, protocol);
}

/** Whether `source`'s egress policies let it open a connection to `destination` on `port`. */
export function admitsEgress(
  policies: NetworkPolicy[],
  source: Endpoint,
  destination: Endpoint,
  port: number,
  protocol: Protocol = 'TCP',
): boolean {
  return admits(policies, 'Egress', source, destination, destination, port, protocol);
}

/** Whether `source` may open a connection to `target` on `port`: its egress and the target's ingress. */
export function mayConnect(
  policies: NetworkPolicy[],
  source: Endpoint,
  target: Endpoint,
  port: number,
  protocol: Protocol = 'TCP',
): boolean {
  return admitsEgress(policies, source, target, port, protocol) && admitsIngress(policies, target, source, port, protocol);
}
