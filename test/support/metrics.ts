/** A counter or gauge from a service's Prometheus endpoint (the sum over its label sets). */
export async function scrapeMetric(graphqlUrl: string, name: string): Promise<number> {
  const text = await (await fetch(new URL('/metrics', graphqlUrl))).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

/** The SQL statements a service has sent so far. */
export function statementCount(graphqlUrl: string): Promise<number> {
  return scrapeMetric(graphqlUrl, 'db_statements_total');
}
