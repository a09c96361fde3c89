/** The SQL statements a service has sent so far, read from its Prometheus endpoint. */
export async function statementCount(graphqlUrl: string): Promise<number> {
  const text = await (await fetch(new URL('/metrics', graphqlUrl))).text();
  const line = text.split('\n').find((l) => l.startsWith('db_statements_total'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}
