// The two accounts the README and the `npm start` banner document, so a reader can try the API
// as a known administrator and a known customer. Demo credentials, published on purpose: the
// seed is for development machines, never for a production database.
import { createHash } from 'node:crypto';
import type { Role } from '../user/generated/client';
import { hashPassword } from '../../subgraphs/user/passwords';

export interface DemoAccount {
  email: string;
  password: string;
  name: string;
  role: Role;
}

export const DEMO_ACCOUNTS = {
  admin: { email: 'admin@shop.example', password: 'admin-password', name: 'Ada Admin', role: 'ADMIN' },
  customer: { email: 'customer@shop.example', password: 'customer-password', name: 'Casey Customer', role: 'CUSTOMER' },
} as const satisfies Record<string, DemoAccount>;

/**
 * The stored hash of a demo account's password, hashed as signUp hashes. Its salt comes from the
 * email rather than chance, so that every seed run writes the very same rows (the seed promises
 * that); still one salt per account.
 */
export function demoPasswordHash({ email, password }: DemoAccount): Promise<string> {
  const salt = createHash('sha256').update(`demo-account:${email}`).digest().subarray(0, 16);
  return hashPassword(password, salt);
}
