// `npm run config:docs`: writes the variable tables of docs/configuration.md (between its markers;
// the prose around them is hand-written) and .env.example from the registry, shared/variables.ts.
// test/deployment-config.test.ts fails when either file differs from what this would write.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT_DIR } from '../shared/paths';
import { SUBGRAPHS } from '../shared/services';
import { describeProtocols, isTagged, type Owner, type Variable } from '../shared/variable-kinds';
import { PASS_THROUGH, SECTIONS } from '../shared/variables';

export const CONFIGURATION_DOC = 'docs/configuration.md';
export const ENV_EXAMPLE = '.env.example';
export const TABLE_START = '<!-- variables: generated from shared/variables.ts by `npm run config:docs`; edit there -->';
export const TABLE_END = '<!-- end of generated variables -->';

const SERVICES: readonly Owner[] = ['gateway', ...SUBGRAPHS];

/** "every service", "subgraphs", or the owners one by one. */
function describeOwners(owners: readonly Owner[]): string {
  const covers = (group: readonly Owner[]) => group.every((owner) => owners.includes(owner));
  const group = covers(SERVICES) ? SERVICES : covers(SUBGRAPHS) ? SUBGRAPHS : [];
  const named = group === SERVICES ? ['every service'] : group === SUBGRAPHS ? ['subgraphs'] : [];
  const rest = owners.filter((owner) => !group.includes(owner));
  return [
    ...named,
    ...rest.map((owner) => (owner === 'npm start' ? '`npm start`' : owner === 'db scripts' ? '`db:*` scripts' : owner)),
  ].join(', ');
}

function describeAccepts(variable: Variable): string {
  if (variable.accepts) return variable.accepts;
  switch (variable.kind) {
    case 'string':
      return variable.pattern ? variable.pattern.rule : 'text';
    case 'secret':
      return 'text';
    case 'int': {
      const { min, max } = variable;
      if (min !== undefined && max !== undefined) return `integer ${min}–${max}`;
      if (min !== undefined) return `integer ≥ ${min}`;
      return max !== undefined ? `integer ≤ ${max}` : 'integer';
    }
    case 'url':
      return `${describeProtocols(variable.protocols)} URL`;
    case 'oneOf':
      return variable.choices.map((choice) => `\`${choice}\``).join(', ');
    case 'list':
      return 'comma-separated values';
  }
}

function code(value: unknown): string {
  if (Array.isArray(value)) return value.length ? code(value.join(',')) : 'none';
  return value === '' ? 'empty' : `\`${String(value)}\``;
}

function describeDefault(variable: Variable): string {
  if (variable.shownDefault) return variable.shownDefault;
  const value = variable.default;
  if (!isTagged<unknown>(value)) return code(value);
  switch (value.kind) {
    case 'per-environment': {
      const production = typeof value.production === 'symbol' ? 'required' : code(value.production);
      return `${code(value.development)}; production: ${production}`;
    }
    case 'per-service':
      return Object.entries(value.values)
        .map(([service, serviceDefault]) => `${code(serviceDefault)} ${service}`)
        .join(', ');
    case 'derived':
      return value.description;
  }
}

/** What a value should be in .env.example: the development default, unless it is not one to copy. */
function exampleValue(variable: Variable): string {
  if (variable.shownDefault) return '';
  const value = variable.default;
  if (!isTagged<unknown>(value)) return String(value);
  switch (value.kind) {
    case 'per-environment':
      return String(value.development);
    // `npm start` reads PORT as the gateway's.
    case 'per-service':
      return String(value.values.gateway);
    case 'derived':
      return '';
  }
}

const cell = (text: string) => text.replaceAll('|', '\\|');

/** The tables, one per section of the registry, and the variables passed through. */
export function renderTables(): string {
  const sections = SECTIONS.map(({ title, variables }) => {
    const rows = Object.entries(variables as Record<string, Variable>).map(([name, variable]) =>
      [`\`${name}\``, describeOwners(variable.owners), describeAccepts(variable), describeDefault(variable), variable.doc]
        .map(cell)
        .join(' | '),
    );
    return [
      `### ${title}`,
      '',
      '| Variable | Used by | Accepts | Default | What it does |',
      '| --- | --- | --- | --- | --- |',
      ...rows.map((row) => `| ${row} |`),
    ].join('\n');
  });
  const passThrough = PASS_THROUGH.map(({ shown, readBy }) => `\`${shown}\` (${readBy})`).join(', ');
  return [...sections, `Deployments may also set variables that no code of ours reads, for whoever does: ${passThrough}.`].join(
    '\n\n',
  );
}

/** `markdown` with the text between its markers replaced by the tables. */
export function spliceTables(markdown: string, tables: string): string {
  const start = markdown.indexOf(TABLE_START);
  const end = markdown.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`${CONFIGURATION_DOC} lacks the markers ${TABLE_START} ... ${TABLE_END}`);
  return `${markdown.slice(0, start + TABLE_START.length)}\n\n${tables}\n\n${markdown.slice(end)}`;
}

/** Comment lines of at most `width` characters. */
function comment(text: string, width = 100): string[] {
  const lines: string[] = [];
  let line = '#';
  for (const word of text.split(' ')) {
    if (line.length + 1 + word.length > width && line !== '#') {
      lines.push(line);
      line = '#';
    }
    line += ` ${word}`;
  }
  return [...lines, line];
}

export function renderEnvExample(): string {
  const header = [
    ...comment(
      'Every variable of the services, `npm start` and the `db:*` scripts, with its development default: ' +
        'docs/configuration.md says more. `npm start` reads a .env at the project root, so copy this file ' +
        'to .env and uncomment what you change; what the environment sets wins over the file.',
    ),
    '# Generated from shared/variables.ts by `npm run config:docs`: edit there, not here.',
  ];
  const sections = SECTIONS.map(({ title, variables }) => [
    `# --- ${title.replaceAll('`', '')}`,
    ...Object.entries(variables as Record<string, Variable>).flatMap(([name, variable]) => [
      '',
      ...comment(`${name} (${describeOwners(variable.owners)}): ${variable.doc}. Default: ${describeDefault(variable)}.`),
      `#${name}=${exampleValue(variable)}`,
    ]),
  ]);
  return [header, ...sections].map((lines) => lines.join('\n')).join('\n\n') + '\n';
}

/** Each generated file, relative to the project root, with the content it should have now. */
export function generatedFiles(root = ROOT_DIR): { file: string; content: string }[] {
  const markdown = readFileSync(path.join(root, CONFIGURATION_DOC), 'utf8');
  return [
    { file: CONFIGURATION_DOC, content: spliceTables(markdown, renderTables()) },
    { file: ENV_EXAMPLE, content: renderEnvExample() },
  ];
}

if (require.main === module) {
  for (const { file, content } of generatedFiles()) {
    const target = path.join(ROOT_DIR, file);
    let current: string | undefined;
    try {
      current = readFileSync(target, 'utf8');
    } catch {
      current = undefined;
    }
    if (current === content) {
      console.log(`${file}: up to date`);
    } else {
      writeFileSync(target, content);
      console.log(`${file}: written`);
    }
  }
}
