// Sign in and sign up. Both start a session (api/auth.ts) and return to where the reader was
// sent from (?next=), so someone who tried to order comes back to the cart.
import { useId, useState, type FormEvent } from 'react';
import { useApolloClient, useMutation } from '@apollo/client/react';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';
import { LOG_IN, SIGN_UP } from '../api/auth-documents';
import { auth, useSession } from '../api/auth';
import { useDocumentTitle } from '../components/document-title';
import { describeError, fieldOf } from '../lib/errors';
import { safeNextPath, type AuthPayload } from '../lib/session';

function useAfterSignIn() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const client = useApolloClient();
  const next = safeNextPath(params.get('next'));
  return {
    next,
    done: async (payload: AuthPayload) => {
      auth.signIn(payload);
      // Queries answered while signed out (or as someone else) are asked again as this account.
      await client.resetStore().catch(() => undefined);
      await navigate(next, { replace: true });
    },
  };
}

function Field({
  label,
  error,
  hint,
  ...input
}: { label: string; error?: string; hint?: string } & React.InputHTMLAttributes<HTMLInputElement>) {
  const id = useId();
  const describedBy = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} aria-invalid={Boolean(error)} aria-describedby={describedBy} {...input} />
      {hint && (
        <p id={`${id}-hint`} className="muted small">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

export function LoginPage() {
  const session = useSession();
  const { next, done } = useAfterSignIn();
  const [logIn, { loading, error }] = useMutation(LOG_IN);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [ended] = useState(() => auth.endedReason);
  useDocumentTitle('Log in');
  if (session && !loading) return <Navigate to={next} replace />;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const result = await logIn({ variables: { email, password } }).catch(() => undefined);
    if (result?.data) await done(result.data.login);
  };

  return (
    <section className="panel auth">
      <h1 tabIndex={-1}>Log in</h1>
      {next !== '/' && !ended && <p className="notice notice-info">Log in to continue.</p>}
      {ended && <p className="notice notice-info">{ended}</p>}
      {error && (
        <div className="notice notice-danger" role="alert">
          {describeError(error).message}
        </div>
      )}
      <form onSubmit={(event) => void submit(event)}>
        <Field
          label="Email"
          type="email"
          autoComplete="email"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
        <Field
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <button type="submit" className="button button-primary button-large" disabled={loading}>
          {loading ? 'Logging in…' : 'Log in'}
        </button>
      </form>
      <p>
        New here? <Link to={`/signup?next=${encodeURIComponent(next)}`}>Create an account</Link>
      </p>
      <details className="demo-accounts">
        <summary>Demo accounts</summary>
        <p className="small">
          Customer: <code>customer@shop.example</code> / <code>customer-password</code>
          <br />
          Administrator: <code>admin@shop.example</code> / <code>admin-password</code>
        </p>
      </details>
    </section>
  );
}

export function SignUpPage() {
  const session = useSession();
  const { next, done } = useAfterSignIn();
  const [signUp, { loading, error }] = useMutation(SIGN_UP);
  const [form, setForm] = useState({ name: '', email: '', password: '' });
  useDocumentTitle('Sign up');
  if (session && !loading) return <Navigate to={next} replace />;

  const problem = error ? describeError(error) : undefined;
  const field = problem ? fieldOf(problem) : '';
  const fieldError = (name: keyof typeof form) => (problem && field === name ? problem.message : undefined);
  const set = (name: keyof typeof form) => (event: React.ChangeEvent<HTMLInputElement>) =>
    setForm((current) => ({ ...current, [name]: event.target.value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const result = await signUp({ variables: { input: form } }).catch(() => undefined);
    if (result?.data) await done(result.data.signUp);
  };

  return (
    <section className="panel auth">
      <h1 tabIndex={-1}>Create an account</h1>
      {problem && !field && (
        <div className="notice notice-danger" role="alert">
          {problem.message}
        </div>
      )}
      {problem && field && (
        <p className="visually-hidden" role="alert">
          {problem.message}
        </p>
      )}
      <form onSubmit={(event) => void submit(event)}>
        <Field label="Name" autoComplete="name" required value={form.name} onChange={set('name')} error={fieldError('name')} />
        <Field
          label="Email"
          type="email"
          autoComplete="email"
          required
          value={form.email}
          onChange={set('email')}
          error={fieldError('email')}
        />
        <Field
          label="Password"
          type="password"
          autoComplete="new-password"
          required
          minLength={10}
          maxLength={128}
          hint="10 to 128 characters, not your email address."
          value={form.password}
          onChange={set('password')}
          error={fieldError('password')}
        />
        <button type="submit" className="button button-primary button-large" disabled={loading}>
          {loading ? 'Creating your account…' : 'Create account'}
        </button>
      </form>
      <p>
        Already have an account? <Link to={`/login?next=${encodeURIComponent(next)}`}>Log in</Link>
      </p>
    </section>
  );
}
