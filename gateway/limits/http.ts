// The limits that apply to an HTTP request before Apollo Server sees it: the rate limits (after
// authentication, which names the user whose budget a request spends) and the token limit.
import type express from 'express';
import type { GraphQLError } from 'graphql';
import { requestViewer } from '../auth';
import { clientAddress } from './client-address';
import { rateLimited } from './errors';
import { ErrorCode } from '../../shared/errors';
import type { LimitMetrics } from './metrics';
import type { OperationLimits } from '../../shared/limits/operation-limits';
import type { RateDecision, RateLimits } from './rate-limits';

/**
 * The response headers a client reads to pace itself. Browsers let scripts read them only when
 * CORS exposes them (Retry-After is not among the headers always exposed).
 */
export const RATE_LIMIT_HEADERS = ['Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'];

/**
 * 429 with Retry-After once the client's address or user has spent its budget for the minute.
 * Every answer carries RateLimit-Limit, -Remaining and -Reset of the tightest budget that applies.
 */
export function rateLimitMiddleware(
  rateLimits: RateLimits,
  trustedProxies: number,
  metrics: LimitMetrics,
): express.RequestHandler {
  return async (req, res, next) => {
    const decision = await rateLimits.request(clientAddress(req, trustedProxies), requestViewer(res).identity?.userId);
    if (decision) setRateLimitHeaders(res, decision);
    if (!decision || decision.allowed) return next();
    metrics.rejected(ErrorCode.RATE_LIMITED);
    res.set('Retry-After', String(decision.retryAfterSeconds));
    sendError(res, 429, rateLimited(decision.scope, decision.retryAfterSeconds));
  };
}

/** 400 TOO_MANY_TOKENS for a document over the token limit, before it is parsed. */
export function tokenLimitMiddleware(limits: OperationLimits, metrics: LimitMetrics): express.RequestHandler {
  return (req, res, next) => {
    const text = operationText(req);
    const error = text === undefined ? undefined : limits.checkText(text);
    if (!error) return next();
    metrics.rejected(ErrorCode.TOO_MANY_TOKENS);
    sendError(res, 400, error);
  };
}

function setRateLimitHeaders(res: express.Response, decision: RateDecision): void {
  res.set({
    'RateLimit-Limit': String(decision.limit),
    'RateLimit-Remaining': String(decision.allowed ? decision.remaining : 0),
    'RateLimit-Reset': String(decision.allowed ? decision.resetSeconds : decision.retryAfterSeconds),
  });
}

/** The document of a GraphQL-over-HTTP request (query string for GET, JSON body for POST). */
function operationText(req: express.Request): string | undefined {
  const params: unknown = req.method === 'GET' ? req.query : req.body;
  const query =
    params && typeof params === 'object' && !Array.isArray(params) ? (params as { query?: unknown }).query : undefined;
  return typeof query === 'string' ? query : undefined;
}

/** In GraphQL's error shape, as Apollo Server answers. */
function sendError(res: express.Response, status: number, error: GraphQLError): void {
  res.status(status).json({ errors: [{ message: error.message, extensions: error.extensions }] });
}
