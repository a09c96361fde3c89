// Every environment variable a deployment manifest sets, with the file that sets it: compose's
// `environment` of the services built from this repository, the Dockerfile's ENV instructions,
// and in deploy/kubernetes/ each container's env entries, ConfigMap and Secret keys, the keys
// kustomize patches into them and the keys of the env files its secretGenerators read.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

export interface Setting {
  /** Relative to the project root. */
  file: string;
  name: string;
}

type Yaml = Record<string, unknown>;
const isObject = (value: unknown): value is Yaml => typeof value === 'object' && value !== null && !Array.isArray(value);
const objects = (value: unknown): Yaml[] => (Array.isArray(value) ? value.filter(isObject) : []);

/** A compose `environment`: a map, or a list of `NAME=value` / `NAME`. */
function environmentNames(environment: unknown): string[] {
  if (Array.isArray(environment)) return environment.map((entry) => String(entry).split('=')[0]!);
  return isObject(environment) ? Object.keys(environment) : [];
}

/** The services compose builds from this repository (others, like postgres, are images with variables of their own). */
export function composeSettings(file: string, text: string): Setting[] {
  const { services = {} } = parse(text, { merge: true }) as { services?: Record<string, Yaml> };
  return Object.values(services)
    .filter((service) => service.build !== undefined)
    .flatMap((service) => environmentNames(service.environment).map((name) => ({ file, name })));
}

/** `ENV A=1 B=2` (continued over lines with `\`) and the older `ENV A 1`. */
export function dockerfileSettings(file: string, text: string): Setting[] {
  const instructions = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .filter((line) => /^\s*ENV\s/i.test(line));
  return instructions.flatMap((line) => {
    const rest = line.replace(/^\s*ENV\s+/i, '');
    const pairs = [...rest.matchAll(/([A-Za-z_]\w*)=/g)].map((match) => match[1]!);
    return (pairs.length ? pairs : [rest.split(/\s+/)[0]!]).map((name) => ({ file, name }));
  });
}

/** Container env entries, ConfigMap and Secret keys, in every object of a Kubernetes YAML file. */
export function kubernetesSettings(file: string, text: string): Setting[] {
  const settings: Setting[] = [];
  for (const document of parseAllDocuments(text)) {
    const object = document.toJS() as unknown;
    if (!isObject(object)) continue;
    if (object.kind === 'ConfigMap' || object.kind === 'Secret') {
      for (const field of ['data', 'stringData']) {
        if (isObject(object[field])) settings.push(...Object.keys(object[field]).map((name) => ({ file, name })));
      }
    }
    const spec = isObject(object.spec) && isObject(object.spec.template) ? object.spec.template.spec : undefined;
    if (isObject(spec)) {
      for (const container of [...objects(spec.initContainers), ...objects(spec.containers)]) {
        settings.push(...objects(container.env).map((entry) => ({ file, name: String(entry.name) })));
      }
    }
    if (object.kind === 'Kustomization') settings.push(...kustomizationSettings(file, object));
  }
  return settings;
}

/** Keys a kustomization adds to ConfigMaps or Secrets: JSON patches of `/data/<KEY>`, and generator literals. */
function kustomizationSettings(file: string, kustomization: Yaml): Setting[] {
  const settings: Setting[] = [];
  for (const patch of objects(kustomization.patches)) {
    const target = isObject(patch.target) ? patch.target : {};
    if (target.kind !== 'ConfigMap' && target.kind !== 'Secret') continue;
    const operations = typeof patch.patch === 'string' ? (parse(patch.patch) as unknown) : [];
    for (const operation of objects(operations)) {
      const key = /^\/(?:data|stringData)\/(.+)$/.exec(String(operation.path))?.[1];
      if (key) settings.push({ file, name: key });
    }
  }
  for (const generator of [...objects(kustomization.configMapGenerator), ...objects(kustomization.secretGenerator)]) {
    const literals = Array.isArray(generator.literals) ? generator.literals : [];
    settings.push(...literals.map((literal) => ({ file, name: String(literal).split('=')[0]! })));
  }
  return settings;
}

/** The names an env file (`NAME=value` lines, `#` comments) sets. */
export function envFileSettings(file: string, text: string): Setting[] {
  return text
    .split(/\r?\n/)
    .map((line) => /^\s*(?:export\s+)?([A-Za-z_]\w*)\s*=/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined)
    .map((name) => ({ file, name }));
}

function filesBelow(root: string, dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    return entry.isDirectory() ? filesBelow(root, relative) : [relative];
  });
}

/** Every variable every manifest of the project at `root` sets. */
export function manifestSettings(root: string): Setting[] {
  const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
  const settings = [
    ...composeSettings('docker-compose.yml', read('docker-compose.yml')),
    ...dockerfileSettings('Dockerfile', read('Dockerfile')),
  ];
  for (const file of filesBelow(root, 'deploy/kubernetes')) {
    if (/\.ya?ml$/.test(file)) settings.push(...kubernetesSettings(file, read(file)));
    // What secretGenerators read: the committed examples of the git-ignored env files.
    else if (/\.env(\.example)?$/.test(file)) settings.push(...envFileSettings(file, read(file)));
  }
  return settings;
}
