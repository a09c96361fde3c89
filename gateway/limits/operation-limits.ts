// The query limits moved to shared/limits/ when the subgraphs got limits of their own. Kept for
// gateway/subscriptions/document-cache.ts, which still imports them from here.
export { OperationLimits } from '../../shared/limits/operation-limits';
