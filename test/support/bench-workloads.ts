// The benchmark's operations exactly as it sends them (bench/gateways/operations.ts), for tests
// that must keep them working: the deep order history and the large query among them.
import { WORKLOADS, type Fixtures, type OperationName } from '../../bench/gateways/operations';

export interface WorkloadRequest {
  workload: OperationName;
  query: string;
  variables: Record<string, unknown>;
}

/** Every request of every workload once, with `fixtures` standing in for the benchmark's data. */
export function workloadRequests(fixtures: Fixtures): WorkloadRequest[] {
  const requests: WorkloadRequest[] = [];
  for (const workload of Object.values(WORKLOADS)) {
    for (const request of workload.requests(fixtures, () => ({}))) {
      const setup = request.setupRequest;
      // The second step of placeAndPay pays for what the first placed: give it an order.
      const sent =
        typeof setup === 'function'
          ? setup({}, { previous: fixtures.productIds[0], previousCustomer: fixtures.customerIds[0] })
          : undefined;
      if (!sent?.body) continue;
      const { query, variables } = JSON.parse(String(sent.body)) as { query: string; variables: Record<string, unknown> };
      requests.push({ workload: workload.name, query, variables });
    }
  }
  return requests;
}
