// Pages that need an account send a signed-out reader to sign in, and back here afterwards.
import type { ReactNode } from 'react';
import { Link, Navigate, useLocation } from 'react-router';
import { useSession } from '../api/auth';

export function loginPath(next: string): string {
  return `/login?next=${encodeURIComponent(next)}`;
}

export function RequireAuth({ children }: { children: ReactNode }) {
  const session = useSession();
  const location = useLocation();
  if (!session) return <Navigate to={loginPath(location.pathname + location.search)} replace />;
  return children;
}

export function RequireAdmin({ children }: { children: ReactNode }) {
  const session = useSession();
  const location = useLocation();
  if (!session) return <Navigate to={loginPath(location.pathname + location.search)} replace />;
  if (session.user.role !== 'ADMIN') {
    return (
      <section className="panel narrow">
        <h1 tabIndex={-1}>Administrators only</h1>
        <p>
          You are signed in as {session.user.email}, a customer account. Sign in as an administrator to manage orders, or go back
          to the <Link to="/">catalogue</Link>.
        </p>
      </section>
    );
  }
  return children;
}
